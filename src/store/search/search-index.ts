import type { CatalogArticle } from "../catalog/catalog-article.ts";
import { indexedBodyText } from "../catalog/indexed-text.ts";
import { buildPostings, FIELD_COUNT, fieldFrequency, type Postings } from "./search-postings.ts";
import { snippetOf } from "./search-snippet.ts";
import { searchTerms } from "./search-text.ts";
import { sortSteps } from "../sliced/sort-steps.ts";
import { runToEnd, type Steps } from "../sliced/time-slice.ts";

/** How much a match in each field counts, relative to the body: title, tags, summary, body. */
const FIELD_BOOSTS = [3, 2.5, 1.5, 1] as const;
/**
 * Words of the body indexed: a story's words that matter to a search are in
 * its first paragraphs, and indexing the rest would double the index's memory.
 */
export const BODY_WORDS_INDEXED = 120;
/** Distinct words of a query used; the rest are ignored, so one search costs a bounded amount. */
export const MAX_QUERY_TERMS = 16;
/** Query words of at least this many characters also match as prefixes ("batter" finds "battery"). */
export const MIN_PREFIX_CHARS = 3;
/**
 * Longer words a prefix stands for at most, the most common ones: a short
 * prefix of a large vocabulary would otherwise walk most of the index.
 */
export const MAX_PREFIX_TERMS = 64;
/** Query words of at least this many characters tolerate typos, one edit per five characters, two at most. */
export const MIN_FUZZY_CHARS = 5;
const FUZZY_EDITS_PER_CHAR = 0.2;
/**
 * Edits tolerated at most, however long the word: with three, nearly every
 * short prefix of the vocabulary stays within reach and the walk of the
 * dictionary costs several times more.
 */
export const MAX_FUZZY_EDITS = 2;
/** Words a misspelt word stands for at most, the closest ones. */
export const MAX_FUZZY_TERMS = 32;
/** BM25+ parameters: k saturates term frequency, b normalizes by field length, d floors every match's weight above zero. */
const BM25 = { k: 1.2, b: 0.7, d: 0.5 };
/** How much a word found by prefix, or by typo tolerance, counts against the word as typed. */
const PREFIX_WEIGHT = 0.375;
const FUZZY_WEIGHT = 0.45;

export interface SearchHit {
  id: string;
  score: number;
  /** Words of the article that matched (after prefix and typo expansion). */
  readonly terms: string[];
  /** The article's position in the indexed list, so a snippet needs no lookup by id. */
  position?: number;
}

/** A word of the dictionary that a query word stands for, and how much it counts. */
interface Expansion {
  rank: number;
  weight: number;
}

/**
 * Full-text search over title, tags, summary and the body's first words,
 * ranked by BM25 with field boosts, with prefix matching and typo tolerance
 * ("quantim" finds "quantum", when nothing matches as typed). Every query word
 * must match. Built once per catalog version, in one go or in steps (`build`).
 *
 * The index is a sorted term dictionary and postings in typed arrays (see
 * search-postings.ts), not a Map per term and field, so the heap grows by
 * numbers rather than objects; the text itself is not kept: snippets are cut
 * from the articles.
 */
export class SearchIndex {
  private readonly postings: Postings;
  /**
   * Article ids by document number. Reading `articles[doc].id` for thousands
   * of hits cost more than all the scoring: the articles are large objects
   * spread over the heap, each read a cache miss and often a slow property
   * lookup. One array of the same strings costs a pointer per article.
   */
  private readonly ids: string[];
  /**
   * Per-document scratch of a search, kept between searches because
   * allocating them for each one (a megabyte at 100k articles) would make
   * the collector run: how many query words each document matched so far, and
   * its score. A search resets the entries it touched.
   */
  private readonly matched: Uint8Array;
  private readonly scores: Float64Array;
  private readonly idOrder: IdOrder;

  /** Builds the index in one go, or takes postings and id order built by `build`. */
  constructor(
    private readonly articles: CatalogArticle[],
    postings: Postings = runToEnd(postingsOf(articles)),
    idOrder: IdOrder = runToEnd(idOrderOf(articles)),
  ) {
    this.postings = postings;
    this.idOrder = idOrder;
    this.ids = articles.map((article) => article.id);
    this.matched = new Uint8Array(articles.length);
    this.scores = new Float64Array(articles.length);
  }

