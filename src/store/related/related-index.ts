import type { CatalogArticle } from "../catalog/catalog-article.ts";
import { ChunkedNumbers } from "../sliced/chunked-numbers.ts";
import { indexedBodyText } from "../catalog/indexed-text.ts";
import type { Steps } from "../sliced/time-slice.ts";
import { sameStoryAs } from "../catalog/title-similarity.ts";
import { touchSteps } from "../sliced/touch-steps.ts";
import { forEachTerm } from "./tokenize.ts";

interface RelatedIndexParts {
  articles: CatalogArticle[];
  position: Map<string, number>;
  termOffsets: Int32Array;
  termIds: Int32Array;
  termWeights: Float32Array;
  labels: string[];
  norms: Float32Array;
  times: Float64Array;
  tagOffsets: Int32Array;
  tagIds: Int32Array;
  postingOffsets: Int32Array;
  postingArticles: Int32Array;
  postingWeights: Float32Array;
}

/** Weights of where a term appears: a title or tag term says more than a body term. */
const FIELD_WEIGHTS = { title: 3, tags: 3, summary: 1.5, body: 1 } as const;
/** Added to the similarity per tag two articles share. */
export const SHARED_TAG_BOOST = 0.05;
/** Added, at most, for an article published at the same time; it halves every RECENCY_HALF_LIFE_DAYS apart. */
export const RECENCY_BOOST = 0.04;
export const RECENCY_HALF_LIFE_DAYS = 14;
/** The most the boosts add to a cosine: four shared tags and the same time. */
const MAX_BOOST = SHARED_TAG_BOOST * 4 + RECENCY_BOOST;
/** Below this cosine similarity an article is not related, however few others there are. */
export const MIN_SIMILARITY = 0.05;
/** How many words of the body count: enough to find the topic, bounded for long articles. */
const BODY_WORDS = 400;
/**
 * Terms kept per article: its strongest by TF-IDF. A story's topic lives in a
 * few distinctive words; keeping only those bounds memory per article and the
 * work per lookup, whatever the length of the text.
 */
export const TERMS_PER_ARTICLE = 24;
/**
 * A term carried by more than this share of a large catalog is too common to
 * relate two stories, and looking it up would visit that many articles. Small
 * catalogs keep terms in up to half their articles (COMMON_TERM_MIN_ARTICLES).
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
 * again and again until the index is replaced, and a lookup (scoring, then
 * comparing titles to skip copies of the same story) costs far more than a
 * hit. Each answer holds at most MAX_REMEMBERED_FIRST matches, so the count
 * bounds the bytes: under 2 MB.
 */
export const REMEMBERED_LOOKUPS = 2_000;
/** Lookups asking for more are not remembered (the API asks for at most 20; the fallback for 5 more). */
const MAX_REMEMBERED_FIRST = 31;

export interface RelatedMatch {
  article: CatalogArticle;
  score: number;
  reason: string;
}

/**
 * TF-IDF vectors over title, tags, summary and the start of the body, compared
 * by cosine similarity, with a small boost per shared tag and for closeness in
 * time. Built once per catalog version. Vectors hold each article's
 * TERMS_PER_ARTICLE strongest terms as typed arrays of term numbers, and a
 * lookup scores only the articles that share one of them (an inverted index of
 * article numbers), not the whole catalog.
 */
export class RelatedIndex {
  declare private readonly articles: CatalogArticle[];
  declare private readonly position: Map<string, number>;
  /** Each article's kept terms and weights, flat: article i's are at [termOffsets[i]..termOffsets[i+1]). */
  declare private readonly termOffsets: Int32Array;
  declare private readonly termIds: Int32Array;
  declare private readonly termWeights: Float32Array;
  /** A readable form of each term (its first spelling seen), for the reason line. */
  declare private readonly labels: string[];
  declare private readonly norms: Float32Array;
  /** Publication times (NaN when unknown), for the recency boost. */
  declare private readonly times: Float64Array;
  /** Each article's tags as numbers (case-insensitive), flat: article i's are tagIds[tagOffsets[i]..tagOffsets[i+1]). */
  declare private readonly tagOffsets: Int32Array;
  declare private readonly tagIds: Int32Array;
  /** The inverted index, flat: term t's articles and their weights are at [postingOffsets[t]..postingOffsets[t+1]). */
  declare private readonly postingOffsets: Int32Array;
  declare private readonly postingArticles: Int32Array;
  declare private readonly postingWeights: Float32Array;
  /** Scratch for one lookup's dot products, reused (lookups are synchronous); `touched` lists what to reset. */
  private readonly dots: Float32Array;
  private readonly touched: Int32Array;
  /** Answers by `index * (MAX_REMEMBERED_FIRST + 1) + first`: a number, so a lookup allocates no key. Emptied when full. */
  private readonly remembered = new Map<number, readonly RelatedMatch[]>();

