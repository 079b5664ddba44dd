import { describe, expect, it } from "vitest";
import { metricSum, readGaps } from "../../bench/upstream-reads.ts";

describe("the upstream scenario's accounting", () => {
  it("measures gaps from each source's given read on, never across sources", () => {
    const times = [[0, 100, 2100, 4150], [50, 2060], [10]];
    // Source 0 from its second read (index 1), source 1 from its first, source 2 has no later read.
    expect(readGaps(times, [1, 0, 0])).toEqual([2000, 2050, 2010]);
    // Before any read (-1), every gap counts.
    expect(readGaps(times, [-1, -1, -1])).toEqual([100, 2000, 2050, 2010]);
  });

  it("sums the samples of one metric whose labels match, whatever their order or other labels", () => {
    const text = [
      "# HELP newsgate_upstream_fetches_total Upstream reads.",
      "# TYPE newsgate_upstream_fetches_total counter",
      'newsgate_upstream_fetches_total{source="a",outcome="not_modified"} 3',
      'newsgate_upstream_fetches_total{outcome="not_modified",source="b"} 4',
      'newsgate_upstream_fetches_total{source="a",outcome="ok"} 1',
      'newsgate_upstream_fetches_total_created{source="a",outcome="not_modified"} 1700000000',
      "newsgate_catalog_version 7",
    ].join("\n");
    expect(metricSum(text, "newsgate_upstream_fetches_total", { outcome: "not_modified" })).toBe(7);
    expect(metricSum(text, "newsgate_upstream_fetches_total", { outcome: "ok" })).toBe(1);
    expect(metricSum(text, "newsgate_upstream_fetches_total")).toBe(8);
    expect(metricSum(text, "newsgate_catalog_version")).toBe(7);
    expect(metricSum(text, "newsgate_missing_total")).toBe(0);
  });
});
