import { NEWEST, OLDEST, oldestFromNewest, type ArticleOrder, type ArticleOrderName, type OrderKey } from "./article-order.ts";
import type { Catalog } from "./catalog.ts";
import { carriedBy, type CatalogArticle } from "./catalog-article.ts";
import type { ArticleList } from "./paginate.ts";
import type { SearchHit } from "./search-index.ts";
import { searchSelection } from "./search-selection.ts";

export interface ArticleFilter {
  section?: string | null;
  source?: string | null;
  tag?: string | null;
  query?: string | null;
  since?: Date | null;
  until?: Date | null;
  /** NEWEST by default; RELEVANCE by default with a query (and only with one). */
  orderBy?: ArticleOrderName | null;
}

export interface ArticleSelection {
  /** Matching articles, sorted by `order`. */
  list: ArticleList;
  order: ArticleOrder;
  /** With a query: the search hit of the article at a position in `list`. */
  hitAt: ((index: number) => SearchHit) | null;
  /** The key of the article at a position in `list` (see `paginate`); with a query, from its hit's score. */
  keyAt?: (index: number) => OrderKey;
}

/** A filter a client combined wrongly; the GraphQL layer turns it into BAD_USER_INPUT. */
export class FilterError extends Error {
  readonly code = "BAD_USER_INPUT";
}

/** Articles matching every given filter, in the requested order. */
export function selectArticles(catalog: Catalog, filter: ArticleFilter): ArticleSelection {
  const query = filter.query?.trim() ? filter.query.trim() : null;
  if (filter.orderBy === "RELEVANCE" && !query) throw new FilterError("`orderBy: RELEVANCE` needs a `query` to rank by");
  const keep = articleTest(filter);
  if (query) {
    const { section } = filter;
    // As the section's own list holds them: only a configured section has articles.
    const inSection = !section ? null : catalog.bySection.has(section) ? (article: CatalogArticle) => article.section === section : () => false;
    return searchSelection(catalog, query, filter.orderBy ?? "RELEVANCE", inSection && keep ? (article) => inSection(article) && keep(article) : (inSection ?? keep));
  }
  let list = filter.section ? (catalog.bySection.get(filter.section) ?? []) : catalog.articles;
  if (keep) list = list.filter(keep);
  // The catalog's lists are newest first already.
  return filter.orderBy === "OLDEST" ? { list: oldestFromNewest(list, (article) => article.publishedAt), order: OLDEST, hitAt: null } : { list, order: NEWEST, hitAt: null };
}

/** The filters other than section and query, as one test; null when there are none. */
function articleTest(filter: ArticleFilter): ((article: CatalogArticle) => boolean) | null {
  const tag = filter.tag?.trim().toLowerCase();
  const since = filter.since?.getTime();
  const until = filter.until?.getTime();
  const { source } = filter;
  if (!source && !tag && since === undefined && until === undefined) return null;
  return (article) => {
    if (source && !carriedBy(article, source)) return false;
    if (tag && !article.tags.some((t) => t.toLowerCase() === tag)) return false;
    const time = article.publishedAt?.getTime();
    if (since !== undefined && (time === undefined || time < since)) return false;
    if (until !== undefined && (time === undefined || time > until)) return false;
    return true;
  };
}
