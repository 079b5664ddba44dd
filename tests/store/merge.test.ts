import { describe, expect, it } from "vitest";
import type { Article } from "../../src/ingest/article.ts";
import { mergeArticles } from "../../src/store/merge.ts";

const base: Article = {
  id: "x", sourceId: "s", guid: null, title: "T", summary: null, contentHtml: null, url: "https://a.example/1",
  canonicalUrl: "https://a.example/1", author: null, publishedAt: null, updatedAt: null, readingTimeMinutes: 1,
  image: null, tags: [], section: "news",
};
const make = (over: Partial<Article>): Article => ({ ...base, ...over });

describe("merging the same story from several sources", () => {
  it("joins copies with one canonical URL, taking the richest value of each field and the earliest date", () => {
    const [merged, ...rest] = mergeArticles([
      make({ id: "b", sourceId: "one", summary: "Short.", tags: ["AI"], publishedAt: new Date("2026-10-02T00:00:00Z"), image: { url: "https://a.example/s.jpg", alt: null, width: 100, height: 50 } }),
      make({ id: "a", sourceId: "two", summary: "A longer summary.", contentHtml: "<p>Body</p>", tags: ["ai", "Chips"], publishedAt: new Date("2026-10-01T00:00:00Z"), image: { url: "https://a.example/l.jpg", alt: null, width: 800, height: 400 } }),
    ]);
    expect(rest).toEqual([]);
    expect(merged).toMatchObject({
      id: "a",
      sourceIds: ["one", "two"],
      summary: "A longer summary.",
      contentHtml: "<p>Body</p>",
      tags: ["AI", "Chips"],
      publishedAt: new Date("2026-10-01T00:00:00Z"),
      image: { url: "https://a.example/l.jpg" },
    });
  });

  it("joins copies with one global guid even when their links differ", () => {
    const merged = mergeArticles([
      make({ id: "1", sourceId: "one", guid: "tag:wire.example,2026:42", canonicalUrl: "https://a.example/x" }),
      make({ id: "2", sourceId: "two", guid: "tag:wire.example,2026:42", canonicalUrl: "https://b.example/y" }),
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.canonicalUrls).toEqual(["https://a.example/x", "https://b.example/y"]);
  });

  it("keeps apart near misses: same short guid in two feeds, same title under two URLs", () => {
    expect(mergeArticles([
      make({ id: "1", sourceId: "one", guid: "42", canonicalUrl: "https://a.example/x" }),
      make({ id: "2", sourceId: "two", guid: "42", canonicalUrl: "https://b.example/x" }),
    ])).toHaveLength(2);
    expect(mergeArticles([
      make({ id: "1", title: "Weather", canonicalUrl: "https://a.example/weather/monday" }),
      make({ id: "2", title: "Weather", canonicalUrl: "https://a.example/weather/tuesday" }),
    ])).toHaveLength(2);
  });
});
