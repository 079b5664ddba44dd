import { describe, expect, it } from "vitest";
import { newArticleSteps } from "../../src/live/new-articles.ts";
import type { Catalog } from "../../src/store/catalog/catalog.ts";
import type { CatalogArticle } from "../../src/store/catalog/catalog-article.ts";
import { runToEnd } from "../../src/store/sliced/time-slice.ts";

/** Just what comparing reads of a catalog: its articles (newest first) and its two lookups. */
function catalogOf(articles: CatalogArticle[]): Catalog {
  const byCanonicalUrl = new Map<string, CatalogArticle>();
  for (const article of articles)
    for (const url of article.merged?.canonicalUrls ?? [article.canonicalUrl]) byCanonicalUrl.set(url, article);
  return { articles, byId: new Map(articles.map((a) => [a.id, a])), byCanonicalUrl } as unknown as Catalog;
}

function story(n: number): CatalogArticle {
  return { id: `id-${n}`, canonicalUrl: `https://news.example/${n}`, title: `Story ${n}` } as CatalogArticle;
}

describe("newArticleSteps", () => {
  it("finds the stories the previous catalog did not have, oldest first; none without a previous catalog", () => {
    const before = catalogOf([story(2), story(1)]);
    const after = catalogOf([story(4), story(3), story(2), story(1)]);
    expect(runToEnd(newArticleSteps(before, after)).map((a) => a.id)).toEqual(["id-3", "id-4"]);
    expect(runToEnd(newArticleSteps(null, after))).toEqual([]);
  });

  it("does not count a story merged under a new id as new: it keeps a canonical URL already held", () => {
    const before = catalogOf([story(1)]);
    const merged = {
      ...story(0),
      merged: { sourceIds: ["a", "b"], canonicalUrls: ["https://news.example/0", "https://news.example/1"], guids: [] },
    };
    expect(runToEnd(newArticleSteps(before, catalogOf([merged])))).toEqual([]);
  });

  it("yields every 1024 articles, so a large catalog is compared across turns of the event loop", () => {
    const articles = Array.from({ length: 3000 }, (_, n) => story(3000 - n));
    const steps = newArticleSteps(catalogOf(articles.slice(1)), catalogOf(articles));
    let yields = 0;
    let next = steps.next();
    for (; !next.done; next = steps.next()) yields++;
    expect(yields).toBe(2);
    expect(next.value.map((a) => a.id)).toEqual(["id-3000"]);
  });

  it("reads only the stories a change added when the catalog was made in place from the previous one", () => {
    const before = { ...catalogOf([story(2), story(1)]), version: 7 } as Catalog;
    const dated = (n: number) => ({ ...story(n), publishedAt: new Date(Date.UTC(2026, 10, 1, n)) });
    const after = {
      ...catalogOf([dated(5), dated(4), story(2), story(1)]),
      version: 8,
      // A story edited in place (same id) is added again, but is not new.
      change: { fromVersion: 7, stories: { removed: [story(2)], added: [dated(4), story(2), dated(5)] } },
    } as unknown as Catalog;
    expect(runToEnd(newArticleSteps(before, after)).map((a) => a.id)).toEqual(["id-4", "id-5"]);
    // Made from another version: compared in full.
    const elsewhere = { ...after, change: { fromVersion: 6, stories: { removed: [], added: [] } } } as unknown as Catalog;
    expect(runToEnd(newArticleSteps(before, elsewhere)).map((a) => a.id)).toEqual(["id-4", "id-5"]);
  });
});
