import type { CatalogArticle } from "../catalog/catalog-article.ts";
import { indexedBodyText } from "../catalog/indexed-text.ts";
import { sameStoryAs } from "../catalog/title-similarity.ts";
import type { Steps } from "../sliced/time-slice.ts";
import { countTerms, spellingsOf, strongestTerms, type TermSource } from "./article-terms.ts";
import { CountedNames, Float64Column, Int32Column, Uint8Column } from "./columns.ts";
import { BlockPool, MAX_SLOTS, PostingLists, sizeClassFor, WEIGHTS, weightCode } from "./postings.ts";
import { IdSlots } from "../slots/id-slots.ts";

/** Added to the similarity per tag two articles share. */
export const SHARED_TAG_BOOST = 0.05;
/** Added, at most, for an article published at the same time; it halves every RECENCY_HALF_LIFE_DAYS apart. */
export const RECENCY_BOOST = 0.04;
export const RECENCY_HALF_LIFE_DAYS = 14;
/** Shared tags that count towards the boost, at most. */
const BOOSTED_TAGS = 4;
/** Below this cosine similarity an article is not related, however few others there are. */
export const MIN_SIMILARITY = 0.05;
/**
 * Terms kept per article: those it counts most (field-weighted), ties going
 * to the one written first. A story's topic lives in a few words; keeping
 * only those bounds memory per article and the work per lookup, whatever the
 * length of the text. The choice looks at the article alone, so a change
 * elsewhere in the catalog never changes what an article keeps.
 */
export const TERMS_PER_ARTICLE = 24;
/**
 * A term carried by more than this share of a large catalog is too common to
 * relate two stories, and looking it up would visit that many articles. Small
 * catalogs keep terms in up to half their articles (COMMON_TERM_MIN_ARTICLES).
 * Applied at lookup, with the catalog's current counts.
 */
export const COMMON_TERM_SHARE = 0.05;
export const COMMON_TERM_MIN_ARTICLES = 500;
/**
 * Candidates kept beyond those asked for, to stand in for copies of the same
 * story that are skipped. A lookup with more copies than this among its best
 * returns fewer matches, never the same story twice.
 */
export const SAME_STORY_SLACK = 8;
/**
 * Lookups remembered per index: an article page's related block is asked for
 * again and again until the index changes, and a lookup (scoring, then
 * comparing titles to skip copies of the same story) costs far more than a
 * hit. Each answer holds at most MAX_REMEMBERED_FIRST matches, so the count
 * bounds the bytes: under 2 MB. Forgotten at every change: a change moves the
 * counts every score depends on.
 */
export const REMEMBERED_LOOKUPS = 2_000;
/** Lookups asking for more are not remembered (the API asks for at most 20; the fallback for 5 more). */
const MAX_REMEMBERED_FIRST = 31;
/** How many words of the body count: enough to find the topic, bounded for long articles. */
const BODY_WORDS = 400;
/** Tags of an article that count, at most (a block of the tag pool). */
const MAX_TAGS = 1024;
/** Levels of the bounds of cosines candidates are ordered by, highest first (the first holds every bound from 1 - 1/256 up). */
const BOUND_BUCKETS = 256;
/** A bound of a cosine is widened by this share: the shared squares are summed in another order than the norm. */
const BOUND_SLACK = 1e-9;
/** Article slots per chunk of the slot columns; terms per chunk of the term columns. */
const SLOT_BITS = 12;
const TERM_BITS = 14;

export interface RelatedMatch {
  readonly article: CatalogArticle;
  readonly score: number;
  readonly reason: string;
}

/** Articles in and out of the catalog, matched by id: a story whose content changed is in both (its old object out, its new one in). */
export interface RelatedChange {
  readonly removed: readonly CatalogArticle[];
  readonly added: readonly CatalogArticle[];
}

interface Candidate {
  slot: number;
  id: string;
  score: number;
}

