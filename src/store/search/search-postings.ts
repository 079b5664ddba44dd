import { ChunkedNumbers } from "../sliced/chunked-numbers.ts";
import { TermDictionary } from "./search-dictionary.ts";
import { sortSteps } from "../sliced/sort-steps.ts";
import { touchSteps } from "../sliced/touch-steps.ts";
import type { Steps } from "../sliced/time-slice.ts";

/** Fields in the order their term frequencies are packed. */
export const FIELD_COUNT = 4;
/** Occurrences of a term in one field counted at most: BM25 barely tells 15 from more. */
const MAX_FIELD_FREQUENCY = 15;
const BITS_PER_FIELD = 4;
/** Words of a field counted at most for its length. */
export const MAX_FIELD_LENGTH = 0xffff;
/** Terms sorted natively per step of the dictionary's sort: a millisecond or two of string comparisons. */
const TERM_SORT_RUN = 2048;

/**
 * What a build makes: the vocabulary, sorted (the term of rank r has id r in
 * `store`), each term's postings, and per document the words of each field
 * (`fieldLengths[doc * FIELD_COUNT + field]`, capped at MAX_FIELD_LENGTH) and
 * their totals over all documents, uncapped (what the mean lengths are).
 */
export interface BuiltPostings {
  terms: TermDictionary;
  store: PostingStore;
  fieldLengths: Uint16Array;
  fieldTotals: Float64Array;
}

/** The build's record of (term, packed frequencies) per document. */
class EntryBuffer {
  readonly terms = new ChunkedNumbers((length) => new Int32Array(length));
  readonly frequencies = new ChunkedNumbers((length) => new Uint16Array(length));

  get length(): number {
    return this.terms.length;
  }

  push(term: number, frequencies: number): void {
    this.terms.push(term);
    this.frequencies.push(frequencies);
  }
}

/**
 * Builds the postings of `documentCount` documents whose fields' terms
 * `fieldsOf(doc)` returns, in two passes: the first counts each document's
 * terms into a flat buffer and each term's documents, the second places every
 * posting at its term's offset. No per-term object outlives the build. As
 * steps (see time-slice.ts): it yields every few documents.
 */
export function* buildPostings(documentCount: number, fieldsOf: (doc: number) => string[][]): Steps<BuiltPostings> {
  const ids = new Map<string, number>();
  const termsById: string[] = [];
  let documentFrequency = new Uint32Array(1 << 12);
  const fieldLengths = new Uint16Array(documentCount * FIELD_COUNT);
  const totals = new Float64Array(FIELD_COUNT);
  const entryEnds = new Uint32Array(documentCount);
  const entries = new EntryBuffer();
  // For each term, the last document it was seen in and its entry there: no Map per document.
  let lastDoc = new Int32Array(1 << 12).fill(-1);
  let lastEntry = new Uint32Array(1 << 12);

  for (let doc = 0; doc < documentCount; doc++) {
    const fields = fieldsOf(doc);
    for (let field = 0; field < FIELD_COUNT; field++) {
      const terms = fields[field] ?? [];
      fieldLengths[doc * FIELD_COUNT + field] = Math.min(terms.length, MAX_FIELD_LENGTH);
      totals[field]! += terms.length;
      const shift = field * BITS_PER_FIELD;
      for (const term of terms) {
        let id = ids.get(term);
        if (id === undefined) {
          id = termsById.length;
          ids.set(term, id);
          termsById.push(term);
          if (id === lastDoc.length) {
            const grownDoc = new Int32Array(id * 2).fill(-1);
            grownDoc.set(lastDoc);
            lastDoc = grownDoc;
            const grownEntry = new Uint32Array(id * 2);
            grownEntry.set(lastEntry);
            lastEntry = grownEntry;
            const grownFrequency = new Uint32Array(id * 2);
            grownFrequency.set(documentFrequency);
            documentFrequency = grownFrequency;
          }
        }
        if (lastDoc[id] !== doc) {
          lastDoc[id] = doc;
          lastEntry[id] = entries.length;
          documentFrequency[id]!++;
          entries.push(id, 1 << shift);
        } else {
          const entry = lastEntry[id]!;
          const packed = entries.frequencies.get(entry);
          if (((packed >> shift) & MAX_FIELD_FREQUENCY) < MAX_FIELD_FREQUENCY) entries.frequencies.set(entry, packed + (1 << shift));
        }
      }
    }
    entryEnds[doc] = entries.length;
    if ((doc & 31) === 31) yield;
  }
  yield;

  // Sorted in steps: the vocabulary grows with the catalog, and one sort of it all would hold the event loop.
  const byRank = yield* sortSteps(
    termsById.map((_, id) => id),
    (a, b) => (termsById[a]! < termsById[b]! ? -1 : termsById[a]! > termsById[b]! ? 1 : 0),
    TERM_SORT_RUN,
  );
  const rankOf = new Uint32Array(termsById.length);
  const lengths = new Uint32Array(termsById.length);
  byRank.forEach((id, rank) => {
    rankOf[id] = rank;
    lengths[rank] = documentFrequency[id]!;
  });
  const dictionary = new TermDictionary(byRank.map((id) => termsById[id]!));
  ids.clear();

  const { starts, size } = runLayout(lengths);
  const docs = new Int32Array(size);
  const frequencies = new Uint16Array(size);
  yield* touchSteps(docs);
  yield* touchSteps(frequencies);
  const next = starts.slice(0, termsById.length);
  let entry = 0;
  for (let doc = 0; doc < documentCount; doc++) {
    for (const end = entryEnds[doc]!; entry < end; entry++) {
      const rank = rankOf[entries.terms.get(entry)]!;
      const at = next[rank]!++;
      docs[at] = doc;
      frequencies[at] = entries.frequencies.get(entry);
      // A long list's blocks keep a step of room after BUILT_FILL postings.
      if (lengths[rank]! > SHORT_LIST && (at + 1 - starts[rank]!) % SHORT_LIST === BUILT_FILL) next[rank]! += SHORT_LIST - BUILT_FILL;
    }
    if ((doc & 255) === 255) yield;
  }
  const store = yield* PostingStore.fromRuns(starts, lengths, docs, frequencies);
  return { terms: dictionary, store, fieldLengths, fieldTotals: totals };
}

