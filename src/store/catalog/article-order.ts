import type { CatalogArticle } from "./catalog-article.ts";
import { sortSteps } from "../sliced/sort-steps.ts";
import type { Steps } from "../sliced/time-slice.ts";

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

/**
 * A newest-first list (NEWEST: dates descending, ids ascending, undated last)
 * in OLDEST order, in one pass rather than a sort: its runs of equal dates in
 * reverse order, each run keeping its ids ascending, undated items still last.
 */
export function oldestFromNewest<T>(newest: readonly T[], dateOf: (item: T) => Date | null): T[] {
  // Each date read once: the items are large objects spread over the heap, and reading them is the cost.
  const times = new Float64Array(newest.length);
  for (let i = 0; i < newest.length; i++) times[i] = dateOf(newest[i]!)?.getTime() ?? Number.NaN;
  let dated = newest.length;
  while (dated > 0 && Number.isNaN(times[dated - 1]!)) dated--;
  const out: T[] = [];
  for (let end = dated; end > 0; ) {
    let start = end - 1;
    while (start > 0 && times[start - 1] === times[end - 1]) start--;
    for (let i = start; i < end; i++) out.push(newest[i]!);
    end = start;
  }
  for (let i = dated; i < newest.length; i++) out.push(newest[i]!);
  return out;
}

/** Highest search score first, by the scores of one query (null for an article it did not match). */
export function relevance(scoreOf: (article: CatalogArticle) => number | null): ArticleOrder {
  return { name: "RELEVANCE", key: (article) => ({ value: scoreOf(article), id: article.id }), compare: compareBy(-1) };
}

/** A sorted copy; each article's key is made once, not once per comparison (n, not n log n, objects). */
export function sortArticles(list: CatalogArticle[], order: ArticleOrder): CatalogArticle[] {
  const keyed = list.map((article) => ({ article, key: order.key(article) }));
  keyed.sort((a, b) => order.compare(a.key, b.key));
  return keyed.map((entry) => entry.article);
}

/**
 * `sortArticles` as steps (see time-slice.ts), for a catalog's whole list:
 * keys made a few thousand at a time, then `sortSteps`. Sorting 20 000
 * articles in one go held the event loop for tens of milliseconds. Stable,
 * like `Array.prototype.sort`, so the result is the same.
 */
export function* sortArticleSteps(list: CatalogArticle[], order: ArticleOrder): Steps<CatalogArticle[]> {
  type Keyed = { article: CatalogArticle; key: OrderKey };
  const keyed: Keyed[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    keyed[i] = { article: list[i]!, key: order.key(list[i]!) };
    if ((i & (SORT_STEP - 1)) === SORT_STEP - 1) yield;
  }
  const sorted = yield* sortSteps(keyed, (a, b) => order.compare(a.key, b.key), SORT_STEP);
  return sorted.map((entry) => entry.article);
}