/**
 * TF-IDF vectors over title, tags, summary and the start of the body, compared
 * by cosine similarity, with a small boost per shared tag and for closeness in
 * time. Changed in place as stories come and go, at a cost that follows the
 * change, not the catalog.
 *
 * Nothing stored depends on the rest of the catalog: each article keeps its
 * TERMS_PER_ARTICLE most counted terms with their raw weight (1 + log of the
 * field-weighted count, see WEIGHTS), the index keeps for every term how many
 * articles hold it, and the number of articles. What those counts decide (each term's
 * IDF, which terms are too common to count, the vectors' norms) is worked out
 * at lookup, for the article asked about and for the candidates its terms
 * reach (each a bounded number of terms). So an index changed in place
 * answers exactly as one built from scratch over the same articles.
 *
 * Articles live in slots, reused once freed; an inverted list per term names
 * the slots that keep it, and a lookup scores only the articles that share
 * one of the asked article's terms, not the whole catalog.
 */
export class RelatedIndex {
  private readonly terms = new CountedNames();
  /** log(document frequency) per term, +Infinity under 2 (a term one article holds relates none). */
  private readonly logCounts = new Float64Column(TERM_BITS);
  private readonly postings = new PostingLists();
  private readonly tags = new CountedNames();
  private readonly tagPool = new BlockPool();

  private readonly articles: (CatalogArticle | undefined)[] = [];
  /** Each held id's slot, found through `articles` (see IdSlots). */
  private readonly position = new IdSlots((slot) => this.articles[slot]?.id);
  private readonly freeSlots: number[] = [];
  /** Each slot's kept terms (numbers), the codes of their weights (see WEIGHTS), and each one's position in its term's list. */
  private readonly keptTerms = new Int32Column(SLOT_BITS, TERMS_PER_ARTICLE);
  private readonly keptCodes = new Uint8Column(SLOT_BITS, TERMS_PER_ARTICLE);
  private readonly keptAt = new Int32Column(SLOT_BITS, TERMS_PER_ARTICLE);
  private readonly keptCounts = new Int32Column(SLOT_BITS);
  /** Publication times (NaN when unknown), for the recency boost. */
  private readonly times = new Float64Column(SLOT_BITS);
  /** Each slot's tags (numbers, case-insensitive) in the tag pool, and how many. */
  private readonly tagBlocks = new Int32Column(SLOT_BITS);
  private readonly tagCounts = new Int32Column(SLOT_BITS);

  /**
   * Scratch for one lookup, reused (lookups are synchronous): per slot its dot product and the squares
   * of its shared weights, side by side; the slots `touched` (what to reset), then the candidates;
   * their dot products, and their `order` by the bound of their cosine.
   */
  private sums = new Float64Array(0);
  private touched = new Int32Array(0);
  private candidateDots = new Float64Array(0);
  private candidateBounds = new Float64Array(0);
  private order = new Int32Array(0);
  private readonly bucketStarts = new Int32Array(BOUND_BUCKETS + 1);
  private readonly counts = new Map<string, number>();
  private readonly keptScratch: string[] = [];
  private readonly keptCountScratch: number[] = [];
  /** Answers by `slot * (MAX_REMEMBERED_FIRST + 1) + first`: a number, so a lookup allocates no key. Emptied when full and at every change. */
  private readonly remembered = new Map<number, readonly RelatedMatch[]>();
  private versionTaken: number | undefined;

  private constructor() {}

  /**
   * The build as steps (see time-slice.ts): it yields every few articles, so
   * a catalog of 100k can be indexed without holding the event loop. The
   * index is the one any sequence of changes leading to the same articles
   * makes.
   */
  static *build(articles: readonly CatalogArticle[], version?: number): Steps<RelatedIndex> {
    const index = new RelatedIndex();
    index.versionTaken = version;
    for (let n = 0; n < articles.length; n++) {
      index.add(articles[n]!);
      if ((n & 31) === 31) yield;
    }
    return index;
  }

  /** The catalog version of the last change taken in (or of the build), when one was given. */
  get version(): number | undefined {
    return this.versionTaken;
  }

  /** How many articles the index holds. */
  get size(): number {
    return this.position.size;
  }

  /** Postings written, moved or copied so far: what changes cost, counted rather than timed. */
  get postingsTouched(): number {
    return this.postings.touched;
  }

