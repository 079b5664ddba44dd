/** Entries per chunk (256 KiB of 32-bit numbers). */
const CHUNK_BITS = 16;
const CHUNK_LENGTH = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_LENGTH - 1;

type NumberArray = Int32Array | Uint16Array | Float32Array;

/**
 * A growable list of numbers for the index builds' scratch records (millions
 * of entries for 100k articles). It grows by adding fixed-size chunks, so it
 * never copies what it holds and never allocates more than a chunk at once. A
 * typed array grown by doubling would copy tens of MiB in one step of a sliced
 * build (into memory fresh from the system, paid page by page): a stall of the
 * event loop.
 */
export class ChunkedNumbers<T extends NumberArray> {
  private readonly chunks: T[] = [];
  length = 0;

  constructor(private readonly makeChunk: (length: number) => T) {}

  push(value: number): void {
    const chunk = this.length >>> CHUNK_BITS;
    if (chunk === this.chunks.length) this.chunks.push(this.makeChunk(CHUNK_LENGTH));
    this.chunks[chunk]![this.length++ & CHUNK_MASK] = value;
  }

  /** The number at `index` (0 ≤ index < length). */
  get(index: number): number {
    return this.chunks[index >>> CHUNK_BITS]![index & CHUNK_MASK]!;
  }

  /** Replaces the number at `index` (0 ≤ index < length). */
  set(index: number, value: number): void {
    this.chunks[index >>> CHUNK_BITS]![index & CHUNK_MASK] = value;
  }
}