/**
 * One document's distinct terms, in the order first seen, with their packed
 * frequencies, and its fields' lengths (uncapped): what `buildPostings`
 * records for a document, for one added or removed later.
 */
export function documentEntries(fields: readonly string[][]): { terms: string[]; frequencies: number[]; lengths: number[] } {
  const at = new Map<string, number>();
  const terms: string[] = [];
  const frequencies: number[] = [];
  const lengths: number[] = [];
  for (let field = 0; field < FIELD_COUNT; field++) {
    const words = fields[field] ?? [];
    lengths.push(words.length);
    const shift = field * BITS_PER_FIELD;
    for (const word of words) {
      const entry = at.get(word);
      if (entry === undefined) {
        at.set(word, terms.length);
        terms.push(word);
        frequencies.push(1 << shift);
      } else if (((frequencies[entry]! >> shift) & MAX_FIELD_FREQUENCY) < MAX_FIELD_FREQUENCY) {
        frequencies[entry]! += 1 << shift;
      }
    }
  }
  return { terms, frequencies, lengths };
}

/** The count of `field` in a posting's packed frequencies. */
export function fieldFrequency(packed: number, field: number): number {
  return (packed >> (field * BITS_PER_FIELD)) & MAX_FIELD_FREQUENCY;
}

/** Postings a list holds as one extent at most; a longer one is a directory of blocks (a build cuts it in blocks of this many). */
export const SHORT_LIST = 64;
/** Postings a block of a long list holds at most: full, it splits in two. */
export const BLOCK = 2 * SHORT_LIST;
/**
 * Extents grow and shrink by this many entries (by powers of two below it),
 * so a list or block never has more than about this much room spare: a
 * block doubled when full would leave the long lists, most of the postings,
 * near half empty once changes have touched them.
 */
const STEP = 8;
/**
 * Postings a build puts in each block of SHORT_LIST entries of a long list:
 * a step of room is left, so that a block takes its first few additions in
 * place. Without it, the first addition to a block moves it (the build left
 * it full), and the space it leaves fits no larger block: the long lists
 * would end up in twice their memory once changes have touched them all.
 */