  /**
   * Takes in a change in place: the removed articles (by id) go, then the
   * added ones come (an added article whose id the index holds replaces it).
   * Costs what the articles changed hold, whatever the size of the catalog.
   * Answers given before stay as they were; remembered ones are forgotten.
   */
  update(change: RelatedChange, version?: number): void {
    let changed = change.added.length > 0;
    for (const article of change.removed) {
      const slot = this.position.get(article.id);
      if (slot === undefined) continue;
      this.remove(slot);
      changed = true;
    }
    for (const article of change.added) this.add(article);
    // Every score depends on the counts a change moves (the number of articles, at least).
    if (changed) this.remembered.clear();
    if (version !== undefined) this.versionTaken = version;
  }

  /** Whether the index knows this article. */
  has(id: string): boolean {
    return this.position.has(id);
  }

  /** The `first` stories most related to article `id`, best first. */
  relatedTo(id: string, first: number): readonly RelatedMatch[] {
    const slot = this.position.get(id);
    if (slot === undefined || first <= 0) return [];
    if (first > MAX_REMEMBERED_FIRST) return this.lookUp(slot, first);
    const key = slot * (MAX_REMEMBERED_FIRST + 1) + first;
    let matches = this.remembered.get(key);
    if (!matches) {
      // Emptied rather than evicted one by one: no bookkeeping per lookup, and a page's block is soon asked again.
      if (this.remembered.size >= REMEMBERED_LOOKUPS) this.remembered.clear();
      this.remembered.set(key, (matches = this.lookUp(slot, first)));
    }
    return matches;
  }

  private add(article: CatalogArticle): void {
    const existing = this.position.get(article.id);
    if (existing !== undefined) this.remove(existing);
    if (this.freeSlots.length === 0 && this.articles.length >= MAX_SLOTS)
      throw new RangeError(`a related index holds at most ${MAX_SLOTS} articles`);
    const counts = countArticleTerms(article, this.counts);
    for (const term of counts.keys()) this.countChanged(this.terms.add(term));
    const slot = this.freeSlots.pop() ?? this.articles.length;
    for (const column of [this.keptTerms, this.keptCodes, this.keptAt, this.keptCounts, this.times, this.tagBlocks, this.tagCounts]) {
      column.reach(slot);
    }
    this.articles[slot] = article;
    this.position.set(article.id, slot);
    const kept = strongestTerms(counts, TERMS_PER_ARTICLE, this.keptScratch, this.keptCountScratch);
    for (let k = 0; k < kept; k++) {
      const number = this.terms.numberOf(this.keptScratch[k]!)!;
      const code = weightCode(this.keptCountScratch[k]!);
      this.keptTerms.set(slot, number, k);
      this.keptCodes.set(slot, code, k);
      this.keptAt.set(slot, this.postings.append(number, slot, code), k);
    }
    this.keptCounts.set(slot, kept);
    this.times.set(slot, article.publishedAt ? article.publishedAt.getTime() : Number.NaN);
    const tagCount = Math.min(article.tags.length, MAX_TAGS);
    this.tagCounts.set(slot, tagCount);
    if (tagCount > 0) {
      const block = this.tagPool.allocate(sizeClassFor(tagCount));
      for (let t = 0; t < tagCount; t++) this.tagPool.set(block, t, this.tags.add(article.tags[t]!.toLowerCase()));
      this.tagBlocks.set(slot, block);
    }
  }

  private remove(slot: number): void {
    const article = this.articles[slot]!;
    for (let k = 0; k < this.keptCounts.get(slot); k++) {
      const term = this.keptTerms.get(slot, k);
      const moved = this.postings.removeAt(term, this.keptAt.get(slot, k));
      if (moved >= 0) this.movedTo(moved, term, this.keptAt.get(slot, k));
    }
    this.keptCounts.set(slot, 0);
    // Counted out after its postings went: a term no article holds any more has an empty list when its number is reused.
    for (const term of countArticleTerms(article, this.counts).keys()) this.countChanged(this.terms.remove(term));
    const tagCount = this.tagCounts.get(slot);
    if (tagCount > 0) {
      for (let t = 0; t < tagCount; t++) this.tags.remove(article.tags[t]!.toLowerCase());
      this.tagPool.release(this.tagBlocks.get(slot), sizeClassFor(tagCount));
      this.tagCounts.set(slot, 0);
    }
    this.position.delete(article.id);
    this.articles[slot] = undefined;
    this.freeSlots.push(slot);
  }

