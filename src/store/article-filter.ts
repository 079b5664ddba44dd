import { NEWEST, OLDEST, relevance, sortArticles, type ArticleOrder, type ArticleOrderName } from "./article-order.ts";
import type { Catalog } from "./catalog.ts";
import { carriedBy, type CatalogArticle } from "./catalog-article.ts";
import type { SearchHit } from "./search-index.ts";

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
  list: CatalogArticle[];
  order: ArticleOrder;
  /** Search hits by article id, when there was a query. */
  hits: Map<string, SearchHit> | null;
}

/** A filter a client combined wrongly; the GraphQL layer turns it into BAD_USER_INPUT. */
export class FilterError extends Error {
  readonly code = "BAD_USER_INPUT";
}

/** Articles matching every given filter, in the requested order. */
export function selectArticles(catalog: Catalog, filter: ArticleFilter): ArticleSelection {
  const query = filter.query?.trim() ? filter.query.trim() : null;
  if (filter.orderBy === "RELEVANCE" && !query) throw new FilterError("`orderBy: RELEVANCE` needs a `query` to rank by");
  const hits = query ? new Map(catalog.search().search(query).map((hit) => [hit.id, hit])) : null;
  let list = filter.section ? (catalog.bySection.get(filter.section) ?? []) : catalog.articles;
  const tag = filter.tag?.trim().toLowerCase();
  const since = filter.since?.getTime();
  const until = filter.until?.getTime();
  if (filter.source || tag || since !== undefined || until !== undefined || hits) {
    list = list.filter((article) => {
      if (hits && !hits.has(article.id)) return false;
      if (filter.source && !carriedBy(article, filter.source)) return false;
      if (tag && !article.tags.some((t) => t.toLowerCase() === tag)) return false;
      const time = article.publishedAt?.getTime();
      if (since !== undefined && (time === undefined || time < since)) return false;
      if (until !== undefined && (time === undefined || time > until)) return false;
      return true;
    });
  }
  const orderName = filter.orderBy ?? (hits ? "RELEVANCE" : "NEWEST");
  if (orderName === "NEWEST") return { list, order: NEWEST, hits };
  const order = orderName === "OLDEST" ? OLDEST : relevance(new Map([...(hits ?? new Map<string, SearchHit>())].map(([id, hit]) => [id, hit.score])));
  return { list: sortArticles(list, order), order, hits };
}
