import { describe, expect, it } from "vitest";
import { HashMapBuilder, PersistentHashMap } from "../../src/store/persistent/hash-map.ts";
import { createRandom as seeded } from "../../bench/synthetic-text.ts";

const same = <V>(map: PersistentHashMap<V>, model: ReadonlyMap<string, V>, probes: readonly string[]) => {
  expect(map.size).toBe(model.size);
  for (const key of probes) {
    expect(map.get(key)).toBe(model.get(key));
    expect(map.has(key)).toBe(model.has(key));
  }
  expect(new Map(map.entries())).toEqual(model);
};

describe("PersistentHashMap", () => {
  it("agrees with a Map after thousands of random changes, growing past its buckets and shrinking, and every older version keeps its own entries", () => {
    const random = seeded(3);
    const keyOf = () => `k${Math.floor(random() * 30_000)}`;
    let map = PersistentHashMap.empty<number>();
    const model = new Map<string, number>();
    const kept: { map: PersistentHashMap<number>; model: Map<string, number> }[] = [];
    for (let step = 0; step < 400; step++) {
      const grow = step < 250;
      const remove = Array.from({ length: Math.floor(random() * (grow ? 20 : 200)) }, keyOf);
      const set = Array.from({ length: Math.floor(random() * (grow ? 200 : 20)) }, () => [keyOf(), step] as const);
      const before = { map, model: new Map(model) };
      map = map.with({ remove, set });
      for (const key of remove) model.delete(key);
      for (const [key, value] of set) model.set(key, value);
      const probes = [...remove, ...set.map(([key]) => key), keyOf(), keyOf()];
      same(map, model, probes);
      same(before.map, before.model, probes);
      if (step % 40 === 0) kept.push({ map, model: new Map(model) });
    }
    // Grown through several levels of bits (512, 2,048 and 8,192 entries), then shrunk.
    expect(kept.some(({ model }) => model.size > 10_000)).toBe(true);
    for (const { map, model } of kept) same(map, model, [...model.keys()].slice(0, 50));
  });

  it("is built from entries, a later entry of a key winning, and trims nothing it needs", () => {
    const builder = new HashMapBuilder<string>(2);
    for (let i = 0; i < 5_000; i++) builder.set(`key-${i % 4_000}`, `value-${i}`);
    const map = builder.build();
    expect(map.size).toBe(4_000);
    expect(map.get("key-10")).toBe("value-4010");
    expect(map.get("key-3999")).toBe("value-3999");
    expect(map.get("key-4000")).toBeUndefined();
    expect(
      PersistentHashMap.from([
        ["a", 1],
        ["a", 2],
      ]).get("a"),
    ).toBe(2);
  });

  it("copies only what a change touches: a version made from a large map shares the rest", () => {
    const big = PersistentHashMap.from(
      Array.from({ length: 200_000 }, (_, i) => [`id-${i}`, i] as const),
      200_000,
    );
    const next = big.with({ remove: ["id-1"], set: [["id-new", -1]] });
    expect(next.size).toBe(big.size);
    // The entries of both, compared by bucket identity: all but the (at most two) touched buckets are the same arrays.
    const bucketsOf = (map: PersistentHashMap<number>) =>
      (map as unknown as { pages: (unknown[] | undefined)[][] }).pages.flatMap((page) => (page ? page.filter(Boolean) : []));
    const before = new Set(bucketsOf(big));
    const after = bucketsOf(next);
    expect(after.filter((bucket) => !before.has(bucket)).length).toBeLessThanOrEqual(2);
  });
});