  private constructor(parts: RelatedIndexParts) {
    Object.assign(this, parts);
    this.dots = new Float32Array(parts.articles.length);
    this.touched = new Int32Array(parts.articles.length);
  }

  /**
   * The build as steps (see time-slice.ts): it yields every few articles, so
   * a catalog of 100k can be indexed without holding the event loop.
   */
  static *build(articles: CatalogArticle[]): Steps<RelatedIndex> {
    const termNumbers = new Map<string, number>();
    const labels: string[] = [];
    const documentFrequency: number[] = [];
    // Every article's weighted term counts, flat: article i's are at [countOffsets[i]..countOffsets[i+1]).
    // (A Map or a typed array per article costs far more memory and garbage collection.)
    const countOffsets = new Int32Array(articles.length + 1);
    const countIds = new ChunkedNumbers((length) => new Int32Array(length));
    const countValues = new ChunkedNumbers((length) => new Float32Array(length));
    const termCounts = new Map<number, number>();
    const add = (text: string, weight: number) => {
      forEachTerm(text, (term, word) => {
        let id = termNumbers.get(term);
        if (id === undefined) {
          termNumbers.set(term, (id = labels.length));
          labels.push(word);
          documentFrequency.push(0);
        }
        termCounts.set(id, (termCounts.get(id) ?? 0) + weight);
      });
    };
    for (let index = 0; index < articles.length; index++) {
      const article = articles[index]!;
      termCounts.clear();
      add(article.title, FIELD_WEIGHTS.title);
      add(article.tags.join(" . "), FIELD_WEIGHTS.tags);
      add(article.summary ?? "", FIELD_WEIGHTS.summary);
      add(indexedBodyText(article.rawBodyHtml, BODY_WORDS), FIELD_WEIGHTS.body);
      for (const [id, count] of termCounts) {
        documentFrequency[id]!++;
        countIds.push(id);
        countValues.push(count);
      }
      countOffsets[index + 1] = countIds.length;
      if ((index & 31) === 31) yield;
    }

    const total = articles.length;
    const commonDf = Math.max(total * COMMON_TERM_SHARE, Math.min(total * 0.5, COMMON_TERM_MIN_ARTICLES));
    const termOffsets = new Int32Array(total + 1);
    // Sized for the most terms any article keeps; trimmed at the end.
    let termIds = new Int32Array(total * TERMS_PER_ARTICLE);
    let termWeights = new Float32Array(total * TERMS_PER_ARTICLE);
    for (let index = 0; index < articles.length; index++) {
      // The article's strongest terms by TF-IDF, kept in order as they are scored (ties: first seen first).
      const start = termOffsets[index]!;
      let kept = 0;
      for (let t = countOffsets[index]!; t < countOffsets[index + 1]!; t++) {
        const id = countIds.get(t);
        const df = documentFrequency[id]!;
        // Terms in a large share of the articles say little (and cost every lookup a long list); terms in one article cannot relate two.
        if (df < 2 || df > commonDf) continue;
        const weight = (1 + Math.log(countValues.get(t))) * Math.log(total / df);
        if (kept === TERMS_PER_ARTICLE && weight <= termWeights[start + kept - 1]!) continue;
        let at = Math.min(kept, TERMS_PER_ARTICLE - 1);
        while (at > 0 && weight > termWeights[start + at - 1]!) {
          termIds[start + at] = termIds[start + at - 1]!;
          termWeights[start + at] = termWeights[start + at - 1]!;
          at--;
        }
        termIds[start + at] = id;
        termWeights[start + at] = weight;
        if (kept < TERMS_PER_ARTICLE) kept++;
      }
      termOffsets[index + 1] = start + kept;
      if ((index & 127) === 127) yield;
    }
    // Trimmed one per step: each is a copy into fresh memory (see touch-steps.ts).
    termIds = termIds.slice(0, termOffsets[total]);
    yield;
    termWeights = termWeights.slice(0, termOffsets[total]);
    yield;

    // Norms, dates, tags as numbers, and the inverted index (counted, then filled in article order).
    const n = articles.length;
    const position = new Map<string, number>();
    const norms = new Float32Array(n);
    const times = new Float64Array(n);
    const tagOffsets = new Int32Array(n + 1);
    const tagNumbers = new Map<string, number>();
    const tagList: number[] = [];
    const postingOffsets = new Int32Array(labels.length + 1);
    for (let index = 0; index < n; index++) {
      const article = articles[index]!;
      position.set(article.id, index);
      times[index] = article.publishedAt ? article.publishedAt.getTime() : Number.NaN;
      for (const tag of article.tags) {
        const key = tag.toLowerCase();
        let id = tagNumbers.get(key);
        if (id === undefined) tagNumbers.set(key, (id = tagNumbers.size));
        tagList.push(id);
      }
      tagOffsets[index + 1] = tagList.length;
      let sum = 0;
      for (let t = termOffsets[index]!; t < termOffsets[index + 1]!; t++) {
        sum += termWeights[t]! * termWeights[t]!;
        postingOffsets[termIds[t]! + 1]!++;
      }
      norms[index] = Math.sqrt(sum) || 1;
      if ((index & 1023) === 1023) yield;
    }
    for (let term = 0; term < labels.length; term++) postingOffsets[term + 1]! += postingOffsets[term]!;
    const postingArticles = new Int32Array(termIds.length);
    const postingWeights = new Float32Array(termIds.length);
    const filled = postingOffsets.slice(0, labels.length);
    yield;
    yield* touchSteps(postingArticles);
    yield* touchSteps(postingWeights);
    for (let index = 0; index < n; index++) {
      for (let t = termOffsets[index]!; t < termOffsets[index + 1]!; t++) {
        const slot = filled[termIds[t]!]!++;
        postingArticles[slot] = index;
        postingWeights[slot] = termWeights[t]!;
      }
      if ((index & 4095) === 4095) yield;
    }
    return new RelatedIndex({
      articles,
      position,
      termOffsets,
      termIds,
      termWeights,
      labels,
      norms,
      times,
      tagOffsets,
      tagIds: Int32Array.from(tagList),
      postingOffsets,
      postingArticles,
      postingWeights,
    });
  }

