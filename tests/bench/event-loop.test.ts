import { createHistogram } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { countOver } from "../../bench/event-loop.ts";

describe("countOver", () => {
  it("counts the samples above a threshold, whatever else the histogram holds", () => {
    const histogram = createHistogram();
    for (let i = 0; i < 970; i++) histogram.record(1e6 + i * 1000); // about 1 ms
    for (let i = 0; i < 30; i++) histogram.record(25e6 + i * 1e5); // about 25 ms
    expect(countOver(histogram, 20)).toBe(30);
    expect(countOver(histogram, 0.5)).toBe(1000);
    expect(countOver(histogram, 30)).toBe(0);
    // The same stalls among ten times the samples: the count stays, the p99 falls under 20 ms.
    for (let i = 0; i < 9000; i++) histogram.record(1e6);
    expect(countOver(histogram, 20)).toBe(30);
    expect(histogram.percentile(99) / 1e6).toBeLessThan(20);
    expect(countOver(createHistogram(), 20)).toBe(0);
  });
});
