import { describe, expect, it } from "vitest";
import { createRandom } from "../../bench/synthetic-text.ts";
import { BLOCK, type BlockView, PostingStore, runLayout, SHORT_LIST } from "../../src/store/search/search-postings.ts";
import { runToEnd } from "../../src/store/sliced/time-slice.ts";

/** A store built as `buildPostings` leaves it: each term's postings one run (long ones in blocks with room), ascending by slot. */
function builtStore(lists: Map<number, number>[]): PostingStore {
  const lengths = Uint32Array.from(lists, (list) => list.size);
  const { starts, size } = runLayout(lengths);
  const slots = new Int32Array(size);
  const frequencies = new Uint16Array(size);
  lists.forEach((list, term) => {
    const sorted = [...list].sort((a, b) => a[0] - b[0]);
    // As the build places them: a long list's blocks of SHORT_LIST entries hold a step less.
    const fill = list.size > SHORT_LIST ? SHORT_LIST - 8 : SHORT_LIST;
    sorted.forEach(([slot, packed], i) => {
      const at = starts[term]! + Math.floor(i / fill) * SHORT_LIST + (i % fill);
      slots[at] = slot;
      frequencies[at] = packed;
    });
  });
  return runToEnd(PostingStore.fromRuns(starts, lengths, slots, frequencies));
}

/** A term's postings as a scan reads them, block after block. */
function scan(store: PostingStore, term: number): [number, number][] {
  const view: BlockView = { slots: new Int32Array(0), frequencies: new Uint16Array(0), from: 0, to: 0 };
  const out: [number, number][] = [];
  for (let block = 0; block < store.blockCount(term); block++) {
    store.readBlock(term, block, view);
    for (let p = view.from; p < view.to; p++) out.push([view.slots[p]!, view.frequencies[p]!]);
  }
  return out;
}

describe("posting store", () => {
  it("holds each term's postings in slot order through random additions and removals, as a plain map of them does", () => {
    const random = createRandom(23);
    // Lists of every kind: one posting, short, one extent full, just over, a block and one, several blocks, very long.
    const sizes = [1, 5, SHORT_LIST, SHORT_LIST + 1, BLOCK + 1, 700, 3000];
    const model = sizes.map((size) => {
      const list = new Map<number, number>();
      while (list.size < size) list.set(Math.floor(random() * 8000), 1 + Math.floor(random() * 0xfff));
      return list;
    });
    const store = builtStore(model);
    const ids = model.map((_, term) => term);
    const check = () => {
      for (const term of ids) {
        const expected = [...model[term]!].sort((a, b) => a[0] - b[0]);
        expect(store.length(term)).toBe(expected.length);
        expect(scan(store, term)).toEqual(expected);
      }
    };
    check();
    for (let round = 0; round < 120; round++) {
      const term = ids[Math.floor(random() * ids.length)]!;
      const list = model[term]!;
      const kind = round % 10;
      if (kind === 3 && list.size > 0) {
        // Most of a list goes (blocks merge, a long list becomes one extent again), then comes back in another order.
        const gone = [...list.keys()].filter(() => random() < 0.9);
        for (const slot of gone) {
          store.remove(term, slot);
          list.delete(slot);
        }
        check();
        for (const slot of gone.reverse()) {
          const packed = 1 + Math.floor(random() * 0xfff);
          store.add(term, slot, packed);
          list.set(slot, packed);
        }
      } else if (kind === 6) {
        // A list emptied, its term given up and taken again (a new term reuses the id), then filled from nothing.
        for (const slot of [...list.keys()]) store.remove(term, slot);
        list.clear();
        store.dropTerm(term);
        expect(store.newTerm()).toBe(term);
        for (let i = 0; i < 300; i++) {
          const slot = Math.floor(random() * 8000);
          if (list.has(slot)) continue;
          store.add(term, slot, 7);
          list.set(slot, 7);
        }
      } else {
        for (let i = 0; i < 200; i++) {
          const slot = Math.floor(random() * 8000);
          if (list.has(slot)) {
            store.remove(term, slot);
            list.delete(slot);
          } else {
            const packed = 1 + Math.floor(random() * 0xfff);
            store.add(term, slot, packed);
            list.set(slot, packed);
          }
        }
      }
      check();
    }
    // A new term starts empty and grows from one posting.
    const fresh = store.newTerm();
    expect(store.length(fresh)).toBe(0);
    expect(store.blockCount(fresh)).toBe(0);
    store.add(fresh, 42, 1);
    expect(scan(store, fresh)).toEqual([[42, 1]]);
  });

  it("reuses the space of postings taken out: steady churn does not grow the pool", () => {
    const random = createRandom(29);
    const model = Array.from({ length: 40 }, (_, term) => {
      const list = new Map<number, number>();
      while (list.size < 20 + term * 40) list.set(Math.floor(random() * 20_000), 1);
      return list;
    });
    const store = builtStore(model);
    const churn = () => {
      for (let i = 0; i < 20_000; i++) {
        const term = Math.floor(random() * model.length);
        const list = model[term]!;
        // As many postings go as come: the lists keep their lengths, their slots move.
        const slot = [...list.keys()][Math.floor(random() * list.size)]!;
        store.remove(term, slot);
        list.delete(slot);
        let fresh = Math.floor(random() * 20_000);
        while (list.has(fresh)) fresh = Math.floor(random() * 20_000);
        store.add(term, fresh, 1);
        list.set(fresh, 1);
      }
    };
    churn();
    const settled = store.entries;
    for (let round = 0; round < 5; round++) churn();
    expect(store.entries).toBe(settled);
    for (let term = 0; term < model.length; term++)
      expect(scan(store, term).map(([slot]) => slot)).toEqual([...model[term]!.keys()].sort((a, b) => a - b));
  });

  it("refuses to remove a posting a list does not hold, and to give up a term that still has postings", () => {
    const store = builtStore([new Map([[3, 1]])]);
    expect(() => store.remove(0, 4)).toThrow(/not in/);
    expect(() => store.dropTerm(0)).toThrow(/still has postings/);
  });
});