  /**
   * The build as steps (see time-slice.ts): it yields every few articles, so
   * a catalog of 100k can be indexed without holding the event loop.
   */
  static *build(articles: CatalogArticle[]): Steps<SearchIndex> {
    const postings = yield* postingsOf(articles);
    return new SearchIndex(articles, postings, yield* idOrderOf(articles));
  }

  /**
   * Hits for a query, best first. Typo tolerance is a second pass, only when
   * exact and prefix matching find nothing: it walks the vocabulary and would
   * cost every search what only a misspelt one needs.
   */
  search(query: string): SearchHit[] {
    return this.find(query).hits();
  }

  /**
   * `search`'s hits, made only when read: a query matching most of the catalog
   * is served a page of them, not a hit object for each of tens of thousands.
   */
  find(query: string): SearchResult {
    const words = [...new Set(searchTerms(query))].slice(0, MAX_QUERY_TERMS);
    if (words.length === 0) return this.nothing();
    const result = this.match(words.map((word) => this.expand(word, false)));
    return result.length > 0 ? result : this.match(words.map((word) => this.expand(word, true)));
  }

  private nothing(): SearchResult {
    return new SearchResult(this.ids, new Uint32Array(0), new Float64Array(0), null);
  }

  /** Whether this index was built over exactly this list (a hit's `position` is then its index in it). */
  builtOver(articles: readonly CatalogArticle[]): boolean {
    return this.articles === articles;
  }

  /**
   * A short plain-text excerpt around the first match, HTML-escaped, with the
   * matched words wrapped in `<mark>`: safe to insert as HTML.
   */
  snippet(hit: SearchHit): string | null {
    const position = hit.position !== undefined && this.ids[hit.position] === hit.id ? hit.position : this.ids.indexOf(hit.id);
    return position < 0 ? null : snippetOf(this.articles[position]!, hit.terms);
  }

  /** The dictionary's words that `word` stands for: itself, longer words it starts, and close misspellings. */
  private expand(word: string, fuzzy: boolean): Expansion[] {
    const { dictionary, starts } = this.postings;
    const frequency = (rank: number) => starts[rank + 1]! - starts[rank]!;
    const weights = new Map<number, number>();
    const exact = dictionary.find(word);
    if (exact >= 0) weights.set(exact, 1);
    if (word.length >= MIN_PREFIX_CHARS) {
      const [from, to] = dictionary.prefixRange(word);
      let ranks = Array.from({ length: to - from }, (_, i) => from + i).filter((rank) => rank !== exact);
      if (ranks.length > MAX_PREFIX_TERMS) ranks = ranks.sort((a, b) => frequency(b) - frequency(a)).slice(0, MAX_PREFIX_TERMS);
      for (const rank of ranks) {
        const length = dictionary.termLength(rank);
        weights.set(rank, (PREFIX_WEIGHT * length) / (length + 0.3 * (length - word.length)));
      }
    }
    if (fuzzy && word.length >= MIN_FUZZY_CHARS) {
      const close = dictionary
        .fuzzy(word, Math.min(MAX_FUZZY_EDITS, Math.round(word.length * FUZZY_EDITS_PER_CHAR)))
        .filter(({ rank }) => !weights.has(rank))
        .sort((a, b) => a.distance - b.distance || frequency(b.rank) - frequency(a.rank))
        .slice(0, MAX_FUZZY_TERMS);
      for (const { rank, distance } of close) {
        const length = dictionary.termLength(rank);
        weights.set(rank, (FUZZY_WEIGHT * length) / (length + distance));
      }
    }
    return [...weights].map(([rank, weight]) => ({ rank, weight }));
  }

