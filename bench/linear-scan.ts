import type { CatalogArticle } from "../src/store/catalog/catalog-article.ts";
import { tokenize } from "../src/store/related/tokenize.ts";

/**
 * The baselines of the index scenario: what answering without an index costs.
 * `relatedTo` compares one article's TF-IDF vector with every article's
 * (title, tags and summary: a lighter vector than the related index uses, so
 * the scan is, if anything, flattered); `search` keeps the articles whose text
 * contains every query word.
 */
export class LinearScan {
  private readonly vectors: Map<string, number>[] = [];
  private readonly norms: Float64Array;
  private readonly haystacks: string[];

  constructor(readonly articles: CatalogArticle[]) {
    const documentFrequency = new Map<string, number>();
    const counts = articles.map((article) => {
      const termCounts = new Map<string, number>();
      for (const { term } of tokenize(`${article.title} ${article.tags.join(" ")} ${article.summary ?? ""}`))
        termCounts.set(term, (termCounts.get(term) ?? 0) + 1);
      for (const term of termCounts.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
      return termCounts;
    });
    this.norms = new Float64Array(articles.length);
    counts.forEach((termCounts, index) => {
      const vector = new Map<string, number>();
      let sum = 0;
      for (const [term, count] of termCounts) {
        const weight = (1 + Math.log(count)) * Math.log(articles.length / documentFrequency.get(term)!);
        vector.set(term, weight);
        sum += weight * weight;
      }
      this.vectors.push(vector);
      this.norms[index] = Math.sqrt(sum) || 1;
    });
    this.haystacks = articles.map((a) => `${a.title} ${a.tags.join(" ")} ${a.summary ?? ""} ${a.rawBodyHtml ?? ""}`.toLowerCase());
  }

  /** The `first` articles most similar to article `index` by cosine, comparing it with every article. */
  relatedTo(index: number, first: number): { index: number; score: number }[] {
    const vector = this.vectors[index]!;
    const best: { index: number; score: number }[] = [];
    for (let other = 0; other < this.vectors.length; other++) {
      if (other === index) continue;
      const otherVector = this.vectors[other]!;
      let dot = 0;
      for (const [term, weight] of vector) {
        const otherWeight = otherVector.get(term);
        if (otherWeight !== undefined) dot += weight * otherWeight;
      }
      if (dot === 0) continue;
      const score = dot / (this.norms[index]! * this.norms[other]!);
      if (best.length < first || score > best[best.length - 1]!.score) {
        best.push({ index: other, score });
        best.sort((a, b) => b.score - a.score);
        if (best.length > first) best.pop();
      }
    }
    return best;
  }

  /** Indexes of the articles whose text contains every word of `query` (any case). */
  search(query: string): number[] {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const hits: number[] = [];
    for (let index = 0; index < this.haystacks.length; index++) {
      const haystack = this.haystacks[index]!;
      if (words.every((word) => haystack.includes(word))) hits.push(index);
    }
    return hits;
  }
}
