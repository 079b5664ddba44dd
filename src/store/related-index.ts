import type { CatalogArticle } from "./catalog-article.ts";
import { htmlToText } from "../ingest/text.ts";
import { sameStoryTitles } from "./title-similarity.ts";
import { tokenize } from "./tokenize.ts";

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

export interface RelatedMatch {
  article: CatalogArticle;
  score: number;
  reason: string;
}

interface Vector {
  weights: Map<string, number>;
  norm: number;
  /** A readable form of each stemmed term, for the reason line. */
  labels: Map<string, string>;
  tags: Set<string>;
}

/**
 * TF-IDF vectors over title, tags, summary and the start of the body, compared
 * by cosine similarity, with a small boost per shared tag and for closeness in
 * time. Built once per
 * catalog version; a lookup scores only articles sharing a term (an inverted
 * index), not the whole catalog.
 */
export class RelatedIndex {
  private readonly vectors = new Map<string, Vector>();
  private readonly postings = new Map<string, string[]>();
  private readonly byId: Map<string, CatalogArticle>;

  constructor(articles: CatalogArticle[]) {
    this.byId = new Map(articles.map((a) => [a.id, a]));
    const counts = new Map<string, Map<string, number>>();
    const labels = new Map<string, Map<string, string>>();
    const documentFrequency = new Map<string, number>();
    for (const article of articles) {
      const termCounts = new Map<string, number>();
      const termLabels = new Map<string, string>();
      const add = (text: string, weight: number) => {
        for (const { term, word } of tokenize(text)) {
          termCounts.set(term, (termCounts.get(term) ?? 0) + weight);
          if (!termLabels.has(term)) termLabels.set(term, word);
        }
      };
      add(article.title, FIELD_WEIGHTS.title);
      add(article.tags.join(" . "), FIELD_WEIGHTS.tags);
      add(article.summary ?? "", FIELD_WEIGHTS.summary);
      add(bodyText(article), FIELD_WEIGHTS.body);
      counts.set(article.id, termCounts);
      labels.set(article.id, termLabels);
      for (const term of termCounts.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    }
    const total = articles.length;
    for (const article of articles) {
      const weights = new Map<string, number>();
      let sum = 0;
      for (const [term, count] of counts.get(article.id)!) {
        const df = documentFrequency.get(term)!;
        // Terms in every article say nothing; terms in one article cannot relate two.
        if (df < 2 || df > total * 0.5) continue;
        const weight = (1 + Math.log(count)) * Math.log(total / df);
        weights.set(term, weight);
        sum += weight * weight;
        const list = this.postings.get(term);
        if (list) list.push(article.id);
        else this.postings.set(term, [article.id]);
      }
      this.vectors.set(article.id, {
        weights,
        norm: Math.sqrt(sum) || 1,
        labels: labels.get(article.id)!,
        tags: new Set(article.tags.map((t) => t.toLowerCase())),
      });
    }
  }

  relatedTo(id: string, first: number): RelatedMatch[] {
    const source = this.vectors.get(id);
    const article = this.byId.get(id);
    if (!source || !article || first <= 0) return [];
    const dots = new Map<string, number>();
    for (const [term, weight] of source.weights) {
      for (const other of this.postings.get(term) ?? []) {
        if (other === id) continue;
        dots.set(other, (dots.get(other) ?? 0) + weight * this.vectors.get(other)!.weights.get(term)!);
      }
    }
    const scored: RelatedMatch[] = [];
    for (const [otherId, dot] of dots) {
      const other = this.vectors.get(otherId)!;
      const cosine = dot / (source.norm * other.norm);
      if (cosine < MIN_SIMILARITY) continue;
      const sharedTags = [...other.tags].filter((t) => source.tags.has(t));
      const otherArticle = this.byId.get(otherId)!;
      // Copies of the same story that merging could not join (same title) are not "related".
      if (sameStoryTitles(otherArticle.title, article.title)) continue;
      scored.push({
        article: otherArticle,
        score: round(cosine + SHARED_TAG_BOOST * Math.min(sharedTags.length, 4) + recencyBoost(article, otherArticle)),
        reason: reason(source, other, article),
      });
    }
    scored.sort((a, b) => b.score - a.score || a.article.id.localeCompare(b.article.id));
    return scored.slice(0, first);
  }
}

/** Names what two articles share: their common tags, else their strongest common terms. */
function reason(source: Vector, other: Vector, article: CatalogArticle): string {
  const sharedTags = article.tags.filter((t) => other.tags.has(t.toLowerCase()));
  if (sharedTags.length > 0) return `Shares topics: ${sharedTags.slice(0, 3).join(", ")}`;
  const shared = [...source.weights]
    .filter(([term]) => other.weights.has(term))
    .map(([term, weight]) => [term, weight * other.weights.get(term)!] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([term]) => source.labels.get(term) ?? term);
  return shared.length ? `Shares terms: ${shared.join(", ")}` : "Similar content";
}

/** Stories close in time are likelier to be read together: a small boost that fades with distance. */
function recencyBoost(a: CatalogArticle, b: CatalogArticle): number {
  if (!a.publishedAt || !b.publishedAt) return 0;
  const days = Math.abs(a.publishedAt.getTime() - b.publishedAt.getTime()) / 86_400_000;
  return RECENCY_BOOST * 0.5 ** (days / RECENCY_HALF_LIFE_DAYS);
}

function bodyText(article: CatalogArticle): string {
  return htmlToText(article.contentHtml ?? "").split(" ", BODY_WORDS).join(" ");
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
