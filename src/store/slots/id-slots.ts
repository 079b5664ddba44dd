/** Most of the table's cells an index may fill (live and removed entries together) before it grows or is swept. */
const MAX_LOAD = 0.5;
const EMPTY = -1;
/** A cell whose entry was removed: a lookup walks past it, an insertion may take it. */
const REMOVED = -2;
const MIN_CAPACITY = 16;

/**
 * Which slot holds an article, by the article's id: the map both indexes keep
 * from ids to their slots. A `Map<string, number>` of 100,000 ids costs about
 * 37 bytes an entry; this keeps only the slot numbers, in one open-addressed
 * `Int32Array` at most half full (8 to 16 bytes an entry), and finds an entry's
 * id through the index's own record of each slot's id (`idOf`), which the
 * index keeps anyway.
 *
 * The caller's contract: `idOf(slot)` is the id set for `slot` from `set`
 * until `delete` of that id. So a slot's id changes only after its old id was
 * deleted, and is recorded before the new id is set.
 */
export class IdSlots {
  private cells: Int32Array;
  private mask: number;
  private live = 0;
  private removed = 0;

  constructor(
    private readonly idOf: (slot: number) => string | undefined,
    expected = 0,
  ) {
    this.cells = new Int32Array(capacityFor(expected)).fill(EMPTY);
    this.mask = this.cells.length - 1;
  }

  get size(): number {
    return this.live;
  }

  get(id: string): number | undefined {
    const cell = this.find(id);
    return cell < 0 ? undefined : this.cells[cell];
  }

  has(id: string): boolean {
    return this.find(id) >= 0;
  }

  /** Records that `id` is in `slot` (`idOf(slot)` must already say `id`); an id already held moves to `slot`. */
  set(id: string, slot: number): void {
    const held = this.find(id);
    if (held >= 0) {
      this.cells[held] = slot;
      return;
    }
    if ((this.live + this.removed + 1) / this.cells.length > MAX_LOAD) this.resize();
    let cell = hashOf(id) & this.mask;
    while (this.cells[cell]! >= 0) cell = (cell + 1) & this.mask;
    if (this.cells[cell] === REMOVED) this.removed--;
    this.cells[cell] = slot;
    this.live++;
  }

  /** Forgets `id` (before its slot is given another id); false when it was not held. */
  delete(id: string): boolean {
    const cell = this.find(id);
    if (cell < 0) return false;
    this.cells[cell] = REMOVED;
    this.live--;
    this.removed++;
    return true;
  }

  /** The cell holding `id`'s slot, or -1. */
  private find(id: string): number {
    const { cells, mask } = this;
    for (let cell = hashOf(id) & mask; ; cell = (cell + 1) & mask) {
      const slot = cells[cell]!;
      if (slot === EMPTY) return -1;
      if (slot >= 0 && this.idOf(slot) === id) return cell;
    }
  }

  /** Rehashes the live entries into a table sized for them: it grows when they fill it, else it only sweeps removed cells. */
  private resize(): void {
    const old = this.cells;
    this.cells = new Int32Array(capacityFor(this.live + 1)).fill(EMPTY);
    this.mask = this.cells.length - 1;
    this.removed = 0;
    for (const slot of old) {
      if (slot < 0) continue;
      let cell = hashOf(this.idOf(slot)!) & this.mask;
      while (this.cells[cell] !== EMPTY) cell = (cell + 1) & this.mask;
      this.cells[cell] = slot;
    }
  }
}

/** The smallest power of two that holds `entries` at MAX_LOAD, with room to grow by a quarter before the next resize. */
function capacityFor(entries: number): number {
  let capacity = MIN_CAPACITY;
  while (capacity * MAX_LOAD < entries * 1.25) capacity *= 2;
  return capacity;
}

/** FNV-1a, mixed at the end: article ids share long prefixes, and linear probing needs the low bits to differ. */
function hashOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash >>> 0;
}
