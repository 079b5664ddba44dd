import { NEWEST, OLDEST, oldestFromNewest, relevance, type ArticleOrderName } from "../catalog/article-order.ts";
import type { ArticleSelection } from "./article-selection.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { CatalogArticle } from "../catalog/catalog-article.ts";
import type { ArticleList } from "./paginate.ts";
import type { SearchResult } from "../search/search-index.ts";

/**
 * A search's hits that pass `keep` (null: all of them), as a catalog's
 * articles. They come best first in the RELEVANCE order itself (see
 * SearchIndex), so nothing is sorted again, and they are looked up only when
 * read: a first page of a query matching most of the catalog reads a page of
 * hits, not tens of thousands. NEWEST and OLDEST take the hits in the
 * catalog's own order (newest first) rather than sorting them.
 */
export function searchSelection(
  catalog: Catalog,
  query: string,
  orderName: ArticleOrderName,
  keep: ((article: CatalogArticle) => boolean) | null,
): ArticleSelection {
  const index = catalog.search();
  const result = index.find(query);
  // An older catalog's index answers while this one's builds: its hits are this catalog's articles by id, if it still has them.
  const own = index.builtOver(catalog.articles);
  if (own && orderName !== "RELEVANCE") return byDate(catalog.articles, result, keep, orderName === "OLDEST");
  const articleOf = own ? (rank: number) => catalog.articles[result.position(rank)] : (rank: number) => catalog.byId.get(result.id(rank));
  let ranks: Uint32Array | null = null;
  if (keep || !own) {
    const kept = new Uint32Array(result.length);
    let count = 0;
    for (let rank = 0; rank < result.length; rank++) {
      const article = articleOf(rank);
      if (article && (!keep || keep(article))) kept[count++] = rank;
    }
    ranks = kept.subarray(0, count);
  }
  const list = new RankedArticles(result, ranks, articleOf);
  if (orderName === "RELEVANCE") {
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
  // The older index's hits, by date: sorted (only while a new catalog's own index builds).
  const order = orderName === "OLDEST" ? OLDEST : NEWEST;
  const entries = Array.from({ length: list.length }, (_, i) => ({ article: list.at(i)!, rank: list.rankAt(i) }));
  const keyed = entries.map((entry) => ({ ...entry, key: order.key(entry.article) })).sort((a, b) => order.compare(a.key, b.key));
  return { list: keyed.map((entry) => entry.article), order, hitAt: (i) => result.hit(keyed[i]!.rank) };
}

/**
 * The kept hits by date, from a catalog list that is newest first: marked by
 * position, then read in the list's order. Tens of thousands of hits are not
 * sorted by date: this is two passes over typed arrays (and one more for
 * OLDEST), linear in the catalog.
 */
function byDate(
  articles: readonly CatalogArticle[],
  result: SearchResult,
  keep: ((article: CatalogArticle) => boolean) | null,
  oldest: boolean,
): ArticleSelection {
  const rankAt = new Int32Array(articles.length).fill(-1);
  for (let rank = 0; rank < result.length; rank++) rankAt[result.position(rank)] = rank;
  const kept: number[] = [];
  for (let position = 0; position < articles.length; position++) {
    if (rankAt[position]! >= 0 && (!keep || keep(articles[position]!))) kept.push(position);
  }
  const positions = oldest ? oldestFromNewest(kept, (position) => articles[position]!.publishedAt) : kept;
  const list = positions.map((position) => articles[position]!);
  return { list, order: oldest ? OLDEST : NEWEST, hitAt: (i) => result.hit(rankAt[positions[i]!]!) };
}

/** The kept hits of a search as articles, each looked up when read. */
class RankedArticles implements ArticleList {
  constructor(
    private readonly result: SearchResult,
    /** Ranks of the kept hits, best first; null when every hit is kept. */
    private readonly ranks: Uint32Array | null,
    private readonly articleOf: (rank: number) => CatalogArticle | undefined,
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
    return index >= 0 && index < this.length ? this.articleOf(this.rankAt(index)) : undefined;
  }

  slice(start = 0, end = this.length): CatalogArticle[] {
    const from = clamp(start, this.length);
    const to = clamp(end, this.length);
    const out: CatalogArticle[] = [];
    for (let i = from; i < to; i++) out.push(this.articleOf(this.rankAt(i))!);
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
