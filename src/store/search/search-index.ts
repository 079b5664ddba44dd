import type { CatalogArticle } from "../catalog/catalog-article.ts";
import { indexedBodyText } from "../catalog/indexed-text.ts";
import { TermSet } from "./search-dictionary.ts";
import {
  type BlockView,
  type BuiltPostings,
  buildPostings,
  documentEntries,
  FIELD_COUNT,
  fieldFrequency,
  MAX_FIELD_LENGTH,
  type PostingStore,
} from "./search-postings.ts";
import { snippetOf } from "./search-snippet.ts";
import { forEachIndexTerm, indexTerms, searchTerms } from "./search-text.ts";
import { queryStems, STEMMED_LANGUAGES, stemmingLanguageOf } from "../text/stem.ts";
import { runToEnd, type Steps } from "../sliced/time-slice.ts";
import { IdSlots } from "../slots/id-slots.ts";

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
/** Articles whose slots are set up between two yields of a build. */
const SLOT_STEP = 2048;

export interface SearchHit {
  id: string;
  score: number;
  /** Words of the article that matched (after prefix and typo expansion). */
  readonly terms: string[];
  /** The article hit, as the index held it when searched: a snippet needs no lookup by id. */
  readonly article?: CatalogArticle;
}

/** Stories gone and stories new (see StoryChange): a story whose content changed is in both. */
export interface SearchIndexChange {
  readonly removed: readonly CatalogArticle[];
  readonly added: readonly CatalogArticle[];
}

/** A word of the dictionary that a query word stands for (its id, while the search runs), and how much it counts. */
interface Expansion {
  id: number;
  term: string;
  weight: number;
}

/** What one update gathers before it changes the lists. */
interface UpdateWork {
  /** Terms looked up so far, with their ids (-1: not in the dictionary). */
  known: Map<string, number>;
  /** Terms new to the dictionary (ids made for them by this update). */
  fresh: Set<string>;
  /** Per term id, its term and its list's edits in order: pairs of slot and packed frequencies (-1 for a removal). */
  lists: Map<number, { term: string; edits: number[] }>;
}

function editsOf(work: UpdateWork, id: number, term: string): number[] {
  let list = work.lists.get(id);
  if (!list) work.lists.set(id, (list = { term, edits: [] }));
  return list.edits;
}

/** A build's postings with the slots of its articles: what the index is made of. */
interface IndexParts extends BuiltPostings {
  /** The articles indexed, one per id (the last of any id given twice), in slot order, and their ids. */
  articles: CatalogArticle[];
  ids: (string | undefined)[];
  slotOf: IdSlots;
  termSet: TermSet;
  stemmedIn: Map<string, number>;
  idKeys: Uint32Array;
  times: Float64Array;
}

/**
 * Full-text search over title, tags, summary and the body's first words,
 * ranked by BM25 with field boosts, with prefix matching and typo tolerance
 * ("quantim" finds "quantum", when nothing matches as typed). Every query word
 * must match. Built once from scratch (`build`), then kept in place by
 * `update`, at a cost that follows the change, not the index: after any
 * sequence of updates, every search answers exactly as an index built from
 * scratch over the same articles would (same hits, same order, same scores,
 * same matched words).
 *
 * Each article has a slot, a number that stays its own while it is indexed
 * and is reused once it is gone: postings name slots. Articles are taken as
 * immutable (a changed story is a new object): a removed one's postings are
 * found again from its own words, so the index keeps no list of them. Every statistic the
 * scores read (document count, field length totals, each term's document
 * frequency, which is the length of its posting list) is kept exact through
 * updates, and ties are broken by id, never by slot.
 *
 * The vocabulary is a sorted set of terms in chunks (see TermSet), the
 * postings typed arrays in blocks (see PostingStore), so the heap grows by
 * numbers rather than objects; the text itself is not kept: snippets are cut
 * from the articles.
 */
