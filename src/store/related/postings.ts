import { Int32Column } from "./columns.ts";

/** Numbers per chunk of a pool (256 KiB of 32-bit numbers); a block never straddles two chunks. */
const CHUNK_BITS = 16;
const CHUNK_LENGTH = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_LENGTH - 1;
/** A page, the largest block: a list longer than a page continues on further pages, never copied. */
const PAGE_BITS = 10;
const PAGE_LENGTH = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_LENGTH - 1;
/** The smallest block: 4 numbers. */
const SMALLEST_CLASS = 2;
const TERM_BITS = 14;

/**
 * A term's weight in an article as a code of one byte: twice its
 * field-weighted count (field weights are multiples of a half), at most 255.
 * A posting holds it beside the article's slot, in one 32-bit number.
 */
export const WEIGHT_CODE_BITS = 8;
const WEIGHT_CODE_MASK = (1 << WEIGHT_CODE_BITS) - 1;
/** Slots a posting can name: 2^23, over 8 million articles. */
export const MAX_SLOTS = 2 ** (31 - WEIGHT_CODE_BITS);

export function weightCode(count: number): number {
  return Math.min(WEIGHT_CODE_MASK, Math.round(count * 2));
}

/** The weight a code stands for: 1 + log of the count (a term met once weighs 1, and each repeat less than the one before). */
export const WEIGHTS = Float64Array.from({ length: WEIGHT_CODE_MASK + 1 }, (_, code) => (code === 0 ? 0 : 1 + Math.log(code / 2)));

/**
 * Blocks of 2^c numbers (c up to PAGE_BITS) carved from fixed chunks, with a
 * free list per size, for lists that grow and shrink in place: no typed array
 * per list (each costs about a hundred bytes of its own), and no move ever
 * copies more than a page. A block is named by a handle: chunk × CHUNK_LENGTH
 * + start.
 */
export class BlockPool {
  readonly chunks: Int32Array[] = [];
  private readonly free: number[][] = Array.from({ length: PAGE_BITS + 1 }, () => []);
  /** Numbers used of the last chunk. */
  private used = CHUNK_LENGTH;

  allocate(sizeClass: number): number {
    const reused = this.free[sizeClass]!.pop();
    if (reused !== undefined) return reused;
    const size = 1 << sizeClass;
    if (this.used + size > CHUNK_LENGTH) {
      this.releaseRest();
      this.chunks.push(new Int32Array(CHUNK_LENGTH));
      this.used = 0;
    }
    const handle = (this.chunks.length - 1) * CHUNK_LENGTH + this.used;
    this.used += size;
    return handle;
  }

  release(handle: number, sizeClass: number): void {
    this.free[sizeClass]!.push(handle);
  }

  /** Copies `length` numbers from one block to another. */
  copy(from: number, to: number, length: number): void {
    const source = from & CHUNK_MASK;
    this.chunks[to >>> CHUNK_BITS]!.set(this.chunks[from >>> CHUNK_BITS]!.subarray(source, source + length), to & CHUNK_MASK);
  }

  /** The chunk a block is in (the block starts at `startOf(handle)` there). */
  chunkOf(handle: number): Int32Array {
    return this.chunks[handle >>> CHUNK_BITS]!;
  }

  startOf(handle: number): number {
    return handle & CHUNK_MASK;
  }

  get(handle: number, at: number): number {
    return this.chunks[handle >>> CHUNK_BITS]![(handle & CHUNK_MASK) + at]!;
  }

  set(handle: number, at: number, value: number): void {
    this.chunks[handle >>> CHUNK_BITS]![(handle & CHUNK_MASK) + at] = value;
  }

  /** The end of the last chunk, too short for the block asked for, kept as smaller free blocks. */
  private releaseRest(): void {
    if (this.chunks.length === 0) return;
    const base = (this.chunks.length - 1) * CHUNK_LENGTH;
    for (let sizeClass = PAGE_BITS; sizeClass >= SMALLEST_CLASS; sizeClass--) {
      while (this.used + (1 << sizeClass) <= CHUNK_LENGTH) {
        this.free[sizeClass]!.push(base + this.used);
        this.used += 1 << sizeClass;
      }
    }
  }
}

/** The size class of a block for `length` numbers (at least the smallest, at most a page). */
export function sizeClassFor(length: number): number {
  let sizeClass = SMALLEST_CLASS;
  while (1 << sizeClass < length && sizeClass < PAGE_BITS) sizeClass++;
  return sizeClass;
}

/**
 * Each term's postings: the article slots that keep the term, each with the
 * code of the weight the term has there (which depends on that article
 * alone). Order within a list means nothing: a removal moves the last
 * posting into the hole, so adding or removing a posting costs the same
 * whatever the length of the list. A list lives in one block while it fits a
 * page (doubled or halved as it grows or shrinks), then on further pages.
 */
export class PostingLists {
  private readonly pool = new BlockPool();
  private readonly lengths = new Int32Column(TERM_BITS);
  /** Each list's first block (a page once the list is longer than one), and its size class. */
  private readonly heads = new Int32Column(TERM_BITS);
  private readonly classes = new Int32Column(TERM_BITS);
  /** The pages after the first, of the lists longer than a page. */
  private readonly pages = new Map<number, number[]>();
  /** Postings written, moved or copied since the lists were made: the work of every change, counted. */
  touched = 0;

