import { describe, expect, it } from "vitest";
import { growthSvg, growthTable, SERIES } from "../../bench/cost-growth.ts";
import type { CatalogChangeResult } from "../../bench/catalog-change-probe.ts";

/** A size's results where every cost is `scale` times the smallest's, except the heap, which stays flat. */
const result = (articles: number, scale: number): CatalogChangeResult => ({
  articles,
  sources: articles / 100,
  changes: 10,
  coalesced: 0,
  buildMs: { generate: 1, firstCatalog: 10 * articles * scale, indexes: 0 },
  visibleMs: { p50: 5 * scale, p99: 10 * scale, max: 20 * scale },
  cpuPerChangeMs: { mean: 2 * scale, p50: 2 * scale, p99: 3 * scale },
  heap: { articlesPerArticle: 2000, totalPerArticle: 3000 },
  requestCpuUs: { front: 50 * scale, section: 60 * scale, articlePage: 300 * scale, search: 900 * scale },
});

describe("how cost grows", () => {
  const results = [result(10_000, 1), result(100_000, 1.5), result(1_000_000, 2)];

  it("tabulates every measure at every size, with its growth from the smallest to the largest", () => {
    const lines = growthTable(results).split("\n");
    expect(lines[0]).toContain("1,000,000 articles, 10,000 sources");
    expect(lines).toHaveLength(2 + SERIES.length);
    expect(lines.find((line) => line.startsWith("| heap per article"))).toMatch(/\| 1\.00× \|$/);
    expect(lines.find((line) => line.startsWith("| CPU per changed source"))).toBe(
      "| CPU per changed source | 2.00 ms | 3.00 ms | 4.00 ms | 2.00× |",
    );
  });

  it("draws one line per measure, and the catalog's own growth to compare with", () => {
    const svg = growthSvg(results);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(SERIES.length);
    expect(svg).toContain("the catalog's size");
    // Every point lies inside the drawing.
    for (const [, x, y] of svg.matchAll(/(\d+\.\d),(\d+\.\d)/g)) {
      expect(Number(x)).toBeGreaterThanOrEqual(0);
      expect(Number(y)).toBeGreaterThanOrEqual(0);
      expect(Number(y)).toBeLessThanOrEqual(420);
    }
  });
});