export class SearchIndex {
  private readonly terms: TermSet;
  private readonly postings: PostingStore;
  /**
   * Article ids by slot. Reading `articles[slot].id` for thousands of hits
   * cost more than all the scoring: the articles are large objects spread
   * over the heap, each read a cache miss and often a slow property lookup.
   */
  private readonly ids: (string | undefined)[];
  private readonly articles: (CatalogArticle | undefined)[];
  /** Each indexed id's slot, found through `ids` (see IdSlots). */
  private readonly slotOf: IdSlots;
  /**
   * Articles indexed per stemming language (see stemmingLanguageOf): a query
   * word is looked up under its stem in these languages only, since no other
   * stem can be in the index. Kept exact through updates, so an updated index
   * expands a query as one built from scratch does.
   */
  private readonly stemmedIn: Map<string, number>;
  /** Slots given up by removed articles, reused first. */
  private readonly freeSlots: number[] = [];
  /** Per slot: words of each field (capped), an order key of its id (see `idOrderKey`), its date (ms; NaN for none). */
  private fieldLengths: Uint16Array;
  private idKeys: Uint32Array;
  private times: Float64Array;
  /** Words of each field over every article, uncapped: exact integers, so their means equal a fresh build's. */
  private readonly fieldTotals: Float64Array;
  /**
   * Per-slot scratch of a search, kept between searches because allocating
   * them for each one (a megabyte at 100k articles) would make the collector
   * run: how many query words each document matched so far, and its score. A
   * search resets the entries it touched.
   */
  private matched: Uint8Array;
  private scores: Float64Array;
  private readonly view: BlockView = { slots: new Int32Array(0), frequencies: new Uint16Array(0), from: 0, to: 0 };
  private currentVersion: number;

  /** Builds the index in one go, or takes the parts `build` made. */
  constructor(articles: readonly CatalogArticle[] = [], version = 0, parts: IndexParts = runToEnd(partsOf(articles))) {
    this.currentVersion = version;
    this.terms = parts.termSet;
    this.postings = parts.store;
    this.articles = parts.articles;
    this.ids = parts.ids;
    this.slotOf = parts.slotOf;
    this.stemmedIn = parts.stemmedIn;
    this.fieldLengths = parts.fieldLengths;
    this.idKeys = parts.idKeys;
    this.times = parts.times;
    this.fieldTotals = parts.fieldTotals;
    this.matched = new Uint8Array(parts.articles.length);
    this.scores = new Float64Array(parts.articles.length);
  }

  /**
   * The build from scratch as steps (see time-slice.ts): it yields every few
   * articles, so a catalog of 100k can be indexed without holding the event
   * loop. `version` is the catalog version the articles are (see `version`).
   */
  static *build(articles: readonly CatalogArticle[], version = 0): Steps<SearchIndex> {
    const parts = yield* partsOf(articles);
    yield;
    return new SearchIndex(articles, version, parts);
  }

  /** The catalog version whose articles the index holds: as built, then as the last update said. */
  get version(): number {
    return this.currentVersion;
  }

