import type { CatalogArticle } from "./catalog-article.ts";

/** Where an article sits in the newest-first order: its date (null last) and id as tie-breaker. */
export interface OrderKey {
  time: number | null;
  id: string;
}

export function orderKey(article: CatalogArticle): OrderKey {
  return { time: article.publishedAt ? article.publishedAt.getTime() : null, id: article.id };
}

/** Newest first; undated articles after dated ones; ids break ties so the order is total. */
export function compareKeys(a: OrderKey, b: OrderKey): number {
  if (a.time !== b.time) {
    if (a.time === null) return 1;
    if (b.time === null) return -1;
    return b.time - a.time;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function compareNewestFirst(a: CatalogArticle, b: CatalogArticle): number {
  return compareKeys(orderKey(a), orderKey(b));
}