const BUILT_FILL = SHORT_LIST - STEP;
/** Size classes of extents: 1, 2, 4, then every multiple of STEP up to BLOCK. */
const SIZE_CLASSES = Math.log2(STEP) + BLOCK / STEP;
/** Entries of each chunk that changes allocate from (after the build's own arrays). */
const POOL_CHUNK_BITS = 16;
const POOL_CHUNK = 1 << POOL_CHUNK_BITS;
const POOL_CHUNK_MASK = POOL_CHUNK - 1;
/** Numbers kept per term (see PostingStore.terms). */
const TERM_FIELDS = 4;
/** Terms a store built from runs takes in between two yields. */
const TERMS_PER_STEP = 8192;

/** Where a block of postings lies, for a scan: `slots` and `frequencies` at [from, to). */
export interface BlockView {
  slots: Int32Array;
  frequencies: Uint16Array;
  from: number;
  to: number;
}

/** A growable stack of numbers (free extents, free ids). */
class IntStack {
  private items = new Int32Array(16);
  length = 0;

  push(value: number): void {
    if (this.length === this.items.length) {
      const grown = new Int32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.length++] = value;
  }

  pop(): number {
    return this.items[--this.length]!;
  }
}

/**
 * The blocks of a long posting list, in slot order: for each, where it
 * starts in the pool, how many postings it holds, how many it can hold, and
 * its first slot (what an insertion or removal finds its block by).
 */
class BlockDirectory {
  entries: Int32Array;
  count = 0;

  constructor(capacity: number) {
    this.entries = new Int32Array(Math.max(4, capacity) * 4);
  }

  start(block: number): number {
    return this.entries[block * 4]!;
  }

  length(block: number): number {
    return this.entries[block * 4 + 1]!;
  }

  capacity(block: number): number {
    return this.entries[block * 4 + 2]!;
  }

  first(block: number): number {
    return this.entries[block * 4 + 3]!;
  }

  set(block: number, start: number, length: number, capacity: number, first: number): void {
    const at = block * 4;
    this.entries[at] = start;
    this.entries[at + 1] = length;
    this.entries[at + 2] = capacity;
    this.entries[at + 3] = first;
  }

  setLength(block: number, length: number): void {
    this.entries[block * 4 + 1] = length;
  }

  setFirst(block: number, first: number): void {
    this.entries[block * 4 + 3] = first;
  }

  /** The block `slot` belongs in: the last whose first slot is not above it, or the first block. */
  blockFor(slot: number): number {
    let low = 1;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.first(middle) <= slot) low = middle + 1;
      else high = middle;
    }
    return low - 1;
  }

  /** Makes room for a block at `block`, moving those after it; returns the entries moved. */
  insert(block: number): number {
    if ((this.count + 1) * 4 > this.entries.length) {
      const grown = new Int32Array(this.entries.length * 2);
      grown.set(this.entries);
      this.entries = grown;
    }
    this.entries.copyWithin((block + 1) * 4, block * 4, this.count * 4);
    this.count++;
    return this.count - block;
  }

  /** Takes out the block at `block`; returns the entries moved. */
  remove(block: number): number {
    this.entries.copyWithin(block * 4, (block + 1) * 4, this.count * 4);
    this.count--;
    return this.count - block;
  }
}

/**
 * Every term's postings, kept sorted by document slot and changed in place:
 * adding or removing a posting costs a search and a shift within one block
 * of at most BLOCK postings, however long the list and however large the
 * index. No pass over all terms or all postings ever happens.
 *
 * Postings (slot and packed frequencies, 6 bytes) live in a pool: first the
 * build's arrays, where each term's postings are one run (as dense as a
 * build from scratch makes them), then chunks of POOL_CHUNK entries that
 * changes allocate from, in extents of a power of two up to BLOCK, reused
 * through free lists by size (a larger free extent is split for a smaller
 * need). A list of up to SHORT_LIST postings is one extent, moved to one
 * twice as large when full; a longer list is a directory of blocks (a build
 * cuts its run in blocks of SHORT_LIST), each grown to BLOCK, split in two
 * when full and merged with a neighbour when nearly empty. A chunk of the
 * pool is never copied once made.
 *
 * Per term: where its extent starts, its postings (its document frequency),
 * its extent's capacity, and its directory if long; side by side in one
 * chunked array, so new terms never copy the others.
 */
