import { NEWEST, OLDEST, relevance, type ArticleOrder, type ArticleOrderName, type OrderKey } from "../catalog/article-order.ts";
import type { ArticleSelection } from "./article-selection.ts";
import type { CatalogArticle } from "../catalog/catalog-article.ts";
import type { ArticleList } from "./paginate.ts";
import type { SearchIndex, SearchResult } from "../search/search-index.ts";

/**
 * What a search reads of a catalog: its version, its stories by id and its
 * search index. The index is shared by a line of catalog versions and kept
 * in place, so it may hold another version than the catalog in hand.
 */
export interface SearchedCatalog {
  readonly version: number;
  readonly byId: { get(id: string): CatalogArticle | undefined; has(id: string): boolean };
  search(): SearchIndex;
}

/**
 * A search's hits that pass `keep` (null: all of them), as a catalog's
 * articles. They come best first in the RELEVANCE order itself (see
 * SearchIndex), so nothing is sorted again, and they are read only when
 * read: a first page of a query matching most of the catalog reads a page of
 * hits, not tens of thousands. NEWEST and OLDEST sort the hits themselves by
 * date, never reading the catalog's own lists.
 *
 * A hit counts when the catalog holds that story: when the index is at the
 * catalog's version, every hit does; otherwise (the index ahead of a request
 * that holds an older catalog, or an older index answering for a newer one
 * while its own builds) each hit is looked up by id, a story the catalog
 * lacks is left out, and one it holds in another version is served as the
 * catalog holds it.
 */
export function searchSelection(
  catalog: SearchedCatalog,
  query: string,
  orderName: ArticleOrderName,
  keep: ((article: CatalogArticle) => boolean) | null,
): ArticleSelection {
  const index = catalog.search();
  const result = index.find(query);
  const own = index.version === catalog.version;
  let ranks: Uint32Array | null = null;
  // Not the index's own version: the catalog's story for each kept hit, by rank.
  const held: CatalogArticle[] | null = own ? null : [];
  if (keep || held) {
    const kept = new Uint32Array(result.length);
    let count = 0;
    for (let rank = 0; rank < result.length; rank++) {
      const article = held ? catalog.byId.get(result.id(rank)) : result.article(rank);
      if (!article) continue;
      if (held) held[rank] = article;
      if (!keep || keep(article)) kept[count++] = rank;
    }
    ranks = kept.subarray(0, count);
  }
  const articleAt = held ? (rank: number) => held[rank]! : (rank: number) => result.article(rank);
  if (orderName === "RELEVANCE") {
    const list = new RankedArticles(result, ranks, articleAt);
    // Scores by id, for whoever asks an article's key by the article (cursors here use `keyAt`); made only if asked.
    let scores: Map<string, number> | null = null;
    const scoreOf = (article: CatalogArticle) => (scores ??= list.scoresById()).get(article.id) ?? null;
    return {
      list,
      order: relevance(scoreOf),
      hitAt: (i) => result.hit(list.rankAt(i)),
      keyAt: (i) => ({ value: result.score(list.rankAt(i)), id: result.id(list.rankAt(i)) }),
    };
  }
  const order = orderName === "OLDEST" ? OLDEST : NEWEST;
  const list = new RankedArticles(result, byDate(result, ranks, order), articleAt);
  return { list, order, hitAt: (i) => result.hit(list.rankAt(i)) };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Seconds since 2000 UTC the date buckets count from, at the middle of their 32 bits: 1932 to 2068. */
const BUCKET_ORIGIN_SECONDS = 946_684_800;
const BUCKET_MIDDLE = 2 ** 31;
const LAST_BUCKET = 0xffffffff;

/**
 * The ranks of the kept hits (`ranks`, or every one) in `order` (NEWEST or
 * OLDEST), as `order.compare` of their keys puts them. A comparator sort of
 * tens of thousands of hits would cost more than the search: each hit's date
 * (as the search result holds it) is cut to a second-wide bucket and packed with the hit's place
 * in a 64-bit key that the typed array sorts natively (undated hits last);
 * then each run of hits in one bucket (hits of one second, dates beyond the
 * buckets' span, or the undated) is sorted by `order.compare` itself.
 */
function byDate(result: SearchResult, ranks: Uint32Array | null, order: ArticleOrder): Uint32Array {
  const count = ranks ? ranks.length : result.length;
  const rankAt = (i: number) => (ranks ? ranks[i]! : i);
  const newest = order === NEWEST;
  const keys = new BigUint64Array(count);
  const halves = new Uint32Array(keys.buffer);
  const [low, top] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const time = result.time(rankAt(i)) ?? Number.NaN;
    times[i] = time;
    let bucket = LAST_BUCKET;
    if (!Number.isNaN(time)) {
      const seconds = Math.floor(time / 1000) - BUCKET_ORIGIN_SECONDS + BUCKET_MIDDLE;
      const clamped = Math.min(Math.max(seconds, 0), LAST_BUCKET - 1);
      bucket = newest ? LAST_BUCKET - 1 - clamped : clamped;
    }
    halves[2 * i + top] = bucket;
    halves[2 * i + low] = i;
  }
  keys.sort();
  const places = new Uint32Array(count);
  for (let i = 0; i < count; i++) places[i] = halves[2 * i + low]!;
  const keyOf = (place: number): OrderKey => ({
    value: Number.isNaN(times[place]!) ? null : times[place]!,
    id: result.id(rankAt(place)),
  });
  // Keys made only for the hits of runs, by place.
  const runKeys: OrderKey[] = [];
  for (let start = 0; start < count; ) {
    let end = start + 1;
    while (end < count && halves[2 * end + top] === halves[2 * start + top]) end++;
    if (end - start > 1) {
      const run = places.subarray(start, end);
      for (const place of run) runKeys[place] = keyOf(place);
      run.sort((a, b) => order.compare(runKeys[a]!, runKeys[b]!));
    }
    start = end;
  }
  const sorted = new Uint32Array(count);
  for (let i = 0; i < count; i++) sorted[i] = rankAt(places[i]!);
  return sorted;
}

