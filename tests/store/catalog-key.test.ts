import { describe, expect, it } from "vitest";
import { CatalogKey } from "../../src/store/catalog/catalog-key.ts";

const held = (pairs: [string, string][]) => pairs.map(([sourceId, contentHash]) => ({ sourceId, contentHash }));

describe("CatalogKey", () => {
  const key = CatalogKey.of(
    held([
      ["a", "1"],
      ["b", "2"],
    ]),
  );

  it("matches exactly the content it was made of, source by source and in order", () => {
    expect(
      key.matches(
        held([
          ["a", "1"],
          ["b", "2"],
        ]),
      ),
    ).toBe(true);
    expect(
      key.matches(
        held([
          ["a", "1"],
          ["b", "3"],
        ]),
      ),
    ).toBe(false);
    expect(
      key.matches(
        held([
          ["b", "2"],
          ["a", "1"],
        ]),
      ),
    ).toBe(false);
    expect(key.matches(held([["a", "1"]]))).toBe(false);
    expect(
      key.matches(
        held([
          ["a", "1"],
          ["b", "2"],
          ["c", "3"],
        ]),
      ),
    ).toBe(false);
    expect(key.matches([held([["a", "1"]])[0], undefined])).toBe(false);
  });

  it("matches sources looked up one by one the same way", () => {
    const holding = new Map(
      held([
        ["a", "1"],
        ["b", "2"],
      ]).map((content) => [content.sourceId, content]),
    );
    expect(key.matchesSources([{ id: "a" }, { id: "b" }], (id) => holding.get(id))).toBe(true);
    expect(key.matchesSources([{ id: "b" }, { id: "a" }], (id) => holding.get(id))).toBe(false);
    expect(key.matchesSources([{ id: "a" }, { id: "b" }, { id: "c" }], (id) => holding.get(id))).toBe(false);
    holding.delete("b");
    expect(key.matchesSources([{ id: "a" }, { id: "b" }], (id) => holding.get(id))).toBe(false);
  });

  it("equals a key of the same content, and no other", () => {
    expect(
      key.equals(
        CatalogKey.of(
          held([
            ["a", "1"],
            ["b", "2"],
          ]),
        ),
      ),
    ).toBe(true);
    expect(
      key.equals(
        CatalogKey.of(
          held([
            ["a", "1"],
            ["b", "9"],
          ]),
        ),
      ),
    ).toBe(false);
    expect(key.equals(CatalogKey.of(held([["a", "1"]])))).toBe(false);
    // Ids and hashes are kept apart: no joining of them can make two keys alike.
    expect(CatalogKey.of(held([["a:1", "x"]])).equals(CatalogKey.of(held([["a", "1:x"]])))).toBe(false);
  });

  it("says which sources' content changed, or that the sources themselves did", () => {
    const key = CatalogKey.of(
      held([
        ["a", "1"],
        ["b", "2"],
        ["c", "3"],
      ]),
    );
    expect(
      key.changedIn(
        held([
          ["a", "1"],
          ["b", "2"],
          ["c", "3"],
        ]),
      ),
    ).toEqual([]);
    expect(
      key.changedIn(
        held([
          ["a", "9"],
          ["b", "2"],
          ["c", "8"],
        ]),
      ),
    ).toEqual([0, 2]);
    // Another set or order of sources: no positions to compare.
    expect(
      key.changedIn(
        held([
          ["a", "1"],
          ["c", "3"],
          ["b", "2"],
        ]),
      ),
    ).toBeNull();
    expect(
      key.changedIn(
        held([
          ["a", "1"],
          ["b", "2"],
        ]),
      ),
    ).toBeNull();
  });
});