export class PostingStore {
  private readonly slotArenas: Int32Array[];
  private readonly frequencyArenas: Uint16Array[];
  /** Entries of the build's arrays (arena 0); the chunks' addresses follow. */
  private readonly baseSize: number;
  /** The next address never allocated: the end of what the last chunk gave out. */
  private top: number;
  private readonly free: IntStack[] = Array.from({ length: SIZE_CLASSES }, () => new IntStack());
  /**
   * Per term, side by side (one cache line, where four arrays cost four
   * misses an update): where its extent starts, its postings, its extent's
   * capacity, and its directory in `directories` (-1 for a list that is one extent).
   */
  private readonly terms = new ChunkedNumbers((length) => new Int32Array(length));
  private readonly directories: (BlockDirectory | null)[] = [];
  private readonly freeDirectories: number[] = [];
  private readonly freeTerms = new IntStack();
  /** Postings and directory entries written or moved by changes so far: the work they cost (see SearchIndex.touched). */
  touched = 0;

  private constructor(slots: Int32Array, frequencies: Uint16Array) {
    this.slotArenas = [slots];
    this.frequencyArenas = [frequencies];
    this.baseSize = slots.length;
    this.top = slots.length;
  }

  /**
   * A store over a build's postings, laid out by `runLayout`: the run of term
   * t starts at `starts[t]` and holds `lengths[t]` postings, ascending, in
   * blocks of BUILT_FILL every SHORT_LIST entries when it is longer than
   * SHORT_LIST. As steps.
   */
  static *fromRuns(starts: Uint32Array, lengths: Uint32Array, slots: Int32Array, frequencies: Uint16Array): Steps<PostingStore> {
    const store = new PostingStore(slots, frequencies);
    for (let term = 0; term < lengths.length; term++) {
      if ((term & (TERMS_PER_STEP - 1)) === TERMS_PER_STEP - 1) yield;
      const start = starts[term]!;
      const length = lengths[term]!;
      store.terms.push(start);
      store.terms.push(length);
      store.terms.push(length);
      if (length <= SHORT_LIST) {
        store.terms.push(-1);
        continue;
      }
      const directory = new BlockDirectory(Math.ceil(length / BUILT_FILL));
      for (let at = 0; at < length; at += BUILT_FILL) {
        const size = Math.min(BUILT_FILL, length - at);
        const blockStart = start + (at / BUILT_FILL) * SHORT_LIST;
        const capacity = at + BUILT_FILL < length ? SHORT_LIST : capacityFor(size + SHORT_LIST - BUILT_FILL);
        directory.set(directory.count++, blockStart, size, capacity, slots[blockStart]!);
      }
      store.terms.push(store.directories.length);
      store.directories.push(directory);
    }
    return store;
  }

  /** Entries the pool holds, used or free: what its postings cost in memory (6 bytes each). */
  get entries(): number {
    return this.baseSize + (this.slotArenas.length - 1) * POOL_CHUNK;
  }

  /** Ids given out, free ones included: every id is below. */
  get termCapacity(): number {
    return this.terms.length / TERM_FIELDS;
  }

  /** Postings of `term`: its document frequency. */
  length(term: number): number {
    return this.terms.get(term * TERM_FIELDS + 1);
  }

  private startOf(term: number): number {
    return this.terms.get(term * TERM_FIELDS);
  }

  private capacityOf(term: number): number {
    return this.terms.get(term * TERM_FIELDS + 2);
  }

  private directoryIndex(term: number): number {
    return this.terms.get(term * TERM_FIELDS + 3);
  }

  private setStart(term: number, start: number): void {
    this.terms.set(term * TERM_FIELDS, start);
  }

  private setLength(term: number, length: number): void {
    this.terms.set(term * TERM_FIELDS + 1, length);
  }

  private setCapacity(term: number, capacity: number): void {
    this.terms.set(term * TERM_FIELDS + 2, capacity);
  }

  private setDirectory(term: number, index: number): void {
    this.terms.set(term * TERM_FIELDS + 3, index);
  }

  /** A new term with no postings; its id may be one given up before. */
  newTerm(): number {
    if (this.freeTerms.length > 0) return this.freeTerms.pop();
    const term = this.termCapacity;
    this.terms.push(0);
    this.terms.push(0);
    this.terms.push(0);
    this.terms.push(-1);
    return term;
  }

  /** Gives up a term left with no postings; its id may be given out again. */
  dropTerm(term: number): void {
    if (this.length(term) !== 0) throw new Error(`PostingStore.dropTerm: term ${term} still has postings`);
    this.freeTerms.push(term);
  }