  /** Whether the index knows this article. */
  has(id: string): boolean {
    return this.position.has(id);
  }

  /** The `first` stories most related to article `id`, best first. */
  relatedTo(id: string, first: number): readonly RelatedMatch[] {
    const index = this.position.get(id);
    if (index === undefined || first <= 0) return [];
    if (first > MAX_REMEMBERED_FIRST) return this.lookUp(index, first);
    const key = index * (MAX_REMEMBERED_FIRST + 1) + first;
    let matches = this.remembered.get(key);
    if (!matches) {
      // Emptied rather than evicted one by one: no bookkeeping per lookup, and a page's block is soon asked again.
      if (this.remembered.size >= REMEMBERED_LOOKUPS) this.remembered.clear();
      this.remembered.set(key, (matches = this.lookUp(index, first)));
    }
    return matches;
  }

  private lookUp(index: number, first: number): RelatedMatch[] {
    const article = this.articles[index]!;
    const { dots, touched, postingOffsets, postingArticles, postingWeights } = this;
    let touchedCount = 0;
    for (let t = this.termOffsets[index]!; t < this.termOffsets[index + 1]!; t++) {
      const term = this.termIds[t]!;
      const weight = this.termWeights[t]!;
      for (let p = postingOffsets[term]!; p < postingOffsets[term + 1]!; p++) {
        const other = postingArticles[p]!;
        if (other === index) continue;
        if (dots[other] === 0) touched[touchedCount++] = other;
        dots[other] = dots[other]! + weight * postingWeights[p]!;
      }
    }
    // Only the best few are kept while scoring (a sorted window), not every candidate: a common
    // term can bring thousands, and sorting them all would dominate the lookup.
    const window = first + SAME_STORY_SLACK;
    const best: { other: number; score: number }[] = [];
    const norm = this.norms[index]!;
    for (let k = 0; k < touchedCount; k++) {
      const other = touched[k]!;
      const cosine = dots[other]! / (norm * this.norms[other]!);
      dots[other] = 0;
      if (cosine < MIN_SIMILARITY) continue;
      // With the window full, a candidate whose largest possible score stays below its last is left
      // before its boosts are counted: a common term brings thousands (rounding kept in the margin).
      if (best.length === window && cosine + MAX_BOOST + 0.001 < best[best.length - 1]!.score) continue;
      const candidate = {
        other,
        score: round(cosine + SHARED_TAG_BOOST * Math.min(this.sharedTagCount(index, other), 4) + this.recencyBoost(index, other)),
      };
      if (best.length === window && this.ranksBefore(best[best.length - 1]!, candidate)) continue;
      let at = best.length;
      while (at > 0 && this.ranksBefore(candidate, best[at - 1]!)) at--;
      best.splice(at, 0, candidate);
      if (best.length > window) best.pop();
    }
    const kept: RelatedMatch[] = [];
    const sameStory = sameStoryAs(article.title);
    for (const { other, score } of best) {
      if (kept.length === first) break;
      const otherArticle = this.articles[other]!;
      // Copies of the same story that merging could not join are not "related"; checked only for
      // what would be returned, as the title comparison costs more than a score.
      if (sameStory(otherArticle.title)) continue;
      kept.push({ article: otherArticle, score, reason: this.reason(index, other) });
    }
    return kept;
  }

