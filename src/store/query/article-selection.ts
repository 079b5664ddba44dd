import type { ArticleOrder, OrderKey } from "../catalog/article-order.ts";
import type { SearchHit } from "../search/search-index.ts";
import type { ArticleList } from "./paginate.ts";

/**
 * Articles chosen by a filter, as paging reads them. Its own module because
 * both `selectArticles` (every filter) and `searchSelection` (a query's hits)
 * make one, and the first calls the second.
 */
export interface ArticleSelection {
  /** Matching articles, sorted by `order`. */
  list: ArticleList;
  order: ArticleOrder;
  /** With a query: the search hit of the article at a position in `list`. */
  hitAt: ((index: number) => SearchHit) | null;
  /** The key of the article at a position in `list` (see `paginate`); with a query, from its hit's score. */
  keyAt?: (index: number) => OrderKey;
}
