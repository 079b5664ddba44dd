import { describe, expect, it } from "vitest";
import type { Article } from "../../src/model/article.ts";
import { mergeArticles } from "../../src/store/catalog/merge.ts";
import { RelatedIndex, REMEMBERED_LOOKUPS } from "../../src/store/related/related-index.ts";
import { runToEnd } from "../../src/store/sliced/time-slice.ts";

const topics = ["harbour cranes shipping containers", "orbital telescope mirror galaxies", "wheat harvest drought farmers"];
const article = (n: number): Article => {
  const topic = topics[n % topics.length]!;
  return {
    id: `a${n}`,
    sourceId: `s${n % 4}`,
    guid: null,
    title: `Report ${n}: ${topic} update number${n}`,
    summary: `More on ${topic}.`,
    rawBodyHtml: `<p>${topic} ${topic} detail${n}</p>`,
    bodyBase: null,
    bodyWords: 0,
    url: `https://s.example/${n}`,
    canonicalUrl: `https://s.example/${n}`,
    author: null,
    publishedAt: new Date(Date.UTC(2026, 10, 1) - n * 3_600_000),
    updatedAt: null,
    image: null,
    tags: [],
    section: "news",
    commentCount: null,
    authors: [],
    enclosures: [],
    language: null,
  };
};

describe("the related index", () => {
  const articles = mergeArticles(Array.from({ length: 30 }, (_, n) => article(n)));
  const index = runToEnd(RelatedIndex.build(articles));

  it("relates stories on the same topic", () => {
    const matches = index.relatedTo("a0", 5);
    expect(matches).toHaveLength(5);
    for (const match of matches) expect(Number(match.article.id.slice(1)) % 3).toBe(0);
  });

  it("answers a repeated lookup the same, from memory", () => {
    const first = index.relatedTo("a1", 4);
    const ids = first.map((m) => m.article.id);
    const again = index.relatedTo("a1", 4);
    expect(again.map((m) => m.article.id)).toEqual(ids);
    expect(again).toBe(first);
    // Another `first` is its own lookup: the best 2 are the best 4's first two.
    expect(index.relatedTo("a1", 2).map((m) => m.article.id)).toEqual(ids.slice(0, 2));
    // Past what is remembered, looked up each time, the same.
    expect(
      index
        .relatedTo("a1", 40)
        .slice(0, 4)
        .map((m) => m.article.id),
    ).toEqual(ids);
  });

  it("stays correct when its memory fills and is emptied", () => {
    const before = index.relatedTo("a5", 3).map((m) => m.article.id);
    for (let n = 0; n < REMEMBERED_LOOKUPS + 10; n++) index.relatedTo(`a${n % 30}`, 1 + (n % 25));
    expect(index.relatedTo("a5", 3).map((m) => m.article.id)).toEqual(before);
  });

  it("names the terms two stories share as the story asked about writes them", () => {
    const asked = articles[0]!;
    const text = `${asked.title} ${asked.summary} ${asked.rawBodyHtml}`.toLowerCase();
    for (const match of index.relatedTo(asked.id, 5)) {
      const words = match.reason.replace(/^Shares terms: /, "").split(", ");
      expect(match.reason).toMatch(/^Shares terms: /);
      for (const word of words) expect(text).toContain(word);
    }
  });

  it("knows nothing of articles outside it", () => {
    expect(index.relatedTo("nope", 3)).toEqual([]);
    expect(index.relatedTo("a2", 0)).toEqual([]);
  });
});
