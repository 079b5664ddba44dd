import { NEWEST, type ArticleOrder, type ArticleOrderName, type OrderKey } from "../catalog/article-order.ts";
import type { CatalogArticle } from "../catalog/catalog-article.ts";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
const CURSOR_VERSION = "a2";
const ORDER_CODES: Record<ArticleOrderName, string> = { NEWEST: "n", OLDEST: "o", RELEVANCE: "r" };

/** Articles in order, read by position: an array, or a view that looks each up when read (a search's hits). */
export interface ArticleList {
  readonly length: number;
  at(index: number): CatalogArticle | undefined;
  slice(start?: number, end?: number): CatalogArticle[];
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface Page {
  edges: { cursor: string; node: CatalogArticle; snippet?: string | null }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
  /** The position of the first edge in the list paged. */
  offset: number;
}

/** A page argument a client got wrong; the GraphQL layer turns it into BAD_USER_INPUT. */
export class PageArgsError extends Error {
  readonly code = "BAD_USER_INPUT";
}

/**
 * Keyset cursors: a cursor encodes the position of an article in its order
 * (date or score, and id), not an offset, so paging while the catalog
 * refreshes neither repeats nor skips an article that stayed, and a cursor
 * still works after its article is gone.
 */
export function encodeCursor(article: CatalogArticle, order: ArticleOrder = NEWEST): string {
  return encodeKey(order.key(article), order);
}

function encodeKey(key: OrderKey, order: ArticleOrder): string {
  return Buffer.from(`${CURSOR_VERSION}:${ORDER_CODES[order.name]}:${key.value ?? ""}:${key.id}`).toString("base64url");
}

export function decodeCursor(cursor: string, argument: string, order: ArticleOrder = NEWEST): OrderKey {
  const text = /^[A-Za-z0-9_-]{1,200}={0,2}$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  const match = /^a2:([nor]):(-?\d{1,16}(?:\.\d{1,20})?(?:e-?\d{1,3})?)?:([A-Za-z0-9_-]{1,64})$/.exec(text);
  if (!match) throw new PageArgsError(`\`${argument}\` is not a cursor this API issued; pass an edge's \`cursor\` unchanged`);
  if (match[1] !== ORDER_CODES[order.name]) {
    throw new PageArgsError(`\`${argument}\` comes from a list in another order; keep \`orderBy\` (here ${order.name}) while paging`);
  }
  return { value: match[2] === undefined ? null : Number(match[2]), id: match[3]! };
}

/**
 * Relay's pagination algorithm over a list already sorted by `order`.
 * `keyAt` gives the key of the article at a position where the caller holds
 * it (a search's scores, in the list's order); else `order.key` computes it.
 */
export function paginate(
  list: ArticleList,
  args: PageArgs,
  order: ArticleOrder = NEWEST,
  keyAt: (index: number) => OrderKey = (index) => order.key(list.at(index)!),
): Page {
  const first = checkCount(args.first, "first");
  const last = checkCount(args.last, "last");
  if (first !== null && last !== null) throw new PageArgsError("pass either `first` or `last`, not both");
  const after = args.after ? decodeCursor(args.after, "after", order) : null;
  const before = args.before ? decodeCursor(args.before, "before", order) : null;

  // Positions in the full list: [start, end) is what lies strictly between the cursors.
  let start = after ? firstIndexAfter(list.length, keyAt, after, order) : 0;
  let end = before ? firstIndexAtOrAfter(list.length, keyAt, before, order) : list.length;
  if (end < start) end = start;
  const windowStart = start;
  const windowEnd = end;
  if (first !== null) end = Math.min(end, start + first);
  else if (last !== null) start = Math.max(start, end - last);
  else end = Math.min(end, start + DEFAULT_PAGE_SIZE);

  const edges = list.slice(start, end).map((node, i) => ({ cursor: encodeKey(keyAt(start + i), order), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: end < windowEnd || (before !== null && end < list.length),
      hasPreviousPage: start > windowStart || (after !== null && start > 0),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: list.length,
    offset: start,
  };
}

function checkCount(value: number | null | undefined, argument: string): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 0)
    throw new PageArgsError(`\`${argument}\` must be a whole number from 0 to ${MAX_PAGE_SIZE}; got ${value}`);
  if (value > MAX_PAGE_SIZE)
    throw new PageArgsError(`\`${argument}\` may be at most ${MAX_PAGE_SIZE}; got ${value}. Page with \`after\` for more`);
  return value;
}

/** Binary search: the first index whose key sorts strictly after `key`. */
function firstIndexAfter(length: number, keyAt: (index: number) => OrderKey, key: OrderKey, order: ArticleOrder): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (order.compare(keyAt(mid), key) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Binary search: the first index whose key sorts at or after `key`. */
function firstIndexAtOrAfter(length: number, keyAt: (index: number) => OrderKey, key: OrderKey, order: ArticleOrder): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (order.compare(keyAt(mid), key) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
