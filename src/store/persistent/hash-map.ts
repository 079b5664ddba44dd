/**
 * A persistent map from strings, for the catalog's lookups (stories by id
 * and by canonical URL, counts by source, tags by name): each version is
 * immutable, and a version made by `with` copies only the pages and buckets
 * its keys fall in, sharing the rest with the version before.
 *
 * Two fixed levels of 2^bits pages of 2^bits buckets, addressed by a 32-bit
 * FNV-1a hash of the key; a bucket is one flat array of keys and values. It
 * costs about 30 bytes an entry at a million entries (immutable.js's map
 * cost 133, which put the catalog over its memory target), and a lookup is a
 * hash and a short scan. When the entries outgrow the buckets (8 a bucket on
 * average), the next `with` rebuilds the map one level of bits larger: rare,
 * and linear in the entries.
 */
export class PersistentHashMap<V> {
  private constructor(
    private readonly pages: readonly (Page | undefined)[],
    private readonly bits: number,
    readonly size: number,
  ) {}

  static empty<V>(): PersistentHashMap<V> {
    return new PersistentHashMap<V>(new Array(1 << MIN_BITS), MIN_BITS, 0);
  }

  /** A map of `entries` (a later entry of a key wins), sized for them. */
  static from<V>(entries: Iterable<readonly [string, V]>, sizeHint = 0): PersistentHashMap<V> {
    const builder = new HashMapBuilder<V>(sizeHint);
    for (const [key, value] of entries) builder.set(key, value);
    return builder.build();
  }

  /** @internal for HashMapBuilder */
  static of<V>(pages: readonly (Page | undefined)[], bits: number, size: number): PersistentHashMap<V> {
    return new PersistentHashMap<V>(pages, bits, size);
  }

  get(key: string): V | undefined {
    const bucket = this.bucketOf(key);
    if (bucket) for (let i = 0; i < bucket.length; i += 2) if (bucket[i] === key) return bucket[i + 1] as V;
    return undefined;
  }

  has(key: string): boolean {
    const bucket = this.bucketOf(key);
    if (bucket) for (let i = 0; i < bucket.length; i += 2) if (bucket[i] === key) return true;
    return false;
  }

  /** A new map: `remove` taken out (absent keys ignored), then `set` put in (a later entry of a key wins). `this` is unchanged. */
  with({ remove = [], set = [] }: { remove?: Iterable<string>; set?: Iterable<readonly [string, V]> }): PersistentHashMap<V> {
    const pages = this.pages.slice();
    // Pages and buckets copied by this call, changed in place by its later keys.
    const copied = new Set<unknown>();
    let size = this.size;
    for (const key of remove) if (take(pages, this.bits, key, copied)) size--;
    for (const [key, value] of set) if (put(pages, this.bits, key, value, copied)) size++;
    const map = new PersistentHashMap<V>(pages, this.bits, size);
    return bitsFor(size) > this.bits ? PersistentHashMap.from(map.entries(), size) : map;
  }

  *entries(): IterableIterator<[string, V]> {
    for (const page of this.pages) {
      if (!page) continue;
      for (const bucket of page) if (bucket) for (let i = 0; i < bucket.length; i += 2) yield [bucket[i] as string, bucket[i + 1] as V];
    }
  }

  private bucketOf(key: string): Bucket | undefined {
    const hash = hashOf(key);
    return this.pages[hash >>> (32 - this.bits)]?.[(hash >>> (32 - 2 * this.bits)) & ((1 << this.bits) - 1)];
  }
}

/**
 * Fills a new map one entry at a time (a build that yields between entries
 * sets them as it goes); `build` makes it, each bucket trimmed to its length.
 */
export class HashMapBuilder<V> {
  private pages: (Page | undefined)[];
  private bits: number;
  private size = 0;

  constructor(sizeHint = 0) {
    this.bits = bitsFor(sizeHint);
    this.pages = new Array(1 << this.bits);
  }

  /** Sets a key (a later value wins). */
  set(key: string, value: V): void {
    if (put(this.pages, this.bits, key, value, null)) this.size++;
  }

  build(): PersistentHashMap<V> {
    if (bitsFor(this.size) > this.bits) {
      const entries = [...PersistentHashMap.of<V>(this.pages, this.bits, this.size).entries()];
      this.bits = bitsFor(this.size);
      this.pages = new Array(1 << this.bits);
      this.size = 0;
      for (const [key, value] of entries) this.set(key, value);
    }
    // Arrays grown by push keep spare room: trimmed, a bucket costs its entries alone.
    for (const page of this.pages) if (page) for (let b = 0; b < page.length; b++) if (page[b]) page[b] = page[b]!.slice();
    return PersistentHashMap.of<V>(this.pages, this.bits, this.size);
  }
}

/** Keys and values, alternating. */
type Bucket = unknown[];
type Page = (Bucket | undefined)[];

const MIN_BITS = 3;
const MAX_BITS = 15;
/** Entries per bucket, on average, before the map grows a level of bits. */
const ENTRIES_PER_BUCKET = 8;

/** The least bits (per level) that keep `size` entries within ENTRIES_PER_BUCKET a bucket. */
function bitsFor(size: number): number {
  let bits = MIN_BITS;
  while (bits < MAX_BITS && size > ENTRIES_PER_BUCKET * 2 ** (2 * bits)) bits++;
  return bits;
}

/** FNV-1a over the key's UTF-16 code units, as an unsigned 32-bit number. */
function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The page and bucket index of a key, the page copied into `pages` unless this call made it (`copied`; null: all are its own). */
function writable(pages: (Page | undefined)[], bits: number, key: string, copied: Set<unknown> | null, create: boolean) {
  const hash = hashOf(key);
  const p = hash >>> (32 - bits);
  const b = (hash >>> (32 - 2 * bits)) & ((1 << bits) - 1);
  let page = pages[p];
  if (!page) {
    if (!create) return null;
    page = pages[p] = new Array(1 << bits);
    copied?.add(page);
  } else if (copied && !copied.has(page)) {
    page = pages[p] = page.slice();
    copied.add(page);
  }
  let bucket = page[b];
  if (bucket && copied && !copied.has(bucket)) {
    bucket = page[b] = bucket.slice();
    copied.add(bucket);
  }
  return { page, b, bucket };
}

/** Sets a key; true when it was not there. */
function put(pages: (Page | undefined)[], bits: number, key: string, value: unknown, copied: Set<unknown> | null): boolean {
  const { page, b, bucket } = writable(pages, bits, key, copied, true)!;
  if (!bucket) {
    const made = [key, value];
    copied?.add(made);
    page[b] = made;
    return true;
  }
  for (let i = 0; i < bucket.length; i += 2) {
    if (bucket[i] === key) {
      bucket[i + 1] = value;
      return false;
    }
  }
  bucket.push(key, value);
  return true;
}

/** Removes a key; true when it was there. */
function take(pages: (Page | undefined)[], bits: number, key: string, copied: Set<unknown>): boolean {
  const found = writable(pages, bits, key, copied, false);
  if (!found?.bucket) return false;
  const { page, b, bucket } = found;
  for (let i = 0; i < bucket.length; i += 2) {
    if (bucket[i] === key) {
      bucket.splice(i, 2);
      if (bucket.length === 0) page[b] = undefined;
      return true;
    }
  }
  return false;
}
