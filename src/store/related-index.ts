import type { CatalogArticle } from "./catalog-article.ts";
import { indexedBodyText } from "./indexed-text.ts";
import { runToEnd, type Steps } from "./time-slice.ts";
import { sameStoryTitles } from "./title-similarity.ts";
import { forEachTerm } from "./tokenize.ts";

const EMPTY_IDS = new Int32Array(0);
const EMPTY_VALUES = new Float32Array(0);

/** Weights of where a term appears: a title or tag term says more than a body term. */
const FIELD_WEIGHTS = { title: 3, tags: 3, summary: 1.5, body: 1 } as const;
/** Added to the similarity per tag two articles share. */
export const SHARED_TAG_BOOST = 0.05;
/** Added, at most, for an article published at the same time; it halves every RECENCY_HALF_LIFE_DAYS apart. */
export const RECENCY_BOOST = 0.04;
export const RECENCY_HALF_LIFE_DAYS = 14;
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
  private readonly position = new Map<string, number>();
  private readonly norms: Float32Array;
  private readonly tags: string[][];
  private readonly postings: Int32Array[];

  private constructor(
    private readonly articles: CatalogArticle[],
    private readonly terms: Int32Array[],
    private readonly weights: Float32Array[],
    /** A readable form of each term (its first spelling seen), for the reason line. */
    private readonly labels: string[],
  ) {
    this.tags = articles.map((article) => article.tags.map((t) => t.toLowerCase()));
    this.norms = new Float32Array(articles.length);
    const postingCounts = new Int32Array(labels.length);
    articles.forEach((article, index) => {
      this.position.set(article.id, index);
      let sum = 0;
      for (const weight of weights[index]!) sum += weight * weight;
      this.norms[index] = Math.sqrt(sum) || 1;
      for (const id of terms[index]!) postingCounts[id]!++;
    });
    this.postings = Array.from(postingCounts, (count) => new Int32Array(count));
    const filled = new Int32Array(labels.length);
    terms.forEach((ids, index) => {
      for (const id of ids) this.postings[id]![filled[id]!++] = index;
    });
  }

  /** Builds the index in one go. */
  static of(articles: CatalogArticle[]): RelatedIndex {
    return runToEnd(RelatedIndex.build(articles));
  }

  /**
   * The build as steps (see time-slice.ts): it yields every few articles, so
   * a catalog of 100k can be indexed without holding the event loop.
   */
  static *build(articles: CatalogArticle[]): Steps<RelatedIndex> {
    const termIds = new Map<string, number>();
    const labels: string[] = [];
    const documentFrequency: number[] = [];
    // Each article's weighted term counts, as two typed arrays (a Map per article costs far more memory and GC).
    const countIds: Int32Array[] = [];
    const countValues: Float32Array[] = [];
    const termCounts = new Map<number, number>();
    const add = (text: string, weight: number) => {
      forEachTerm(text, (term, word) => {
        let id = termIds.get(term);
        if (id === undefined) {
          termIds.set(term, (id = labels.length));
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
      add(indexedBodyText(article.contentHtml, BODY_WORDS), FIELD_WEIGHTS.body);
      for (const id of termCounts.keys()) documentFrequency[id]!++;
      countIds.push(Int32Array.from(termCounts.keys()));
      countValues.push(Float32Array.from(termCounts.values()));
      if ((index & 31) === 31) yield;
    }

    const total = articles.length;
    const terms: Int32Array[] = [];
    const weights: Float32Array[] = [];
    for (let index = 0; index < articles.length; index++) {
      const scored: [number, number][] = [];
      const ids = countIds[index]!;
      const values = countValues[index]!;
      for (let t = 0; t < ids.length; t++) {
        const id = ids[t]!;
        const count = values[t]!;
        const df = documentFrequency[id]!;
        // Terms in half the articles say nothing; terms in one article cannot relate two.
        if (df < 2 || df > total * 0.5) continue;
        scored.push([id, (1 + Math.log(count)) * Math.log(total / df)]);
      }
      scored.sort((a, b) => b[1] - a[1]);
      const kept = scored.slice(0, TERMS_PER_ARTICLE);
      terms.push(Int32Array.from(kept, ([id]) => id));
      weights.push(Float32Array.from(kept, ([, weight]) => weight));
      // Each article's counts are no longer needed: free them as the build goes.
      countIds[index] = EMPTY_IDS;
      countValues[index] = EMPTY_VALUES;
      if ((index & 127) === 127) yield;
    }
    yield;
    return new RelatedIndex(articles, terms, weights, labels);
  }

  relatedTo(id: string, first: number): RelatedMatch[] {
    const index = this.position.get(id);
    if (index === undefined || first <= 0) return [];
    const article = this.articles[index]!;
    const terms = this.terms[index]!;
    const weights = this.weights[index]!;
    const dots = new Map<number, number>();
    for (let t = 0; t < terms.length; t++) {
      const term = terms[t]!;
      const weight = weights[t]!;
      for (const other of this.postings[term]!) {
        if (other === index) continue;
        dots.set(other, (dots.get(other) ?? 0) + weight * this.weightOf(other, term));
      }
    }
    const scored: RelatedMatch[] = [];
    for (const [other, dot] of dots) {
      const cosine = dot / (this.norms[index]! * this.norms[other]!);
      if (cosine < MIN_SIMILARITY) continue;
      const otherArticle = this.articles[other]!;
      const sharedTags = this.tags[other]!.filter((t) => this.tags[index]!.includes(t)).length;
      scored.push({
        article: otherArticle,
        score: round(cosine + SHARED_TAG_BOOST * Math.min(sharedTags, 4) + recencyBoost(article, otherArticle)),
        reason: "",
      });
    }
    scored.sort((a, b) => b.score - a.score || a.article.id.localeCompare(b.article.id));
    const kept: RelatedMatch[] = [];
    for (const match of scored) {
      if (kept.length === first) break;
      // Copies of the same story that merging could not join are not "related"; checked only for
      // what would be returned, as the title comparison costs more than a score.
      if (sameStoryTitles(match.article.title, article.title)) continue;
      kept.push({ ...match, reason: this.reason(index, this.position.get(match.article.id)!) });
    }
    return kept;
  }

  private weightOf(index: number, term: number): number {
    const terms = this.terms[index]!;
    for (let t = 0; t < terms.length; t++) if (terms[t] === term) return this.weights[index]![t]!;
    return 0;
  }

  /** Names what two articles share: their common tags, else their strongest common terms. */
  private reason(index: number, other: number): string {
    const otherTags = this.tags[other]!;
    const sharedTags = this.articles[index]!.tags.filter((t) => otherTags.includes(t.toLowerCase()));
    if (sharedTags.length > 0) return `Shares topics: ${sharedTags.slice(0, 3).join(", ")}`;
    const terms = this.terms[index]!;
    const shared: [number, number][] = [];
    for (let t = 0; t < terms.length; t++) {
      const otherWeight = this.weightOf(other, terms[t]!);
      if (otherWeight > 0) shared.push([terms[t]!, this.weights[index]![t]! * otherWeight]);
    }
    shared.sort((a, b) => b[1] - a[1]);
    return shared.length ? `Shares terms: ${shared.slice(0, 3).map(([term]) => this.labels[term]).join(", ")}` : "Similar content";
  }
}

/** Stories close in time are likelier to be read together: a small boost that fades with distance. */
function recencyBoost(a: CatalogArticle, b: CatalogArticle): number {
  if (!a.publishedAt || !b.publishedAt) return 0;
  const days = Math.abs(a.publishedAt.getTime() - b.publishedAt.getTime()) / 86_400_000;
  return RECENCY_BOOST * 0.5 ** (days / RECENCY_HALF_LIFE_DAYS);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