  lengthOf(term: number): number {
    this.lengths.reach(term);
    return this.lengths.get(term);
  }

  /** Adds a posting at the end of the term's list: its position there. */
  append(term: number, slot: number, code: number): number {
    const length = this.lengthOf(term);
    let block: number;
    if (length < PAGE_LENGTH) {
      const sizeClass = length === 0 ? SMALLEST_CLASS - 1 : this.classes.get(term);
      if (length === 0 || length === 1 << sizeClass) this.moveHead(term, length, sizeClass + 1);
      block = this.heads.get(term);
    } else {
      let pages = this.pages.get(term);
      if (!pages) this.pages.set(term, (pages = []));
      if ((length & PAGE_MASK) === 0) pages.push(this.pool.allocate(PAGE_BITS));
      block = pages[pages.length - 1]!;
    }
    this.pool.set(block, length & PAGE_MASK, (slot << WEIGHT_CODE_BITS) | code);
    this.lengths.set(term, length + 1);
    this.touched++;
    return length;
  }

  /**
   * Removes the posting at `position` by moving the list's last one into it:
   * the slot moved (whose position is now `position`), or -1 when the posting
   * removed was the last.
   */
  removeAt(term: number, position: number): number {
    const last = this.lengthOf(term) - 1;
    let moved = -1;
    if (position !== last) {
      const posting = this.pool.get(this.blockAt(term, last), last & PAGE_MASK);
      this.pool.set(this.blockAt(term, position), position & PAGE_MASK, posting);
      moved = posting >>> WEIGHT_CODE_BITS;
      this.touched++;
    }
    this.lengths.set(term, last);
    if (last >= PAGE_LENGTH) {
      // A page emptied is given back; the first block stays a full page while the list is longer.
      if ((last & PAGE_MASK) === 0) {
        const pages = this.pages.get(term)!;
        this.pool.release(pages.pop()!, PAGE_BITS);
        if (pages.length === 0) this.pages.delete(term);
      }
    } else if (last === 0) {
      this.pool.release(this.heads.get(term), this.classes.get(term));
    } else {
      // Halved once a quarter full: a list that was long once does not keep its room.
      const sizeClass = this.classes.get(term);
      if (sizeClass > SMALLEST_CLASS && last * 4 <= 1 << sizeClass) this.moveHead(term, last, sizeClass - 1);
    }
    return moved;
  }

  /**
   * For every slot in the term's list but `self`, adds `factor` × its weight
   * to `sums[2 × slot]` (a dot product) and `squareFactor` × its weight² to
   * `sums[2 × slot + 1]` (the part of its squared norm the terms met so far
   * make), listing in `touched` each slot met for the first time (whose dot
   * was 0): the new count of `touched`. The two sums of a slot sit side by
   * side, one cache line for both.
   */
  accumulate(
    term: number,
    factor: number,
    squareFactor: number,
    self: number,
    sums: Float64Array,
    touched: Int32Array,
    touchedCount: number,
  ): number {
    const length = this.lengthOf(term);
    if (length === 0) return touchedCount;
    let count = this.visit(this.heads.get(term), Math.min(length, PAGE_LENGTH), factor, squareFactor, self, sums, touched, touchedCount);
    if (length > PAGE_LENGTH) {
      const pages = this.pages.get(term)!;
      for (let page = 0; page < pages.length; page++) {
        const inPage = Math.min(PAGE_LENGTH, length - (page + 1) * PAGE_LENGTH);
        count = this.visit(pages[page]!, inPage, factor, squareFactor, self, sums, touched, count);
      }
    }
    return count;
  }

  private visit(
    block: number,
    length: number,
    factor: number,
    squareFactor: number,
    self: number,
    sums: Float64Array,
    touched: Int32Array,
    touchedCount: number,
  ): number {
    const postings = this.pool.chunkOf(block);
    const start = this.pool.startOf(block);
    let count = touchedCount;
    for (let p = start; p < start + length; p++) {
      const posting = postings[p]!;
      const other = posting >>> WEIGHT_CODE_BITS;
      if (other === self) continue;
      const at = other << 1;
      const dot = sums[at]!;
      if (dot === 0) touched[count++] = other;
      const weight = WEIGHTS[posting & WEIGHT_CODE_MASK]!;
      sums[at] = dot + factor * weight;
      sums[at + 1] = sums[at + 1]! + squareFactor * weight * weight;
    }
    return count;
  }

  private blockAt(term: number, position: number): number {
    return position < PAGE_LENGTH ? this.heads.get(term) : this.pages.get(term)![(position >>> PAGE_BITS) - 1]!;
  }

  /** Moves a list's first block to one of another size (a new list: to its first block). */
  private moveHead(term: number, length: number, sizeClass: number): void {
    this.heads.reach(term);
    this.classes.reach(term);
    const block = this.pool.allocate(sizeClass);
    if (length > 0) {
      const old = this.heads.get(term);
      this.pool.copy(old, block, length);
      this.pool.release(old, this.classes.get(term));
      this.touched += length;
    }
    this.heads.set(term, block);
    this.classes.set(term, sizeClass);
  }
}