  /**
   * Documents that match every query word through one of its expansions,
   * scored by the sum over words and fields of boost × weight × BM25+. Words
   * are taken rarest first, and a document counts for a word only if it
   * matched every earlier one, so the work after the first word shrinks.
   */
  private match(expansions: Expansion[][]): SearchResult {
    if (expansions.some((expansion) => expansion.length === 0)) return this.nothing();
    const { starts, docs, frequencies, fieldLengths, averageFieldLengths, documentCount } = this.postings;
    const postingCount = (expansion: Expansion[]) => expansion.reduce((sum, { rank }) => sum + starts[rank + 1]! - starts[rank]!, 0);
    const words = [...expansions].sort((a, b) => postingCount(a) - postingCount(b));
    const { matched, scores } = this;
    const candidates: number[] = [];
    const { k, b, d } = BM25;
    for (let word = 0; word < words.length; word++) {
      for (const { rank, weight } of words[word]!) {
        const from = starts[rank]!;
        const to = starts[rank + 1]!;
        const documentFrequency = to - from;
        const factor = weight * Math.log(1 + (documentCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
        for (let p = from; p < to; p++) {
          const doc = docs[p]!;
          const before = matched[doc]!;
          if (before === word) {
            matched[doc] = word + 1;
            if (word === 0) candidates.push(doc);
          } else if (before !== word + 1) continue;
          const packed = frequencies[p]!;
          let score = 0;
          for (let field = 0; field < FIELD_COUNT; field++) {
            const frequency = fieldFrequency(packed, field);
            if (frequency === 0) continue;
            const norm = k * (1 - b + (b * fieldLengths[doc * FIELD_COUNT + field]!) / averageFieldLengths[field]!);
            score += FIELD_BOOSTS[field]! * (d + (frequency * (k + 1)) / (frequency + norm));
          }
          scores[doc]! += factor * score;
        }
      }
    }
    const found = bestFirst(
      candidates.filter((doc) => matched[doc] === words.length),
      scores,
      this.idOrder,
    );
    const foundScores = new Float64Array(found.length);
    for (let rank = 0; rank < found.length; rank++) foundScores[rank] = scores[found[rank]!]!;
    for (const doc of candidates) {
      matched[doc] = 0;
      scores[doc] = 0;
    }
    return new SearchResult(this.ids, found, foundScores, new QueryMatch(this.postings, words));
  }
}

/**
 * The dictionary words one search stood for, shared by its hits. Which of
 * them a hit's document holds is found when asked (for a snippet: a page's
 * worth of hits), not for every hit: a common word or a short prefix finds
 * thousands, and a list per hit would dominate such a search's time and garbage.
 */
class QueryMatch {
  /** When each query word stood for one dictionary word, every hit matched the same words. */
  private readonly shared: string[] | null;

  constructor(
    private readonly postings: Postings,
    private readonly words: Expansion[][],
  ) {
    this.shared = words.every((expansion) => expansion.length === 1)
      ? words.map((expansion) => postings.dictionary.term(expansion[0]!.rank))
      : null;
  }

  termsOf(doc: number): string[] {
    if (this.shared) return [...this.shared];
    const { dictionary, starts, docs } = this.postings;
    const terms: string[] = [];
    for (const expansion of this.words) {
      for (const { rank } of expansion) {
        if (!holds(docs, starts[rank]!, starts[rank + 1]!, doc)) continue;
        const term = dictionary.term(rank);
        if (!terms.includes(term)) terms.push(term);
      }
    }
    return terms;
  }
}

/** Whether `docs[from..to)`, ascending, holds `doc` (a binary search). */
function holds(docs: Int32Array, from: number, to: number, doc: number): boolean {
  let low = from;
  let high = to - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const value = docs[middle]!;
    if (value === doc) return true;
    if (value < doc) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/** A search's hits, best first, each made when read (see `SearchIndex.find`). */
export class SearchResult {
  constructor(
    private readonly ids: readonly string[],
    /** Document numbers, best first. */
    private readonly docs: Uint32Array,
    /** Their scores, in the same order. */
    private readonly scores: Float64Array,
    private readonly match: QueryMatch | null,
  ) {}

  get length(): number {
    return this.docs.length;
  }

  /** The document number (position in the indexed list) of the hit at `rank`. */
  position(rank: number): number {
    return this.docs[rank]!;
  }

  id(rank: number): string {
    return this.ids[this.docs[rank]!]!;
  }

  score(rank: number): number {
    return this.scores[rank]!;
  }

  /** Every hit, best first. */
  hits(): SearchHit[] {
    const hits: SearchHit[] = [];
    for (let rank = 0; rank < this.docs.length; rank++)
      hits.push(new Hit(this.ids[this.docs[rank]!]!, this.scores[rank]!, this.docs[rank]!, this.match!));
    return hits;
  }

  hit(rank: number): SearchHit {
    const doc = this.docs[rank]!;
    return new Hit(this.ids[doc]!, this.scores[rank]!, doc, this.match!);
  }
}

class Hit implements SearchHit {
  constructor(
    readonly id: string,
    readonly score: number,
    readonly position: number,
    private readonly match: QueryMatch,
  ) {}

  get terms(): string[] {
    return this.match.termsOf(this.position);
  }
}

function postingsOf(articles: CatalogArticle[]): Steps<Postings> {
  return buildPostings(articles.length, (doc) => {
    const article = articles[doc]!;
    return [
      searchTerms(article.title),
      searchTerms(article.tags.join(" ")),
      searchTerms(article.summary ?? ""),
      searchTerms(indexedBodyText(article.rawBodyHtml, BODY_WORDS_INDEXED)),
    ];
  });
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Articles whose ids are sorted, or merged, between two yields of `idOrderOf`. */
const ID_SORT_RUN = 1024;

/** Each document's place among the ids in ascending order (`rankOf`), and the document at each place (`docAt`). */
export interface IdOrder {
  rankOf: Uint32Array;
  docAt: Uint32Array;
}

/** The id order, as steps: sorting 100k ids in one go held the event loop for a tenth of a second. */
function* idOrderOf(articles: readonly CatalogArticle[]): Steps<IdOrder> {
  const ids = articles.map((article) => article.id);
  yield;
  const byId = (a: number, b: number) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0);
  const docAt = Uint32Array.from(yield* sortSteps(Array.from(ids.keys()), byId, ID_SORT_RUN));
  const rankOf = new Uint32Array(ids.length);
  for (let rank = 0; rank < docAt.length; rank++) rankOf[docAt[rank]!] = rank;
  return { rankOf, docAt };
}

/**
 * `docs` by score, best first, ties by id: the RELEVANCE order of the API
 * (see article-order.ts), so a page of hits needs no sort of its own.
 *
 * A sort with a comparator would dominate a search with thousands of hits; this
 * one packs each score (as a float32, whose bits order like the numbers for
 * positive scores) above the inverted rank of its id in one 64-bit key and
 * lets the typed array sort natively. Scores that differ beyond a float32's
 * precision land next to each other ordered by id: such runs (rare, and a few
 * hits long) are then put in the exact order.
 */
export function bestFirst(docs: number[], scores: Float64Array, { rankOf, docAt }: IdOrder): Uint32Array {
  const keys = new BigUint64Array(docs.length);
  const halves = new Uint32Array(keys.buffer);
  const high = new Float32Array(keys.buffer);
  const [low, top] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
  docs.forEach((doc, i) => {
    high[2 * i + top] = scores[doc]!;
    halves[2 * i + low] = 0xffffffff - rankOf[doc]!;
  });
  keys.sort();
  const sorted = new Uint32Array(docs.length);
  for (let i = 0; i < docs.length; i++) sorted[i] = docAt[0xffffffff - halves[2 * (docs.length - 1 - i) + low]!]!;
  const exact = (a: number, b: number) => scores[b]! - scores[a]! || rankOf[a]! - rankOf[b]!;
  for (let start = 0; start < sorted.length; ) {
    const score = scores[sorted[start]!]!;
    const rounded = Math.fround(score);
    let end = start + 1;
    let mixed = false;
    for (; end < sorted.length && Math.fround(scores[sorted[end]!]!) === rounded; end++) mixed ||= scores[sorted[end]!] !== score;
    if (mixed) sorted.subarray(start, end).sort(exact);
    start = end;
  }
  return sorted;
}
