import { describe, expect, it } from "vitest";
import { createRandom } from "../../bench/synthetic-text.ts";
import { IdSlots } from "../../src/store/slots/id-slots.ts";

/** Slots as the indexes keep them: an id per slot, freed slots reused first. */
function slotsModel(expected = 0) {
  const ids: (string | undefined)[] = [];
  const free: number[] = [];
  const table = new IdSlots((slot) => ids[slot], expected);
  const model = new Map<string, number>();
  return {
    table,
    model,
    add(id: string) {
      const held = model.get(id);
      if (held !== undefined) this.remove(id);
      const slot = free.pop() ?? ids.length;
      ids[slot] = id;
      table.set(id, slot);
      model.set(id, slot);
    },
    remove(id: string) {
      const slot = model.get(id);
      expect(table.delete(id)).toBe(slot !== undefined);
      if (slot === undefined) return;
      ids[slot] = undefined;
      free.push(slot);
      model.delete(id);
    },
  };
}

describe("IdSlots", () => {
  it("finds every id's slot as a Map would, through random additions, removals and reused slots", () => {
    const random = createRandom(7);
    const slots = slotsModel();
    const pool = Array.from({ length: 3000 }, (_, i) => `src-${i % 37}:story-${i}`);
    for (let step = 0; step < 40_000; step++) {
      const id = pool[Math.floor(random() * pool.length)]!;
      if (random() < 0.55) slots.add(id);
      else slots.remove(id);
      if (step % 997 === 0) {
        expect(slots.table.size).toBe(slots.model.size);
        for (const candidate of pool) {
          expect(slots.table.get(candidate)).toBe(slots.model.get(candidate));
          expect(slots.table.has(candidate)).toBe(slots.model.has(candidate));
        }
      }
    }
  });

  it("moves an id already held to its new slot rather than holding it twice", () => {
    const ids = ["a", "a"];
    const table = new IdSlots((slot) => ids[slot]);
    table.set("a", 0);
    table.set("a", 1);
    expect(table.size).toBe(1);
    expect(table.get("a")).toBe(1);
  });

  it("stays small: a table sized for 100,000 ids costs about 10 bytes an id, a tenth of a Map", () => {
    const count = 100_000;
    const ids = Array.from({ length: count }, (_, i) => `source:item-${i}`);
    const table = new IdSlots((slot) => ids[slot], count);
    for (const [slot, id] of ids.entries()) table.set(id, slot);
    // The cells are its only storage: an Int32Array at most half full.
    const bytes = (table as unknown as { cells: Int32Array }).cells.byteLength;
    expect(bytes / count).toBeLessThanOrEqual(16);
    expect(table.get("source:item-99999")).toBe(99_999);
    expect(table.get("source:item-100000")).toBeUndefined();
  });

  it("sweeps removed cells instead of growing when ids come and go in equal numbers", () => {
    const slots = slotsModel(1000);
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 1000; i++) slots.add(`round-${round}:${i}`);
      for (let i = 0; i < 1000; i++) slots.remove(`round-${round}:${i}`);
    }
    expect(slots.table.size).toBe(0);
    expect((slots.table as unknown as { cells: Int32Array }).cells.length).toBeLessThanOrEqual(4096);
    slots.add("last");
    expect(slots.table.get("last")).toBe(slots.model.get("last"));
  });
});