  blockCount(term: number): number {
    const directory = this.directoryIndex(term);
    if (directory >= 0) return this.directories[directory]!.count;
    return this.length(term) > 0 ? 1 : 0;
  }

  /** Points `view` at block `block` of `term`'s postings. */
  readBlock(term: number, block: number, view: BlockView): void {
    const index = this.directoryIndex(term);
    let start: number;
    let length: number;
    if (index >= 0) {
      const directory = this.directories[index]!;
      start = directory.start(block);
      length = directory.length(block);
    } else {
      start = this.startOf(term);
      length = this.length(term);
    }
    const arena = this.arenaOf(start);
    const from = this.offsetOf(start);
    view.slots = this.slotArenas[arena]!;
    view.frequencies = this.frequencyArenas[arena]!;
    view.from = from;
    view.to = from + length;
  }

  /** Adds the posting of `slot` (not yet in the list) to `term`'s list. */
  add(term: number, slot: number, frequencies: number): void {
    const index = this.directoryIndex(term);
    const length = this.length(term);
    if (index >= 0) this.addToBlocks(this.directories[index]!, slot, frequencies);
    else if (length >= SHORT_LIST) {
      // A list grown past one extent becomes a directory of blocks, its extent the first.
      const directory = this.directoryFor(term);
      directory.set(0, this.startOf(term), length, this.capacityOf(term), this.slotAt(this.startOf(term)));
      directory.count = 1;
      this.addToBlocks(directory, slot, frequencies);
    } else {
      let start = this.startOf(term);
      const capacity = this.capacityOf(term);
      if (length === capacity) {
        const grown = capacityFor(length + 1);
        const moved = this.allocate(grown);
        this.move(start, moved, length);
        if (capacity > 0) this.release(start, capacity);
        this.setStart(term, (start = moved));
        this.setCapacity(term, grown);
      }
      this.insertAt(start, length, this.search(start, length, slot), slot, frequencies);
    }
    this.setLength(term, length + 1);
  }

  /** Removes the posting of `slot` from `term`'s list (where it must be). */
  remove(term: number, slot: number): void {
    const index = this.directoryIndex(term);
    const length = this.length(term) - 1;
    if (index >= 0) {
      const directory = this.directories[index]!;
      this.removeFromBlocks(directory, slot);
      this.setLength(term, length);
      if (directory.count === 0 || (directory.count === 1 && directory.length(0) <= SHORT_LIST / 2)) {
        // Empty or short again: back to one extent (or none), without its directory.
        this.setStart(term, directory.count === 0 ? 0 : directory.start(0));
        this.setCapacity(term, directory.count === 0 ? 0 : directory.capacity(0));
        this.setDirectory(term, -1);
        this.directories[index] = null;
        this.freeDirectories.push(index);
      }
      return;
    }
    const start = this.startOf(term);
    const capacity = this.capacityOf(term);
    const at = this.search(start, length + 1, slot);
    if (at > length || this.slotAt(start + at) !== slot) throw new Error(`PostingStore.remove: slot ${slot} is not in term ${term}'s list`);
    this.removeAt(start, length + 1, at);
    this.setLength(term, length);
    if (length === 0) {
      this.release(start, capacity);
      this.setCapacity(term, 0);
    } else if (capacity - length >= 2 * STEP) {
      // A list with two steps of room spare moves to an extent one step larger than it: freed space is reused.
      const shrunk = capacityFor(length + 1);
      const moved = this.allocate(shrunk);
      this.move(start, moved, length);
      this.release(start, capacity);
      this.setStart(term, moved);
      this.setCapacity(term, shrunk);
    }
  }

  private directoryFor(term: number): BlockDirectory {
    const directory = new BlockDirectory(4);
    const index = this.freeDirectories.pop() ?? this.directories.length;
    this.directories[index] = directory;
    this.setDirectory(term, index);
    return directory;
  }

