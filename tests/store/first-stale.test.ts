import { describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import { FirstStale } from "../../src/store/source-cache/first-stale.ts";

const config = parseSourcesConfig(
  {
    sections: [{ slug: "news", name: "News" }],
    sources: ["a", "b", "c"].map((id) => ({ id, name: id, url: `https://${id}.example/rss`, section: "news" })),
  },
  "/srv/sources.json",
);

function setup(left: Record<string, number>) {
  const asked: string[] = [];
  const firstStale = new FirstStale((id) => {
    asked.push(id);
    return left[id]!;
  });
  return { asked, firstStale, left };
}

describe("the first source to go stale", () => {
  it("is found once per read generation, then alone asked", () => {
    const { asked, firstStale, left } = setup({ a: 30_000, b: 5_000, c: 60_000 });
    expect(firstStale.leftMs(config, 1, () => config.sources)).toBe(5_000);
    expect(asked).toEqual(["a", "b", "c"]);
    asked.length = 0;
    left.b = 4_000;
    expect(firstStale.leftMs(config, 1, () => config.sources)).toBe(4_000);
    expect(asked).toEqual(["b"]);
  });

  it("is looked for again after a read, a reload, or when its time left grew", () => {
    const { asked, firstStale, left } = setup({ a: 30_000, b: 5_000, c: 60_000 });
    firstStale.leftMs(config, 1, () => config.sources);
    asked.length = 0;
    expect(firstStale.leftMs(config, 2, () => config.sources)).toBe(5_000);
    expect(asked).toHaveLength(3);
    const reloaded = { ...config };
    asked.length = 0;
    firstStale.leftMs(reloaded, 2, () => config.sources);
    expect(asked).toHaveLength(3);
    // b was read again (its deadline moved) before the generation was counted: every source is asked.
    left.b = 90_000;
    asked.length = 0;
    expect(firstStale.leftMs(reloaded, 2, () => config.sources)).toBe(30_000);
    expect(asked).toEqual(["b", "a", "b", "c"]);
  });

  it("is 0 while a source is stale, asking all again each time, and Infinity with no sources", () => {
    const { asked, firstStale } = setup({ a: 0, b: 5_000, c: 60_000 });
    expect(firstStale.leftMs(config, 1, () => config.sources)).toBe(0);
    asked.length = 0;
    expect(firstStale.leftMs(config, 1, () => config.sources)).toBe(0);
    expect(asked).toHaveLength(3);
    expect(setup({}).firstStale.leftMs(config, 1, () => [])).toBe(Number.POSITIVE_INFINITY);
  });
});
