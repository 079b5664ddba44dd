import { describe, expect, it } from "vitest";
import { type Compare, type EditStats, OrderedList } from "../../src/store/persistent/ordered-list.ts";
import { createRandom as random } from "../../bench/synthetic-text.ts";

/** An item keyed by `key`; `version` tells apart two items equal under the order, to see which one a list holds. */
interface Item {
  key: number;
  version: number;
}

const byKey: Compare<Item> = (a, b) => a.key - b.key;
const byNumber: Compare<number> = (a, b) => a - b;

const newStats = (): EditStats => ({ nodes: 0, slots: 0, rebuilds: 0 });
/** The most items a leaf (or children a branch) holds, which bounds the slots one node costs. */
const LEAF_SLOTS = 64;

/** First position where two lists differ by identity (or -1), so a failure names it without deep-comparing thousands of objects. */
function firstDifference<T>(actual: readonly T[], expected: readonly T[]): number {
  const shorter = Math.min(actual.length, expected.length);
  for (let i = 0; i < shorter; i++) if (actual[i] !== expected[i]) return i;
  return actual.length === expected.length ? -1 : shorter;
}

/** The model: a plain sorted array changed as `with` promises (removals first, then inserts, the later of equal inserts winning). */
function applyToModel(model: readonly Item[], insert: readonly Item[], remove: readonly Item[]): Item[] {
  const byKeyMap = new Map(model.map((item) => [item.key, item]));
  for (const item of remove) byKeyMap.delete(item.key);
  for (const item of insert) byKeyMap.set(item.key, item);
  return [...byKeyMap.values()].sort(byKey);
}