/** The kept hits of a search as articles, each read when asked. */
class RankedArticles implements ArticleList {
  constructor(
    private readonly result: SearchResult,
    /** Ranks of the kept hits, in the list's order; null when every hit is kept, best first. */
    private readonly ranks: Uint32Array | null,
    /** The story of the hit at a rank, as the catalog in hand holds it. */
    private readonly articleAt: (rank: number) => CatalogArticle,
  ) {}

  get length(): number {
    return this.ranks ? this.ranks.length : this.result.length;
  }

  /** The rank in the search's result of the article at `index`. */
  rankAt(index: number): number {
    return this.ranks ? this.ranks[index]! : index;
  }

  at(index: number): CatalogArticle | undefined {
    if (index < 0) index += this.length;
    return index >= 0 && index < this.length ? this.articleAt(this.rankAt(index)) : undefined;
  }

  slice(start = 0, end = this.length): CatalogArticle[] {
    const from = clamp(start, this.length);
    const to = clamp(end, this.length);
    const out: CatalogArticle[] = [];
    for (let i = from; i < to; i++) out.push(this.articleAt(this.rankAt(i)));
    return out;
  }

  scoresById(): Map<string, number> {
    const scores = new Map<string, number>();
    for (let i = 0; i < this.length; i++) scores.set(this.result.id(this.rankAt(i)), this.result.score(this.rankAt(i)));
    return scores;
  }
}

/** A slice bound as `Array.prototype.slice` reads it: negative from the end, within [0, length]. */
function clamp(bound: number, length: number): number {
  return bound < 0 ? Math.max(0, length + bound) : Math.min(bound, length);
}