  /** Higher score first; ties by id, so answers are stable. */
  private ranksBefore(a: { other: number; score: number }, b: { other: number; score: number }): boolean {
    return a.score > b.score || (a.score === b.score && this.articles[a.other]!.id.localeCompare(this.articles[b.other]!.id) < 0);
  }

  private sharedTagCount(index: number, other: number): number {
    let shared = 0;
    for (let a = this.tagOffsets[index]!; a < this.tagOffsets[index + 1]!; a++) {
      for (let b = this.tagOffsets[other]!; b < this.tagOffsets[other + 1]!; b++) {
        if (this.tagIds[a] === this.tagIds[b]) {
          shared++;
          break;
        }
      }
    }
    return shared;
  }

  /** Stories close in time are likelier to be read together: a small boost that fades with distance. */
  private recencyBoost(index: number, other: number): number {
    const days = Math.abs(this.times[index]! - this.times[other]!) / 86_400_000;
    // NaN (a date unknown) gives no boost.
    return days >= 0 ? RECENCY_BOOST * 0.5 ** (days / RECENCY_HALF_LIFE_DAYS) : 0;
  }

  private weightOf(index: number, term: number): number {
    for (let t = this.termOffsets[index]!; t < this.termOffsets[index + 1]!; t++) if (this.termIds[t] === term) return this.termWeights[t]!;
    return 0;
  }

  /** Names what two articles share: their common tags, else their strongest common terms. */
  private reason(index: number, other: number): string {
    const otherTags = new Set(this.articles[other]!.tags.map((t) => t.toLowerCase()));
    const sharedTags = this.articles[index]!.tags.filter((t) => otherTags.has(t.toLowerCase()));
    if (sharedTags.length > 0) return `Shares topics: ${sharedTags.slice(0, 3).join(", ")}`;
    const shared: [number, number][] = [];
    for (let t = this.termOffsets[index]!; t < this.termOffsets[index + 1]!; t++) {
      const otherWeight = this.weightOf(other, this.termIds[t]!);
      if (otherWeight > 0) shared.push([this.termIds[t]!, this.termWeights[t]! * otherWeight]);
    }
    shared.sort((a, b) => b[1] - a[1]);
    return shared.length
      ? `Shares terms: ${shared
          .slice(0, 3)
          .map(([term]) => this.labels[term])
          .join(", ")}`
      : "Similar content";
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
