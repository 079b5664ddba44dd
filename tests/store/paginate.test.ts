import { describe, expect, it } from "vitest";
import { NEWEST, sortArticles } from "../../src/store/catalog/article-order.ts";
import type { CatalogArticle } from "../../src/store/catalog/catalog-article.ts";
import { decodeCursor, paginate, PageArgsError } from "../../src/store/query/paginate.ts";

const article = (id: string, day: number | null): CatalogArticle =>
  ({ id, publishedAt: day === null ? null : new Date(Date.UTC(2026, 9, day)) }) as CatalogArticle;
const ids = (page: ReturnType<typeof paginate>) => page.edges.map((e) => e.node.id);
const sorted = (list: CatalogArticle[]) => sortArticles(list, NEWEST);

describe("keyset pagination", () => {
  const list = sorted([article("a", 9), article("b", 8), article("c", 8), article("d", 7), article("e", null), article("f", 6)]);

  it("orders newest first, ids breaking ties, undated last", () => {
    expect(list.map((a) => a.id)).toEqual(["a", "b", "c", "d", "f", "e"]);
  });

  it("walks forward and backward with all four pageInfo fields", () => {
    const one = paginate(list, { first: 2 });
    expect(ids(one)).toEqual(["a", "b"]);
    expect(one.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const two = paginate(list, { first: 2, after: one.pageInfo.endCursor });
    expect(ids(two)).toEqual(["c", "d"]);
    expect(two.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const three = paginate(list, { first: 2, after: two.pageInfo.endCursor });
    expect(ids(three)).toEqual(["f", "e"]);
    expect(three.pageInfo.hasNextPage).toBe(false);
    const back = paginate(list, { last: 2, before: three.pageInfo.startCursor });
    expect(ids(back)).toEqual(["c", "d"]);
    expect(back.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    expect(paginate(list, { last: 2 }).pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(paginate(list, {}).totalCount).toBe(6);
  });

  it("neither repeats nor skips an article that stayed while the list changed between pages", () => {
    const one = paginate(list, { first: 3 });
    expect(ids(one)).toEqual(["a", "b", "c"]);
    // A newer article arrives and one already shown ("b") and the cursor's own ("c") disappear.
    const changed = sorted([article("new", 10), ...list.filter((a) => a.id !== "b" && a.id !== "c")]);
    const two = paginate(changed, { first: 3, after: one.pageInfo.endCursor });
    expect(ids(two)).toEqual(["d", "f", "e"]);
  });

  it("refuses foreign cursors and out-of-range counts", () => {
    expect(() => decodeCursor("b2Zmc2V0OjM", "after")).toThrow(PageArgsError);
    expect(() => paginate(list, { first: 101 })).toThrow(/at most 100/);
    expect(() => paginate(list, { last: -3 })).toThrow(/whole number/);
  });
});
