import { describe, expect, it } from "vitest";
import { NEWEST, OLDEST, oldestFromNewest, sortArticleSteps, sortArticles } from "../../src/store/catalog/article-order.ts";
import type { CatalogArticle } from "../../src/store/catalog/catalog-article.ts";
import type { Steps } from "../../src/store/sliced/time-slice.ts";

const article = (id: string, time: number | null): CatalogArticle =>
  ({ id, title: id, publishedAt: time === null ? null : new Date(time), tags: [], section: "news" }) as unknown as CatalogArticle;

/** A pseudo-random list with many equal dates and some without a date. */
function list(size: number, seed: number): CatalogArticle[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: size }, (_, n) =>
    article(`a${next() % (size * 4)}-${n}`, next() % 10 === 0 ? null : 1_700_000_000_000 + (next() % 50) * 60_000),
  );
}

function drive<T>(steps: Steps<T>): { value: T; yields: number } {
  let yields = 0;
  for (;;) {
    const next = steps.next();
    if (next.done) return { value: next.value, yields };
    yields++;
  }
}

describe("sorting a catalog's articles in steps", () => {
  it("gives exactly the order sortArticles gives, for every size around the run length", () => {
    for (const size of [0, 1, 2, 2047, 2048, 2049, 4097, 10_000]) {
      for (const order of [NEWEST, OLDEST]) {
        const input = list(size, size + 7);
        expect(drive(sortArticleSteps(input, order)).value.map((a) => a.id)).toEqual(sortArticles(input, order).map((a) => a.id));
      }
    }
  });

  it("yields every few thousand articles, so a large catalog never sorts in one go", () => {
    const { yields } = drive(sortArticleSteps(list(20_000, 3), NEWEST));
    expect(yields).toBeGreaterThan(20);
  });

  it("leaves its input as it was", () => {
    const input = list(5000, 11);
    const before = input.map((a) => a.id);
    drive(sortArticleSteps(input, NEWEST));
    expect(input.map((a) => a.id)).toEqual(before);
  });
});

describe("oldest first from newest first", () => {
  it("gives exactly OLDEST's order from a NEWEST-sorted list, equal dates and undated articles included", () => {
    for (const size of [0, 1, 2, 3, 50, 999]) {
      const newest = sortArticles(list(size, size + 11), NEWEST);
      expect(
        oldestFromNewest(newest, (a) => a.publishedAt).map((a) => a.id),
        String(size),
      ).toEqual(sortArticles(newest, OLDEST).map((a) => a.id));
    }
  });
});