  /** Articles indexed. */
  get size(): number {
    return this.slotOf.size;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /**
   * Postings, block directory entries and dictionary terms written or moved
   * by updates so far: what they cost, counted rather than timed.
   */
  get touched(): number {
    return this.postings.touched + this.terms.touched;
  }

  /**
   * Takes in a change of stories, in place: each removed story goes (by id:
   * the object may be another version of it), then each added one comes (one
   * whose id is still indexed replaces it). The work follows the stories
   * changed and their words: a term is found in the dictionary, a posting put
   * in or taken out of one block of its list. Then `version` is `version`.
   */
  update(change: SearchIndexChange, version = this.currentVersion): void {
    const work: UpdateWork = { known: new Map(), fresh: new Set(), lists: new Map() };
    for (const article of change.removed) this.remove(article.id, work);
    for (const article of change.added) {
      this.remove(article.id, work);
      this.add(article, work);
    }
    // Each list's edits together, in the order they came: a long list's directory and blocks are read once from memory, not once per story.
    const added: { term: string; id: number }[] = [];
    const removed: string[] = [];
    for (const [id, { term, edits }] of work.lists) {
      for (let i = 0; i < edits.length; i += 2) {
        if (edits[i + 1]! < 0) this.postings.remove(id, edits[i]!);
        else this.postings.add(id, edits[i]!, edits[i + 1]!);
      }
      // A term new to the dictionary goes in if it kept a posting; one that lost its last goes out.
      const fresh = work.fresh.has(term);
      if (this.postings.length(id) > 0) {
        if (fresh) added.push({ term, id });
        continue;
      }
      if (!fresh) removed.push(term);
      this.postings.dropTerm(id);
    }
    this.terms.change(added, removed);
    this.currentVersion = version;
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
   * The result holds its hits' ids, articles and scores itself: it answers
   * the same after later updates of the index.
   */
  find(query: string): SearchResult {
    const words = [...new Set(searchTerms(query))].slice(0, MAX_QUERY_TERMS);
    if (words.length === 0) return NO_HITS;
    const result = this.match(words.map((word) => this.expand(word, false)));
    return result.length > 0 ? result : this.match(words.map((word) => this.expand(word, true)));
  }

  /**
   * A short plain-text excerpt around the first match, HTML-escaped, with the
   * matched words wrapped in `<mark>`: safe to insert as HTML. From the hit's
   * own article when it carries one, else from the article the index holds
   * under its id.
   */
  snippet(hit: SearchHit): string | null {
    const slot = hit.article ? undefined : this.slotOf.get(hit.id);
    const article = hit.article ?? (slot === undefined ? undefined : this.articles[slot]);
    return article ? snippetOf(article, hit.terms) : null;
  }

  /** Takes the article indexed under `id` out, if there is one: its slot is free at once, its postings go with `work.lists`. */
  private remove(id: string, work: UpdateWork): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    // Its postings are found from its own words, as indexed: the object it was indexed from is kept.
    const { terms, lengths } = documentEntries(fieldsOf(this.articles[slot]!));
    for (const term of terms) editsOf(work, this.termId(term, work), term).push(slot, -1);
    for (let field = 0; field < FIELD_COUNT; field++) this.fieldTotals[field]! -= lengths[field]!;
    countLanguage(this.stemmedIn, this.articles[slot]!, -1);
    this.slotOf.delete(id);
    this.ids[slot] = undefined;
    this.articles[slot] = undefined;
    this.freeSlots.push(slot);
  }

  private add(article: CatalogArticle, work: UpdateWork): void {
    const { terms, frequencies, lengths } = documentEntries(fieldsOf(article));
    const slot = this.freeSlots.pop() ?? this.newSlot();
    terms.forEach((term, i) => {
      let termId = this.termId(term, work);
      if (termId < 0) {
        termId = this.postings.newTerm();
        work.known.set(term, termId);
        work.fresh.add(term);
      }
      editsOf(work, termId, term).push(slot, frequencies[i]!);
    });
    for (let field = 0; field < FIELD_COUNT; field++) {
      this.fieldLengths[slot * FIELD_COUNT + field] = Math.min(lengths[field]!, MAX_FIELD_LENGTH);
      this.fieldTotals[field]! += lengths[field]!;
    }
    countLanguage(this.stemmedIn, article, 1);
    this.ids[slot] = article.id;
    this.slotOf.set(article.id, slot);
    this.articles[slot] = article;
    this.idKeys[slot] = idOrderKey(article.id);
    this.times[slot] = timeOf(article);
  }

  /** The id of `term` in the dictionary or among the terms this change made, or -1. */
  private termId(term: string, work: UpdateWork): number {
    let id = work.known.get(term);
    if (id === undefined) work.known.set(term, (id = this.terms.find(term)));
    return id;
  }

  /** A slot past every one in use; the per-slot arrays grow by half when full. */
  private newSlot(): number {
    const slot = this.articles.length;
    this.articles.push(undefined);
    this.ids.push(undefined);
    if (slot >= this.matched.length) {
      const capacity = Math.max(64, Math.ceil(slot * 1.5));
      this.fieldLengths = grown(this.fieldLengths, capacity * FIELD_COUNT);
      this.idKeys = grown(this.idKeys, capacity);
      this.times = grown(this.times, capacity);
      this.matched = grown(this.matched, capacity);
      this.scores = grown(this.scores, capacity);
    }
    return slot;
  }

  /** The dictionary's words that `word` stands for: itself, longer words it starts, and close misspellings. */
  private expand(word: string, fuzzy: boolean): Expansion[] {
    const { terms, postings } = this;
    const weights = new Map<number, Expansion>();
    // A query names no language: the word as typed, and its stem in each language articles are stemmed in, count as typed.
    // In a fixed order, whatever order the languages came in: the same expansion as a fresh build's.
    const stems = queryStems(
      word,
      STEMMED_LANGUAGES.filter((language) => this.stemmedIn.has(language)),
    );
    for (const stem of stems) {
      const exact = terms.find(stem);
      if (exact >= 0) weights.set(exact, { id: exact, term: stem, weight: 1 });
    }
    if (word.length >= MIN_PREFIX_CHARS) {
      let ids: number[] = [];
      let handles: number[] = [];
      terms.withPrefix(word, (id, handle) => {
        if (weights.has(id)) return;
        ids.push(id);
        handles.push(handle);
      });
      if (ids.length > MAX_PREFIX_TERMS) {
        // The most common ones; among equals, the first in the dictionary's order (the sort is stable).
        const chosen = ids
          .map((_, i) => i)
          .sort((a, b) => postings.length(ids[b]!) - postings.length(ids[a]!))
          .slice(0, MAX_PREFIX_TERMS);
        ids = chosen.map((i) => ids[i]!);
        handles = chosen.map((i) => handles[i]!);
      }
      ids.forEach((id, i) => {
        const length = terms.termLength(handles[i]!);
        weights.set(id, { id, term: terms.term(handles[i]!), weight: (PREFIX_WEIGHT * length) / (length + 0.3 * (length - word.length)) });
      });
    }
    if (fuzzy && word.length >= MIN_FUZZY_CHARS) {
      // Near the word as typed or one of its stems: a misspelt plural is nearest the stem the index holds ("physcis", "physic").
      const nearest = new Map<number, { id: number; handle: number; distance: number }>();
      for (const stem of stems) {
        if (stem.length < MIN_FUZZY_CHARS) continue;
        terms.fuzzy(stem, Math.min(MAX_FUZZY_EDITS, Math.round(stem.length * FUZZY_EDITS_PER_CHAR)), (id, handle, distance) => {
          const known = nearest.get(id);
          if (!weights.has(id) && (!known || distance < known.distance)) nearest.set(id, { id, handle, distance });
        });
      }
      const close = [...nearest.values()];
      close.sort((a, b) => a.distance - b.distance || postings.length(b.id) - postings.length(a.id));
      for (const { id, handle, distance } of close.slice(0, MAX_FUZZY_TERMS)) {
        const length = terms.termLength(handle);
        weights.set(id, { id, term: terms.term(handle), weight: (FUZZY_WEIGHT * length) / (length + distance) });
      }
    }
    return [...weights.values()];
  }

  /**
   * Documents that match every query word through one of its expansions,
   * scored by the sum over words and fields of boost × weight × BM25+. Words
   * are taken rarest first, and a document counts for a word only if it
   * matched every earlier one, so the work after the first word shrinks.
   */
  private match(expansions: Expansion[][]): SearchResult {
    if (expansions.some((expansion) => expansion.length === 0)) return NO_HITS;
    const { postings, fieldLengths, view } = this;
    const documentCount = this.slotOf.size;
    const averageFieldLengths = this.fieldTotals.map((total) => (documentCount > 0 ? total / documentCount : 0));
    const postingCount = (expansion: Expansion[]) => expansion.reduce((sum, { id }) => sum + postings.length(id), 0);
    const words = [...expansions].sort((a, b) => postingCount(a) - postingCount(b));
    const { matched, scores } = this;
    const candidates: number[] = [];
    const { k, b, d } = BM25;
    for (let word = 0; word < words.length; word++) {
      for (const { id, weight } of words[word]!) {
        const documentFrequency = postings.length(id);
        const factor = weight * Math.log(1 + (documentCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
        const blocks = postings.blockCount(id);
        for (let block = 0; block < blocks; block++) {
          postings.readBlock(id, block, view);
          const { slots, frequencies, to } = view;
          for (let p = view.from; p < to; p++) {
            const doc = slots[p]!;
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
    }
    const found = bestFirst(
      candidates.filter((doc) => matched[doc] === words.length),
      scores,
      this.idKeys,
      this.ids,
    );
    const ids: string[] = new Array(found.length);
    const articles: CatalogArticle[] = new Array(found.length);
    const foundScores = new Float64Array(found.length);
    const times = new Float64Array(found.length);
    for (let rank = 0; rank < found.length; rank++) {
      const slot = found[rank]!;
      ids[rank] = this.ids[slot]!;
      articles[rank] = this.articles[slot]!;
      foundScores[rank] = scores[slot]!;
      times[rank] = this.times[slot]!;
    }
    for (const doc of candidates) {
      matched[doc] = 0;
      scores[doc] = 0;
    }
    return new SearchResult(ids, articles, foundScores, times, new QueryMatch(words));
  }
}

/**
 * The dictionary words one search stood for, shared by its hits. Which of
 * them a hit's article holds is found when asked (for a snippet: a page's
 * worth of hits), from the article's own words, not for every hit: a common
 * word or a short prefix finds thousands, and a list per hit would dominate
 * such a search's time and garbage. Nothing here reads the index.
 */
class QueryMatch {
  private readonly words: string[][];
  private readonly wanted: Set<string>;

  constructor(words: Expansion[][]) {
    this.words = words.map((expansion) => expansion.map(({ term }) => term));
    this.wanted = new Set(this.words.flat());
  }

  /** The article's words (lower-case, as it writes them: "batteries" for the stem "batteri") that matched, in the query's order. */
  termsOf(article: CatalogArticle): string[] {
    const written = new Map<string, string[]>();
    forEachFieldTerm(article, (term, word) => {
      if (!this.wanted.has(term)) return;
      const words = written.get(term);
      if (!words) written.set(term, [word]);
      else if (!words.includes(word)) words.push(word);
    });
    const terms: string[] = [];
    for (const expansion of this.words) {
      for (const term of expansion) for (const word of written.get(term) ?? []) if (!terms.includes(word)) terms.push(word);
    }
    return terms;
  }
}

/** A search's hits, best first, each made when read (see `SearchIndex.find`); it holds all it answers from. */
export class SearchResult {
  constructor(
    private readonly ids: readonly string[],
    private readonly articles: readonly CatalogArticle[],
    /** Their scores, in the same order. */
    private readonly scores: Float64Array,
    /** Their dates (ms; NaN for none), read from the index's own copy: sorting hits by date reads no article. */
    private readonly times: Float64Array,
    private readonly match: QueryMatch | null,
  ) {}

  get length(): number {
    return this.ids.length;
  }

  id(rank: number): string {
    return this.ids[rank]!;
  }

  /** The article of the hit at `rank`, as the index held it when searched. */
  article(rank: number): CatalogArticle {
    return this.articles[rank]!;
  }

  score(rank: number): number {
    return this.scores[rank]!;
  }

  /** The date of the hit at `rank` (`publishedAt` in ms), or null for none. */
  time(rank: number): number | null {
    const time = this.times[rank]!;
    return Number.isNaN(time) ? null : time;
  }

  /** Every hit, best first. */
  hits(): SearchHit[] {
    const hits: SearchHit[] = [];
    for (let rank = 0; rank < this.ids.length; rank++) hits.push(this.hit(rank));
    return hits;
  }

  hit(rank: number): SearchHit {
    return new Hit(this.ids[rank]!, this.scores[rank]!, this.articles[rank]!, this.match!);
  }
}

const NO_HITS = new SearchResult([], [], new Float64Array(0), new Float64Array(0), null);

class Hit implements SearchHit {
  constructor(
    readonly id: string,
    readonly score: number,
    readonly article: CatalogArticle,
    private readonly match: QueryMatch,
  ) {}

  get terms(): string[] {
    return this.match.termsOf(this.article);
  }
}

/** The terms of each field of an article, as indexed: title, tags, summary, the body's first words. */
function fieldsOf(article: CatalogArticle): string[][] {
  return [
    indexTerms(article.title, article.language),
    indexTerms(article.tags.join(" "), article.language),
    indexTerms(article.summary ?? "", article.language),
    indexTerms(indexedBodyText(article.rawBodyHtml, BODY_WORDS_INDEXED, article.language), article.language),
  ];
}

/** Counts an article in (`by` 1) or out (-1) of its stemming language's articles; a language with none left goes. */
function countLanguage(counts: Map<string, number>, article: CatalogArticle, by: 1 | -1): void {
  const language = stemmingLanguageOf(article.language);
  if (language === null) return;
  const count = (counts.get(language) ?? 0) + by;
  if (count > 0) counts.set(language, count);
  else counts.delete(language);
}

/** Each indexed term of an article's fields (see fieldsOf) with the word it was made from. */
function forEachFieldTerm(article: CatalogArticle, visit: (term: string, written: string) => void): void {
  const { language } = article;
  forEachIndexTerm(article.title, language, visit);
  forEachIndexTerm(article.tags.join(" "), language, visit);
  forEachIndexTerm(article.summary ?? "", language, visit);
  forEachIndexTerm(indexedBodyText(article.rawBodyHtml, BODY_WORDS_INDEXED, language), language, visit);
}

/** The articles' postings and slots, as steps. A story is indexed once: of articles sharing an id, the last. */
function* partsOf(given: readonly CatalogArticle[]): Steps<IndexParts> {
  const lastOf = new Map<string, number>();
  for (let i = 0; i < given.length; i++) {
    lastOf.set(given[i]!.id, i);
    if ((i & (SLOT_STEP - 1)) === SLOT_STEP - 1) yield;
  }
  const articles = lastOf.size < given.length ? given.filter((article, i) => lastOf.get(article.id) === i) : [...given];
  lastOf.clear();
  const ids: (string | undefined)[] = new Array(articles.length);
  const slotOf = new IdSlots((slot) => ids[slot], articles.length);
  const idKeys = new Uint32Array(articles.length);
  const times = new Float64Array(articles.length);
  const stemmedIn = new Map<string, number>();
  for (let slot = 0; slot < articles.length; slot++) {
    const id = articles[slot]!.id;
    countLanguage(stemmedIn, articles[slot]!, 1);
    ids[slot] = id;
    slotOf.set(id, slot);
    idKeys[slot] = idOrderKey(id);
    times[slot] = timeOf(articles[slot]!);
    if ((slot & (SLOT_STEP - 1)) === SLOT_STEP - 1) yield;
  }
  const postings = yield* buildPostings(articles.length, (doc) => fieldsOf(articles[doc]!));
  const termSet = yield* TermSet.fromDictionary(postings.terms);
  return { ...postings, articles, ids, slotOf, termSet, stemmedIn, idKeys, times };
}

function timeOf(article: CatalogArticle): number {
  return article.publishedAt ? article.publishedAt.getTime() : Number.NaN;
}

function grown<T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(length);
  bigger.set(array);
  return bigger;
}

/**
 * A number that orders ids as their strings do, without telling every two
 * apart: the first five UTF-16 units in base 128 (a unit from 127 up counts
 * as 127 and ends the key), cut to 32 bits. If one id sorts before another,
 * its key is not above the other's; equal keys are compared as strings.
 * Ids are hashes (base64url), so keys of different ids are rarely equal.
 */
export function idOrderKey(id: string): number {
  let key = 0;
  let ended = false;
  for (let i = 0; i < 5; i++) {
    const code = ended || i >= id.length ? 0 : Math.min(id.charCodeAt(i), 127);
    if (code === 127) ended = true;
    key = key * 128 + code;
  }
  return Math.floor(key / 8);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Tied hits put in id order by insertion rather than a typed array's sort: most runs of ties are a few hits long. */
const SHORT_RUN = 12;
/** Bits of a hit's place in `bestFirst`'s keys; the rest of their low half holds the top of its id key. */
const PLACE_BITS = 21;
const PLACE_MASK = (1 << PLACE_BITS) - 1;
const ID_BITS = 32 - PLACE_BITS;
const ID_MAX = (1 << ID_BITS) - 1;

/**
 * `docs` (slots) by score, best first, ties by id: the RELEVANCE order of the
 * API (see article-order.ts), so a page of hits needs no sort of its own.
 *
 * A sort with a comparator would dominate a search with thousands of hits;
 * this one packs each score (as a float32, whose bits order like the numbers
 * for positive scores) above the top bits of the hit's id key (inverted: the
 * keys are read from the last) and its place in `docs`, in one 64-bit key,
 * and lets the typed array sort natively. Hits whose scores a float32 cannot
 * tell apart land next to each other: a run with scores that differ is then
 * sorted by a comparator (rare), and within a run of equal scores each stretch
 * that shares the top of its id keys is put in id order (a few hits). With
 * more hits than the place bits can count, runs are put in id order by
 * `byIdKeys`.
 */
export function bestFirst(
  docs: readonly number[],
  scores: Float64Array,
  idKeys: Uint32Array,
  ids: readonly (string | undefined)[],
): Uint32Array {
  const count = docs.length;
  const packed = count <= PLACE_MASK + 1;
  const keys = new BigUint64Array(count);
  const halves = new Uint32Array(keys.buffer);
  const high = new Float32Array(keys.buffer);
  const [low, top] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
  for (let i = 0; i < count; i++) {
    const doc = docs[i]!;
    high[2 * i + top] = scores[doc]!;
    halves[2 * i + low] = packed ? (((ID_MAX - (idKeys[doc]! >>> PLACE_BITS)) << PLACE_BITS) | i) >>> 0 : i;
  }
  keys.sort();
  const sorted = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const place = halves[2 * (count - 1 - i) + low]!;
    sorted[i] = docs[packed ? place & PLACE_MASK : place]!;
  }
  const byId = (a: number, b: number) => idKeys[a]! - idKeys[b]! || compareStrings(ids[a]!, ids[b]!);
  for (let start = 0; start < count; ) {
    const score = scores[sorted[start]!]!;
    const rounded = Math.fround(score);
    let end = start + 1;
    let mixed = false;
    for (; end < count && Math.fround(scores[sorted[end]!]!) === rounded; end++) mixed ||= scores[sorted[end]!] !== score;
    if (end - start > 1) {
      const run = sorted.subarray(start, end);
      if (mixed) run.sort((a, b) => scores[b]! - scores[a]! || byId(a, b));
      else if (packed) byIdWithin(run, (slot) => idKeys[slot]! >>> PLACE_BITS, byId);
      else byIdKeys(run, idKeys, byId);
    }
    start = end;
  }
  return sorted;
}

/** Puts each stretch of `run` whose items share `group` (already in order of it) in `byId` order. */
function byIdWithin(run: Uint32Array, group: (slot: number) => number, byId: (a: number, b: number) => number): void {
  for (let start = 0; start < run.length; ) {
    const value = group(run[start]!);
    let end = start + 1;
    while (end < run.length && group(run[end]!) === value) end++;
    if (end - start > 1) sortRun(run.subarray(start, end), byId);
    start = end;
  }
}

/** A run of slots in id order: packed (key, place) and sorted natively, then runs of equal keys by the full comparison. */
function byIdKeys(run: Uint32Array, idKeys: Uint32Array, byId: (a: number, b: number) => number): void {
  const keys = new BigUint64Array(run.length);
  const halves = new Uint32Array(keys.buffer);
  const [low, top] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
  for (let i = 0; i < run.length; i++) {
    halves[2 * i + top] = idKeys[run[i]!]!;
    halves[2 * i + low] = i;
  }
  keys.sort();
  const before = run.slice();
  for (let i = 0; i < run.length; i++) run[i] = before[halves[2 * i + low]!]!;
  byIdWithin(run, (slot) => idKeys[slot]!, byId);
}

/** Sorts a short run by insertion, a longer one by the typed array's sort. */
function sortRun(run: Uint32Array, compare: (a: number, b: number) => number): void {
  if (run.length > SHORT_RUN) {
    run.sort(compare);
    return;
  }
  for (let i = 1; i < run.length; i++) {
    const item = run[i]!;
    let j = i - 1;
    for (; j >= 0 && compare(run[j]!, item) > 0; j--) run[j + 1] = run[j]!;
    run[j + 1] = item;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