  private addToBlocks(directory: BlockDirectory, slot: number, frequencies: number): void {
    let block = directory.blockFor(slot);
    const length = directory.length(block);
    if (length === directory.capacity(block)) {
      const start = directory.start(block);
      if (length < BLOCK) {
        this.resize(directory, block, capacityFor(length + 1));
      } else {
        // Full: its halves go to extents of their own, each with a step of room.
        const half = length >> 1;
        const low = this.allocate(capacityFor(half + 1));
        const high = this.allocate(capacityFor(length - half + 1));
        this.move(start, low, half);
        this.move(start + half, high, length - half);
        this.release(start, directory.capacity(block));
        directory.set(block, low, half, capacityFor(half + 1), directory.first(block));
        this.touched += directory.insert(block + 1);
        directory.set(block + 1, high, length - half, capacityFor(length - half + 1), this.slotAt(high));
        if (slot >= directory.first(block + 1)) block++;
      }
    }
    const start = directory.start(block);
    const size = directory.length(block);
    const at = this.search(start, size, slot);
    this.insertAt(start, size, at, slot, frequencies);
    directory.setLength(block, size + 1);
    if (at === 0) directory.setFirst(block, slot);
  }

  private removeFromBlocks(directory: BlockDirectory, slot: number): void {
    const block = directory.blockFor(slot);
    const start = directory.start(block);
    const length = directory.length(block);
    const at = this.search(start, length, slot);
    if (at >= length || this.slotAt(start + at) !== slot) throw new Error(`PostingStore.remove: slot ${slot} is not in its list`);
    this.removeAt(start, length, at);
    const left = length - 1;
    directory.setLength(block, left);
    if (left === 0) {
      this.release(start, directory.capacity(block));
      this.touched += directory.remove(block);
      return;
    }
    if (at === 0) directory.setFirst(block, this.slotAt(start));
    // A small block joins a neighbour when both fit in one; one with two steps of room spare gives one back.
    if (left < BLOCK / 8) {
      if (block + 1 < directory.count && left + directory.length(block + 1) < BLOCK) {
        this.join(directory, block);
        return;
      }
      if (block > 0 && directory.length(block - 1) + left < BLOCK) {
        this.join(directory, block - 1);
        return;
      }
    }
    if (directory.capacity(block) - left >= 2 * STEP) this.resize(directory, block, capacityFor(left + 1));
  }

  /** Moves block `block` to an extent of `capacity`. */
  private resize(directory: BlockDirectory, block: number, capacity: number): void {
    const start = directory.start(block);
    const length = directory.length(block);
    const moved = this.allocate(capacity);
    this.move(start, moved, length);
    this.release(start, directory.capacity(block));
    directory.set(block, moved, length, capacity, directory.first(block));
  }

  /** Makes blocks `block` and `block + 1` one. */
  private join(directory: BlockDirectory, block: number): void {
    const length = directory.length(block);
    const next = directory.length(block + 1);
    const capacity = capacityFor(length + next + 1);
    const joined = this.allocate(capacity);
    this.move(directory.start(block), joined, length);
    this.move(directory.start(block + 1), joined + length, next);
    this.release(directory.start(block), directory.capacity(block));
    this.release(directory.start(block + 1), directory.capacity(block + 1));
    directory.set(block, joined, length + next, capacity, directory.first(block));
    this.touched += directory.remove(block + 1);
  }

  private arenaOf(address: number): number {
    return address < this.baseSize ? 0 : 1 + ((address - this.baseSize) >>> POOL_CHUNK_BITS);
  }

  private offsetOf(address: number): number {
    return address < this.baseSize ? address : (address - this.baseSize) & POOL_CHUNK_MASK;
  }

  private slotAt(address: number): number {
    return this.slotArenas[this.arenaOf(address)]![this.offsetOf(address)]!;
  }