  /** A posting of `slot` for `term` was moved to `position` of the term's list. */
  private movedTo(slot: number, term: number, position: number): void {
    for (let k = 0; k < this.keptCounts.get(slot); k++) {
      if (this.keptTerms.get(slot, k) === term) {
        this.keptAt.set(slot, position, k);
        return;
      }
    }
  }

  private countChanged(term: number): void {
    this.logCounts.reach(term);
    const count = this.terms.counts.get(term);
    this.logCounts.set(term, count < 2 ? Number.POSITIVE_INFINITY : Math.log(count));
  }

  /** The norm of a slot's vector: its kept terms that count now, each weighted by its IDF now. */
  private normOf(slot: number, logTotal: number, mostLogCount: number): number {
    const chunk = slot >>> SLOT_BITS;
    const base = (slot & ((1 << SLOT_BITS) - 1)) * TERMS_PER_ARTICLE;
    const terms = this.keptTerms.chunks[chunk]!;
    const codes = this.keptCodes.chunks[chunk]!;
    const logCounts = this.logCounts.chunks;
    const end = base + this.keptCounts.chunks[chunk]![slot & ((1 << SLOT_BITS) - 1)]!;
    let sum = 0;
    for (let k = base; k < end; k++) {
      const term = terms[k]!;
      const logCount = logCounts[term >>> TERM_BITS]![term & ((1 << TERM_BITS) - 1)]!;
      // Too common, or in one article only (+Infinity): not part of the vector.
      if (!(logCount <= mostLogCount)) continue;
      const weight = WEIGHTS[codes[k]!]! * (logTotal - logCount);
      sum += weight * weight;
    }
    return Math.sqrt(sum);
  }

