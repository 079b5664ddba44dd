import type { CatalogArticle } from "./catalog-article.ts";
import type { Steps } from "./time-slice.ts";

/** Articles sorted, or merged, between two yields of `sortArticleSteps`. */
const SORT_STEP = 2048;

export type ArticleOrderName = "NEWEST" | "OLDEST" | "RELEVANCE";

/** Where an article sits in an order: one number (date or score; null sorts last) and its id. */
export interface OrderKey {
  value: number | null;
  id: string;
}

/**
 * A total order over articles that cursors can name: the key of an article is
 * its position, so a cursor stays meaningful after the list changes.
 */
export interface ArticleOrder {
  name: ArticleOrderName;
  key: (article: CatalogArticle) => OrderKey;
  compare: (a: OrderKey, b: OrderKey) => number;
}

const byId = (a: OrderKey, b: OrderKey) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const time = (article: CatalogArticle): OrderKey => ({ value: article.publishedAt ? article.publishedAt.getTime() : null, id: article.id });

/** Compares values in a direction; null (no date, no score) always last; ids break ties. */
function compareBy(direction: 1 | -1) {
  return (a: OrderKey, b: OrderKey): number => {
    if (a.value !== b.value) {
      if (a.value === null) return 1;
      if (b.value === null) return -1;
      return direction * (a.value - b.value);
    }
    return byId(a, b);
  };
}

export const NEWEST: ArticleOrder = { name: "NEWEST", key: time, compare: compareBy(-1) };
export const OLDEST: ArticleOrder = { name: "OLDEST", key: time, compare: compareBy(1) };

/** Highest search score first, by the scores of one query. */
export function relevance(scores: Map<string, number>): ArticleOrder {
  return { name: "RELEVANCE", key: (article) => ({ value: scores.get(article.id) ?? null, id: article.id }), compare: compareBy(-1) };
}

/** A sorted copy; each article's key is made once, not once per comparison (n, not n log n, objects). */
export function sortArticles(list: CatalogArticle[], order: ArticleOrder): CatalogArticle[] {
  const keyed = list.map((article) => ({ article, key: order.key(article) }));
  keyed.sort((a, b) => order.compare(a.key, b.key));
  return keyed.map((entry) => entry.article);
}

/**
 * `sortArticles` as steps (see time-slice.ts), for a catalog's whole list: a
 * bottom-up merge sort that sorts runs of a few thousand, then merges them,
 * yielding every few thousand articles placed. Sorting 20 000 articles in
 * one go held the event loop for tens of milliseconds. Stable, like
 * `Array.prototype.sort`, so the result is the same.
 */
export function* sortArticleSteps(list: CatalogArticle[], order: ArticleOrder): Steps<CatalogArticle[]> {
  type Keyed = { article: CatalogArticle; key: OrderKey };
  const compare = (a: Keyed, b: Keyed) => order.compare(a.key, b.key);
  let from: Keyed[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    from[i] = { article: list[i]!, key: order.key(list[i]!) };
    if ((i & (SORT_STEP - 1)) === SORT_STEP - 1) yield;
  }
  for (let start = 0; start < from.length; start += SORT_STEP) {
    const run = from.slice(start, start + SORT_STEP).sort(compare);
    for (let i = 0; i < run.length; i++) from[start + i] = run[i]!;
    yield;
  }
  let to: Keyed[] = new Array(from.length);
  for (let width = SORT_STEP; width < from.length; width *= 2) {
    let placed = 0;
    for (let left = 0; left < from.length; left += 2 * width) {
      const middle = Math.min(left + width, from.length);
      const end = Math.min(left + 2 * width, from.length);
      let i = left;
      let j = middle;
      for (let k = left; k < end; k++) {
        // Ties take the left run first: stable.
        to[k] = j >= end || (i < middle && compare(from[i]!, from[j]!) <= 0) ? from[i++]! : from[j++]!;
        if ((++placed & (SORT_STEP - 1)) === 0) yield;
      }
    }
    [from, to] = [to, from];
  }
  return from.map((entry) => entry.article);
}