  /** The first index in the extent's `length` postings whose slot is not below `slot`. */
  private search(start: number, length: number, slot: number): number {
    const slots = this.slotArenas[this.arenaOf(start)]!;
    const base = this.offsetOf(start);
    let low = 0;
    let high = length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (slots[base + middle]! < slot) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private insertAt(start: number, length: number, at: number, slot: number, frequencies: number): void {
    const arena = this.arenaOf(start);
    const base = this.offsetOf(start);
    const slots = this.slotArenas[arena]!;
    const packed = this.frequencyArenas[arena]!;
    // A loop: the shifts are short (within one block), and copyWithin's call costs more than moving a few dozen numbers.
    for (let i = base + length; i > base + at; i--) {
      slots[i] = slots[i - 1]!;
      packed[i] = packed[i - 1]!;
    }
    slots[base + at] = slot;
    packed[base + at] = frequencies;
    this.touched += length - at + 1;
  }

  private removeAt(start: number, length: number, at: number): void {
    const arena = this.arenaOf(start);
    const base = this.offsetOf(start);
    const slots = this.slotArenas[arena]!;
    const packed = this.frequencyArenas[arena]!;
    for (let i = base + at; i < base + length - 1; i++) {
      slots[i] = slots[i + 1]!;
      packed[i] = packed[i + 1]!;
    }
    this.touched += length - at;
  }

  /** Copies `count` postings from one extent to another (never overlapping). */
  private move(from: number, to: number, count: number): void {
    if (count === 0) return;
    const fromSlots = this.slotArenas[this.arenaOf(from)]!;
    const fromPacked = this.frequencyArenas[this.arenaOf(from)]!;
    const toSlots = this.slotArenas[this.arenaOf(to)]!;
    const toPacked = this.frequencyArenas[this.arenaOf(to)]!;
    const source = this.offsetOf(from);
    const target = this.offsetOf(to);
    for (let i = 0; i < count; i++) {
      toSlots[target + i] = fromSlots[source + i]!;
      toPacked[target + i] = fromPacked[source + i]!;
    }
    this.touched += count;
  }

  /** An extent of `capacity` entries (a size class: see `capacityFor`): a free one, the start of a larger free one, or new. */
  private allocate(capacity: number): number {
    const wanted = classOf(capacity);
    for (let size = wanted; size < SIZE_CLASSES; size++) {
      if (this.free[size]!.length === 0) continue;
      const start = this.free[size]!.pop();
      // What is left of a larger extent goes back, in classes of its own.
      this.release(start + capacity, sizeOf(size) - capacity);
      return start;
    }
    const used = (this.top - this.baseSize) & POOL_CHUNK_MASK;
    if (this.top === this.baseSize || used === 0 || used + capacity > POOL_CHUNK) {
      // A new chunk; what the last one had left goes to the free lists.
      if (this.top > this.baseSize && used !== 0) {
        this.release(this.top, POOL_CHUNK - used);
        this.top += POOL_CHUNK - used;
      }
      this.slotArenas.push(new Int32Array(POOL_CHUNK));
      this.frequencyArenas.push(new Uint16Array(POOL_CHUNK));
    }
    const start = this.top;
    this.top += capacity;
    return start;
  }

  /** Gives back an extent of `capacity` entries (of any size), as free extents of the size classes. */
  private release(start: number, capacity: number): void {
    let at = start;
    for (let left = capacity; left > 0; ) {
      const size = left >= BLOCK ? BLOCK : left >= STEP ? left - (left % STEP) : 2 ** Math.floor(Math.log2(left));
      this.free[classOf(size)]!.push(at);
      at += size;
      left -= size;
    }
  }
}

/**
 * Where a build puts each term's postings, given how many each has: one run
 * after another, a short list's exactly its length, a long one's in blocks
 * of SHORT_LIST entries holding BUILT_FILL postings each (the last holding
 * the rest, with as much room).
 */
export function runLayout(lengths: Uint32Array): { starts: Uint32Array; size: number } {
  const starts = new Uint32Array(lengths.length);
  let size = 0;
  for (let term = 0; term < lengths.length; term++) {
    starts[term] = size;
    const length = lengths[term]!;
    if (length <= SHORT_LIST) {
      size += length;
      continue;
    }
    const full = Math.ceil(length / BUILT_FILL) - 1;
    size += full * SHORT_LIST + capacityFor(length - full * BUILT_FILL + SHORT_LIST - BUILT_FILL);
  }
  return { starts, size };
}

/**
 * The extent for `count` entries: its size class, the least that holds them
 * (a power of two below STEP, a multiple of STEP from there, at most BLOCK).
 */
function capacityFor(count: number): number {
  if (count >= BLOCK) return BLOCK;
  return count <= STEP / 2 ? nextPowerOfTwo(count) : Math.ceil(count / STEP) * STEP;
}

/** The size class of an extent of `capacity` entries (one `capacityFor` gives). */
function classOf(capacity: number): number {
  return capacity < STEP ? Math.log2(capacity) : Math.log2(STEP) - 1 + capacity / STEP;
}

/** The entries of an extent of size class `size`. */
function sizeOf(size: number): number {
  const small = Math.log2(STEP);
  return size < small ? 2 ** size : (size - small + 1) * STEP;
}

function nextPowerOfTwo(value: number): number {
  return value <= 1 ? 1 : 2 ** Math.ceil(Math.log2(value));
}