  private lookUp(slot: number, first: number): readonly RelatedMatch[] {
    const total = this.position.size;
    const logTotal = Math.log(total);
    // The most articles a term may be in and still count (ln, compared with each term's ln count).
    const mostLogCount = Math.log(Math.floor(Math.max(total * COMMON_TERM_SHARE, Math.min(total * 0.5, COMMON_TERM_MIN_ARTICLES))));
    if (this.touched.length < this.articles.length) {
      // Fresh scratch, nothing copied: between lookups every sum is 0.
      const length = this.articles.length + (this.articles.length >>> 2) + 1024;
      this.sums = new Float64Array(length * 2);
      this.touched = new Int32Array(length);
      this.order = new Int32Array(length);
      this.candidateDots = new Float64Array(length);
      this.candidateBounds = new Float64Array(length);
    }
    const { sums, touched, order, candidateDots } = this;
    let touchedCount = 0;
    for (let k = 0; k < this.keptCounts.get(slot); k++) {
      const term = this.keptTerms.get(slot, k);
      const logCount = this.logCounts.get(term);
      if (!(logCount <= mostLogCount)) continue;
      const idf = logTotal - logCount;
      // Σ (query weight × idf) × (other's raw weight × idf): the dot product of the two vectors; and the
      // squares of the other's weights on the terms they share, a lower bound of its norm.
      const factor = WEIGHTS[this.keptCodes.get(slot, k)]! * idf * idf;
      touchedCount = this.postings.accumulate(term, factor, idf * idf, slot, sums, touched, touchedCount);
    }
    const norm = this.normOf(slot, logTotal, mostLogCount);
    // A candidate's norm takes a pass over its terms, and a lookup meets thousands of candidates: each
    // gets first a bound of its cosine from the terms it shares alone (dot / (norm × √their squares),
    // at least the cosine). Candidates are then scored exactly from the highest bound down (a counting
    // sort by level of bound), until the bound with the most the boosts can add cannot reach the
    // window's last.
    const { bucketStarts, candidateBounds } = this;
    bucketStarts.fill(0);
    let candidates = 0;
    for (let t = 0; t < touchedCount; t++) {
      const other = touched[t]!;
      const dot = sums[other << 1]!;
      const bound = (dot / (norm * Math.sqrt(sums[(other << 1) + 1]!))) * (1 + BOUND_SLACK);
      sums[other << 1] = 0;
      sums[(other << 1) + 1] = 0;
      if (bound < MIN_SIMILARITY) continue;
      touched[candidates] = other;
      candidateDots[candidates] = dot;
      candidateBounds[candidates] = bound;
      bucketStarts[bucketOf(bound) + 1]!++;
      candidates++;
    }
    for (let b = 0; b < BOUND_BUCKETS; b++) bucketStarts[b + 1]! += bucketStarts[b]!;
    for (let c = 0; c < candidates; c++) order[bucketStarts[bucketOf(candidateBounds[c]!)]!++] = c;
    // Only the best few are kept while scoring (a sorted window), not every candidate.
    const window = first + SAME_STORY_SLACK;
    const best: Candidate[] = [];
    const mostBoost = SHARED_TAG_BOOST * Math.min(this.tagCounts.get(slot), BOOSTED_TAGS) + RECENCY_BOOST;
    // Scores are rounded to 0.001: a candidate whose largest possible score is under the last's by more cannot enter.
    const under = (most: number) => best.length === window && most + 0.001 < best[window - 1]!.score;
    for (let c = 0; c < candidates; c++) {
      const candidate = order[c]!;
      const bound = candidateBounds[candidate]!;
      if (under(bucketCeiling(bound) + mostBoost)) break;
      if (under(bound + mostBoost)) continue;
      const other = touched[candidate]!;
      const boost = SHARED_TAG_BOOST * Math.min(this.sharedTagCount(slot, other), BOOSTED_TAGS) + this.recencyBoost(slot, other);
      if (under(bound + boost)) continue;
      const cosine = candidateDots[candidate]! / (norm * this.normOf(other, logTotal, mostLogCount));
      if (cosine < MIN_SIMILARITY) continue;
      const score = round(cosine + boost);
      if (best.length === window && score < best[window - 1]!.score) continue;
      const scored = { slot: other, id: this.articles[other]!.id, score };
      if (best.length === window && ranksBefore(best[window - 1]!, scored)) continue;
      let at = best.length;
      while (at > 0 && ranksBefore(scored, best[at - 1]!)) at--;
      best.splice(at, 0, scored);
      if (best.length > window) best.pop();
    }
    const article = this.articles[slot]!;
    const sameStory = sameStoryAs(article.title);
    const chosen: { other: CatalogArticle; score: number; tagReason: string | null; terms: string[] }[] = [];
    for (const { slot: other, score } of best) {
      if (chosen.length === first) break;
      const otherArticle = this.articles[other]!;
      // Copies of the same story that merging could not join are not "related"; checked only for
      // what would be returned, as the title comparison costs more than a score.
      if (sameStory(otherArticle.title)) continue;
      const tagReason = sharedTagsReason(article, otherArticle);
      chosen.push({ other: otherArticle, score, tagReason, terms: tagReason ? [] : this.sharedTerms(slot, other, logTotal, mostLogCount) });
    }
    // The terms named are written as the asked article writes them: read from its text once, for all.
    const named = new Set(chosen.flatMap((match) => match.terms));
    const spellings = named.size > 0 ? spellingsOf(termSource(article), named) : null;
    // Frozen: an answer is handed to every caller that asks again, and stays as it was whatever changes come.
    return Object.freeze(
      chosen.map(({ other, score, tagReason, terms }) => {
        const reason =
          tagReason ?? (terms.length ? `Shares terms: ${terms.map((term) => spellings!.get(term) ?? term).join(", ")}` : "Similar content");
        return Object.freeze({ article: other, score, reason });
      }),
    );
  }