function take<T>(iterator: Iterator<T>, count: number): T[] {
  const out: T[] = [];
  while (out.length < count) {
    const next = iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

/** Every read of `list` agrees with `model`, probed at random and boundary positions and keys. */
function expectSame(list: OrderedList<Item>, model: readonly Item[], next: () => number, keySpace: number): void {
  const n = model.length;
  expect(list.length).toBe(n);
  expect(firstDifference(list.toArray(), model)).toBe(-1);
  expect(firstDifference([...list], model)).toBe(-1);

  for (const position of [0, 1, n - 1, n, n + 1, -1, 0.5, Math.floor(next() * n), Math.floor(next() * n)]) {
    expect(list.at(position)).toBe(Number.isInteger(position) && position >= 0 ? model[position] : undefined);
  }

  const bound = () => {
    const pick = next();
    if (pick < 0.1) return undefined;
    if (pick < 0.15) return Number.NaN;
    if (pick < 0.2) return pick < 0.175 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    if (pick < 0.25) return (next() - 0.5) * 2 * n + 0.5;
    return Math.floor((next() * 2 - 0.6) * (n + 2));
  };
  for (let probe = 0; probe < 4; probe++) {
    const start = bound();
    const end = bound();
    expect(firstDifference(list.slice(start, end), model.slice(start, end))).toBe(-1);
  }
  expect(firstDifference(list.slice(-3), model.slice(-3))).toBe(-1);

  for (let probe = 0; probe < 6; probe++) {
    const key = probe < 2 && n > 0 ? model[Math.floor(next() * n)]!.key : Math.floor(next() * (keySpace + 2)) - 1;
    const probeItem = { key, version: -1 };
    // The model's answer by bisection: a scan per probe would make the test quadratic.
    let lower = 0;
    for (let high = n; lower < high; ) {
      const middle = (lower + high) >> 1;
      if (model[middle]!.key < key) lower = middle + 1;
      else high = middle;
    }
    const position = lower < n && model[lower]!.key === key ? lower : -1;
    expect(list.indexOf(probeItem)).toBe(position);
    expect(list.has(probeItem)).toBe(position >= 0);
    expect(list.lowerBound(probeItem)).toBe(lower);
  }

  const start = Math.floor(next() * (n + 2));
  const count = 1 + Math.floor(next() * 150);
  expect(firstDifference(take(list.valuesFrom(start), count), model.slice(start, start + count))).toBe(-1);
}

describe("OrderedList against a sorted array", () => {
  it("agrees on every read after thousands of random changes, and every older version keeps its own items", () => {
    const next = random(26);
    const keySpace = 6000;
    let version = 0;
    const item = (key: number): Item => ({ key, version: version++ });
    const randomKey = () => Math.floor(next() * keySpace);

    let list = OrderedList.empty(byKey);
    let model: Item[] = [];
    const kept: { list: OrderedList<Item>; items: Item[] }[] = [];
    const stats = newStats();

    for (let step = 0; step < 2000; step++) {
      const shape = next();
      const insert: Item[] = [];
      const remove: Item[] = [];
      if (shape < 0.03) {
        // Remove most items (present ones, by equal stand-ins), sometimes all.
        const share = next() < 0.3 ? 1 : 0.9;
        for (const present of model) if (next() < share) remove.push({ key: present.key, version: -1 });
      } else if (shape < 0.1) {
        // A large batch: many inserts (some replacing) and removals.
        const size = 200 + Math.floor(next() * 3000);
        for (let i = 0; i < size; i++) insert.push(item(randomKey()));
        for (let i = 0; i < size / 3; i++) remove.push({ key: randomKey(), version: -1 });
      } else if (shape < 0.2) {
        // A change of up to 64 items (always applied path by path) packed into a narrow range of keys,
        // so one call splits and mends the nodes it has already copied.
        const low = randomKey();
        const width = 20 + Math.floor(next() * 200);
        const rangeKey = () => low + Math.floor(next() * width);
        for (let i = Math.floor(next() * 40); i > 0; i--) insert.push(item(rangeKey()));
        while (insert.length + remove.length < 64) remove.push({ key: rangeKey(), version: -1 });
      } else {
        // A source's usual change: a few items in, a few gone (present or not), some inserts replacing.
        const ins = Math.floor(next() * 12);
        const rem = Math.floor(next() * 12);
        for (let i = 0; i < ins; i++) insert.push(item(randomKey()));
        for (let i = 0; i < rem; i++) {
          const present = model.length > 0 && next() < 0.8;
          remove.push({ key: present ? model[Math.floor(next() * model.length)]!.key : randomKey(), version: -1 });
        }
      }
      const before = list;
      const beforeItems = model;
      list = list.with({ insert, remove }, stats);
      model = applyToModel(model, insert, remove);

      expectSame(list, model, next, keySpace);
      expect(firstDifference(before.toArray(), beforeItems)).toBe(-1);
      if (step % 50 === 0) {
        list.checkInvariants();
        kept.push({ list, items: model });
      }
    }

    // Both roads were taken: path copying for small changes, merging for large ones.
    expect(stats.rebuilds).toBeGreaterThan(10);
    expect(stats.rebuilds).toBeLessThan(1000);
    for (const { list: old, items } of kept) {
      expect(old.length).toBe(items.length);
      expect(firstDifference(old.toArray(), items)).toBe(-1);
      old.checkInvariants();
    }
  });

  it("replaces an item equal under the order, the later of two equal inserts winning, and leaves the old version alone", () => {
    const first = { key: 1, version: 1 };
    const list = OrderedList.fromSorted([first, { key: 2, version: 1 }], byKey);
    const second = { key: 1, version: 2 };
    const third = { key: 1, version: 3 };
    const changed = list.with({ insert: [second, third] });
    expect(changed.at(0)).toBe(third);
    expect(changed.length).toBe(2);
    expect(list.at(0)).toBe(first);
    // Removed and put back in one call: the inserted one is what the list holds.
    expect(changed.with({ remove: [{ key: 1, version: 0 }], insert: [second] }).at(0)).toBe(second);
  });

  it("returns the same list when nothing changes", () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({ key: i * 2, version: 0 }));
    const list = OrderedList.fromSorted(items, byKey);
    expect(list.with({})).toBe(list);
    expect(
      list.with({
        remove: [
          { key: 1, version: 0 },
          { key: 9999, version: 0 },
        ],
      }),
    ).toBe(list);
    expect(list.with({ insert: [items[10]!] })).toBe(list);
    // The same for a change large enough to be merged rather than copied path by path.
    const stats = newStats();
    const absent = Array.from({ length: 1000 }, (_, i) => ({ key: 2 * i + 1, version: 0 }));
    expect(list.with({ remove: absent, insert: items.slice(0, 1000) }, stats)).toBe(list);
    expect(stats.rebuilds).toBe(1);
  });

  it("keeps the catalog's order: newest date first, then id ascending", () => {
    type Story = { date: number; id: string };
    const newestFirst: Compare<Story> = (a, b) => b.date - a.date || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const list = OrderedList.empty(newestFirst).with({
      insert: [
        { date: 1, id: "b" },
        { date: 3, id: "a" },
        { date: 1, id: "a" },
        { date: 2, id: "z" },
      ],
    });
    expect(list.toArray().map((story) => `${story.date}${story.id}`)).toEqual(["3a", "2z", "1a", "1b"]);
    expect(list.lowerBound({ date: 2, id: "a" })).toBe(1);
    expect(list.indexOf({ date: 1, id: "b" })).toBe(3);
  });

  it("reads from a position with valuesFrom, lazily, and refuses a non-position", () => {
    const list = OrderedList.fromSorted(
      Array.from({ length: 1000 }, (_, i) => i),
      byNumber,
    );
    const values = list.valuesFrom(990);
    expect(values.next().value).toBe(990);
    expect([...values]).toEqual([991, 992, 993, 994, 995, 996, 997, 998, 999]);
    expect([...list.valuesFrom(1000)]).toEqual([]);
    expect([...list.valuesFrom(5000)]).toEqual([]);
    expect(() => list.valuesFrom(-1)).toThrow(RangeError);
    expect(() => list.valuesFrom(1.5)).toThrow(RangeError);
    expect(list.filter((n) => n % 100 === 0)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(OrderedList.empty(byNumber).filter(() => true)).toEqual([]);
    expect([...OrderedList.empty(byNumber)]).toEqual([]);
  });
});

describe("OrderedList.fromSorted", () => {
  it.each([0, 1, 63, 64, 65, 4097, 100_000])("builds %i items that read back as the array", (size) => {
    const items = Array.from({ length: size }, (_, i) => i * 3);
    const list = OrderedList.fromSorted(items, byNumber);
    expect(list.length).toBe(size);
    expect(list.toArray()).toEqual(items);
    expect([...list]).toEqual(items);
    expect(list.slice(-70, -2)).toEqual(items.slice(-70, -2));
    for (const position of [0, 1, 62, 63, 64, 65, 4095, 4096, size - 1, size]) expect(list.at(position)).toBe(items[position]);
    for (const position of [0, 63, 64, size - 1]) {
      if (position < 0 || position >= size) continue;
      expect(list.indexOf(items[position]!)).toBe(position);
      expect(list.lowerBound(items[position]! + 1)).toBe(position + 1);
    }
    expect(list.checkInvariants()).toBe(list.depth());
    expect(list.depth()).toBe(size <= 64 ? 1 : size <= 64 * 64 ? 2 : 3);
  });

  it("throws a RangeError naming the position of an item out of order or repeated", () => {
    expect(() => OrderedList.fromSorted([1, 2, 5, 4, 6], byNumber)).toThrow(/position 3/);
    expect(() => OrderedList.fromSorted([1, 2, 5, 4, 6], byNumber)).toThrow(RangeError);
    expect(() => OrderedList.fromSorted([1, 2, 2], byNumber)).toThrow(/position 2 is equal/);
  });
});

describe("OrderedList balance", () => {
  it("stays balanced and shallow through growing, emptying and growing back one small change at a time", () => {
    const next = random(7);
    let list = OrderedList.empty(byNumber);
    const present = new Set<number>();
    const stats = newStats();
    const shallow = () => {
      const depth = list.checkInvariants();
      // Every node but the root is at least half full: a depth-d tree holds at least 2 * 32^(d-1) items.
      if (list.length >= 2) expect(depth).toBeLessThanOrEqual(1 + Math.floor(Math.log(list.length / 2) / Math.log(32)));
      return depth;
    };
    const grow = (target: number) => {
      for (let op = 0; list.length < target; op++) {
        const batch = Array.from({ length: 1 + Math.floor(next() * 2) }, () => Math.floor(next() * 1e9));
        for (const value of batch) present.add(value);
        list = list.with({ insert: batch }, stats);
        if (op % 2000 === 0) shallow();
      }
    };
    const shrink = (target: number) => {
      for (let op = 0; list.length > target; op++) {
        // Removals in random order, so every level merges and borrows.
        const batch: number[] = [];
        for (let i = 0; i < 2 && list.length - batch.length > target; i++) batch.push(list.at(Math.floor(next() * list.length))!);
        for (const value of batch) present.delete(value);
        list = list.with({ remove: batch }, stats);
        if (op % 2000 === 0) shallow();
      }
    };

    grow(40_000);
    expect(shallow()).toBe(3);
    shrink(0);
    expect(list.length).toBe(0);
    expect(list.depth()).toBe(1);
    grow(40_000);
    shrink(5_000);
    grow(20_000);
    shallow();
    expect(list.length).toBe(present.size);
    expect(list.toArray()).toEqual([...present].sort(byNumber));
    // Changes of one or two items always go path by path, never through the merge.
    expect(stats.rebuilds).toBe(0);
  });
});

describe("OrderedList change cost", () => {
  const CHANGES = 5;

  /**
   * The nodes and slots that CHANGES successive changes of 10 items in and 10
   * out build in a list of `size`, as a catalog receives them: the first on
   * a freshly built list, the others on the versions that follow. Also the
   * most nodes any one of those changes built.
   */
  function costOf(size: number, clustered: boolean): EditStats & { most: number; depth: number } {
    let list = OrderedList.fromSorted(
      Array.from({ length: size }, (_, i) => 2 * i),
      byNumber,
    );
    const next = random(size);
    const total = { ...newStats(), most: 0, depth: list.depth() };
    for (let change = 0; change < CHANGES; change++) {
      const n = list.length;
      // Clustered: ten newer stories at the front, the ten oldest gone from the end. Scattered: anywhere.
      const insert = Array.from({ length: 10 }, (_, i) => (clustered ? list.at(0)! - 2 * (i + 1) : 2 * Math.floor(next() * 2 * n) + 1));
      const remove = Array.from({ length: 10 }, (_, i) => list.at(clustered ? n - 1 - i : Math.floor(next() * n))!);
      const stats = newStats();
      const changed = list.with({ insert, remove }, stats);
      expect(changed.length).toBe(n + new Set(insert).size - new Set(remove).size);
      expect(list.length).toBe(n);
      total.nodes += stats.nodes;
      total.slots += stats.slots;
      total.rebuilds += stats.rebuilds;
      total.most = Math.max(total.most, stats.nodes);
      list = changed;
    }
    list.checkInvariants();
    return total;
  }

  it.each([
    ["scattered", false],
    ["clustered at the ends", true],
  ])("copies about as many nodes at a million items as at ten thousand (%s)", (_, clustered) => {
    const small = costOf(10_000, clustered);
    const large = costOf(1_000_000, clustered);
    expect(small.rebuilds + large.rebuilds).toBe(0);
    expect(large.nodes).toBeLessThanOrEqual(2 * small.nodes);
    expect(large.slots).toBeLessThanOrEqual(2 * small.slots);
    // Any one change: at most one node per level per changed item, plus a few from splits and merges.
    expect(large.depth).toBe(4);
    expect(large.most).toBeLessThanOrEqual(20 * large.depth + 10);
    expect(large.slots).toBeLessThanOrEqual(large.nodes * (LEAF_SLOTS + 1));
  });
});
