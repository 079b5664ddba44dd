import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortSteps } from "../../src/store/sliced/sort-steps.ts";
import { runToEnd } from "../../src/store/sliced/time-slice.ts";

describe("sortSteps", () => {
  // Items compared by their key only, so ties show whether the sort is stable.
  const byKey = (a: { key: number }, b: { key: number }) => a.key - b.key;

  it("gives Array.prototype.sort's order, ties in their first order, for any run size", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }), fc.integer({ min: 1, max: 64 }), (keys, run) => {
        const items = keys.map((key, at) => ({ key, at }));
        const before = items.slice();
        expect(runToEnd(sortSteps(items, byKey, run))).toEqual(items.slice().sort(byKey));
        expect(items).toEqual(before);
      }),
      { numRuns: 500, seed: 20261128 },
    );
  });

  it("yields after each run it sorts and every run's worth of items it merges, so no step does more", () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ key: (i * 7919) % 1000, at: i }));
    let compares = 0;
    let most = 0;
    const steps = sortSteps(
      items,
      (a, b) => {
        compares++;
        return byKey(a, b);
      },
      100,
    );
    let next = steps.next();
    let yields = 0;
    for (; !next.done; next = steps.next()) {
      most = Math.max(most, compares);
      compares = 0;
      yields++;
    }
    // 10 runs sorted, then 4 levels of merging 1000 items, 100 a step.
    expect(yields).toBe(10 + 4 * 10);
    // Sorting 100 items natively takes under 1000 comparisons; merging 100 takes at most 100.
    expect(most).toBeLessThan(1000);
    expect(next.value.map((item) => item.key)).toEqual([...Array(1000).keys()]);
  });

  it("sorts nothing and one item without fuss", () => {
    expect(runToEnd(sortSteps([], byKey, 8))).toEqual([]);
    expect(runToEnd(sortSteps([{ key: 1 }], byKey, 8))).toEqual([{ key: 1 }]);
  });
});