  private sharedTagCount(slot: number, other: number): number {
    const count = this.tagCounts.get(slot);
    const otherCount = this.tagCounts.get(other);
    if (count === 0 || otherCount === 0) return 0;
    const tags = this.tagPool.chunkOf(this.tagBlocks.get(slot));
    const start = this.tagPool.startOf(this.tagBlocks.get(slot));
    const otherTags = this.tagPool.chunkOf(this.tagBlocks.get(other));
    const otherStart = this.tagPool.startOf(this.tagBlocks.get(other));
    let shared = 0;
    for (let a = start; a < start + count; a++) {
      for (let b = otherStart; b < otherStart + otherCount; b++) {
        if (otherTags[b] === tags[a]) {
          shared++;
          break;
        }
      }
    }
    return shared;
  }

  /** Stories close in time are likelier to be read together: a small boost that fades with distance. */
  private recencyBoost(slot: number, other: number): number {
    const days = Math.abs(this.times.get(slot) - this.times.get(other)) / 86_400_000;
    // NaN (a date unknown) gives no boost.
    return days >= 0 ? RECENCY_BOOST * 0.5 ** (days / RECENCY_HALF_LIFE_DAYS) : 0;
  }

  /** The strongest terms (at most 3) two articles share, for want of shared tags to name. */
  private sharedTerms(slot: number, other: number, logTotal: number, mostLogCount: number): string[] {
    const shared: { term: number; product: number }[] = [];
    for (let k = 0; k < this.keptCounts.get(slot); k++) {
      const term = this.keptTerms.get(slot, k);
      const logCount = this.logCounts.get(term);
      if (!(logCount <= mostLogCount)) continue;
      for (let j = 0; j < this.keptCounts.get(other); j++) {
        if (this.keptTerms.get(other, j) !== term) continue;
        const idf = logTotal - logCount;
        shared.push({ term, product: WEIGHTS[this.keptCodes.get(slot, k)]! * idf * (WEIGHTS[this.keptCodes.get(other, j)]! * idf) });
        break;
      }
    }
    // A stable sort: equal products keep the asked article's order of terms.
    shared.sort((a, b) => b.product - a.product);
    return shared.slice(0, 3).map(({ term }) => this.terms.nameOf(term));
  }
}

/** What an article's terms are taken from: title, tags, summary and the start of its body. */
function termSource(article: CatalogArticle): TermSource {
  return {
    language: article.language,
    title: article.title,
    tags: article.tags,
    summary: article.summary,
    body: () => indexedBodyText(article.rawBodyHtml, BODY_WORDS, article.language),
  };
}

/** An article's terms with their field-weighted counts (see countTerms), into `counts`. */
export function countArticleTerms(article: CatalogArticle, counts: Map<string, number>): Map<string, number> {
  return countTerms(termSource(article), counts);
}

/** Names the tags two articles share (as the first writes them), or null when they share none. */
function sharedTagsReason(article: CatalogArticle, other: CatalogArticle): string | null {
  if (article.tags.length === 0 || other.tags.length === 0) return null;
  const otherTags = new Set(other.tags.map((t) => t.toLowerCase()));
  const sharedTags = article.tags.filter((t) => otherTags.has(t.toLowerCase()));
  return sharedTags.length > 0 ? `Shares topics: ${sharedTags.slice(0, 3).join(", ")}` : null;
}

/** Higher score first; ties by id, so answers are stable (and never depend on where an article sits). */
function ranksBefore(a: Candidate, b: Candidate): boolean {
  return a.score > b.score || (a.score === b.score && a.id.localeCompare(b.id) < 0);
}

/** A bound's level, numbered from the highest: 0 holds the bounds from 1 - 1/BOUND_BUCKETS up. */
function bucketOf(bound: number): number {
  return bound >= 1 ? 0 : BOUND_BUCKETS - 1 - Math.floor(bound * BOUND_BUCKETS);
}

/** The largest bound in the level of `bound`. */
function bucketCeiling(bound: number): number {
  return bound >= 1 - 1 / BOUND_BUCKETS ? Number.POSITIVE_INFINITY : (Math.floor(bound * BOUND_BUCKETS) + 1) / BOUND_BUCKETS;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
