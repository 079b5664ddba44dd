import type { Steps } from "../sliced/time-slice.ts";

/**
 * The search index's vocabulary: every distinct term, sorted (UTF-16 code
 * unit order, as `Array.prototype.sort` leaves them), stored as one string
 * with the offsets where each term starts. A term is known by its rank in that
 * order, which is also where its postings are. One string and one typed
 * array cost a few bytes per term, where an array of strings costs a heap
 * object each; the sorted order gives prefix ranges by binary search and lets
 * the typo search walk the vocabulary like a trie.
 */
export class TermDictionary {
  private readonly text: string;
  private readonly starts: Uint32Array;

  /** `terms` must be distinct and sorted; or the text and offsets of such terms, as `slice` and `TermSet` make them. */
  constructor(terms: readonly string[] | { text: string; starts: Uint32Array }) {
    if (!Array.isArray(terms)) {
      const parts = terms as { text: string; starts: Uint32Array };
      this.text = parts.text;
      this.starts = parts.starts;
      return;
    }
    this.text = terms.join("");
    this.starts = new Uint32Array(terms.length + 1);
    let at = 0;
    terms.forEach((term, rank) => {
      this.starts[rank] = at;
      at += term.length;
    });
    this.starts[terms.length] = at;
  }

  get size(): number {
    return this.starts.length - 1;
  }

  term(rank: number): string {
    return this.text.slice(this.starts[rank], this.starts[rank + 1]);
  }

  termLength(rank: number): number {
    return this.starts[rank + 1]! - this.starts[rank]!;
  }

  /** The rank of `term`, or -1. */
  find(term: string): number {
    const rank = this.lowerBound(term, false);
    return rank < this.size && this.compare(rank, term, false) === 0 ? rank : -1;
  }

  /** Ranks [from, to) of the terms that start with `prefix` (the term itself included). */
  prefixRange(prefix: string, from = 0): [number, number] {
    return [this.lowerBound(prefix, false, from), this.lowerBound(prefix, true, from)];
  }

  /**
   * Ranks and distances of the terms within `maxDistance` edits of `query`
   * (insertions, deletions, substitutions and swaps of two neighbouring
   * letters). Terms come in sorted order, so the rows of the edit-distance
   * table for a shared prefix are kept from one term to the next, and a
   * prefix whose row is already beyond `maxDistance` skips every term under it.
   */
  fuzzy(query: string, maxDistance: number): { rank: number; distance: number }[] {
    const matches: { rank: number; distance: number }[] = [];
    this.walkFuzzy(new FuzzyWalk(query, maxDistance), (rank, distance) => matches.push({ rank, distance }));
    return matches;
  }

  /** `fuzzy` with the walk's tables made once for every chunk of a `TermSet`: each match is handed to `found`, in order. */
  walkFuzzy(walk: FuzzyWalk, found: (rank: number, distance: number) => void): void {
    const { m, width, far, maxDepth, maxDistance, wanted, rows } = walk;
    let valid = 0; // rows 0..valid hold the previous term's first letters
    const { text, starts } = this;
    for (let rank = 0; rank < this.size; rank++) {
      const start = starts[rank]!;
      const length = starts[rank + 1]! - start;
      const previous = rank > 0 ? starts[rank - 1]! : 0;
      const shared = Math.min(valid, length, start - previous);
      let depth = 0;
      while (depth < shared && text.charCodeAt(start + depth) === text.charCodeAt(previous + depth)) depth++;
      let pruned = false;
      for (; depth < length; depth++) {
        const k = depth + 1;
        if (k > maxDepth) {
          pruned = true;
          break;
        }
        const char = text.charCodeAt(start + depth);
        const before = depth > 0 ? text.charCodeAt(start + depth - 1) : -1;
        const row = k * width;
        const above = row - width;
        const low = Math.max(1, k - maxDistance);
        const high = Math.min(m, k + maxDistance);
        rows[row + low - 1] = low === 1 ? Math.min(k, far) : far;
        if (high < m) rows[row + high + 1] = far;
        let least = far;
        for (let j = low; j <= high; j++) {
          const queryChar = wanted[j - 1]!;
          let best = rows[above + j - 1]! + (char === queryChar ? 0 : 1);
          const deletion = rows[above + j]! + 1;
          if (deletion < best) best = deletion;
          const insertion = rows[row + j - 1]! + 1;
          if (insertion < best) best = insertion;
          if (j > 1 && char === wanted[j - 2] && before === queryChar) {
            const swap = rows[above - width + j - 2]! + 1;
            if (swap < best) best = swap;
          }
          if (best > far) best = far;
          rows[row + j] = best;
          if (best < least) least = best;
        }
        if (least > maxDistance) {
          pruned = true;
          break;
        }
      }
      if (pruned) {
        // Every later term with this term's first depth + 1 letters fails too.
        valid = depth;
        rank = this.endOfPrefix(rank, depth + 1) - 1;
        continue;
      }
      valid = length;
      if (Math.abs(length - m) > maxDistance) continue;
      const distance = rows[length * width + m]!;
      if (distance <= maxDistance) found(rank, distance);
    }
  }

  /** The terms of ranks [from, to), as a dictionary of their own. */
  slice(from: number, to: number): TermDictionary {
    const base = this.starts[from]!;
    return new TermDictionary({
      text: this.text.slice(base, this.starts[to]),
      starts: this.starts.slice(from, to + 1).map((start) => start - base),
    });
  }

  /** This dictionary's terms, then `next`'s (every one sorting after them). */
  followedBy(next: TermDictionary): TermDictionary {
    const starts = new Uint32Array(this.size + next.size + 1);
    starts.set(this.starts);
    for (let rank = 0; rank <= next.size; rank++) starts[this.size + rank] = this.text.length + next.starts[rank]!;
    return new TermDictionary({ text: this.text + next.text, starts });
  }

  /**
   * This dictionary with the terms of `removed` ranks (ascending) left out
   * and `added` terms (sorted, none already here) put in their places, and,
   * for each rank of the result, the rank it had here (or -1 - i for
   * `added[i]`). Kept terms are copied as runs of the text, not one by one.
   */
  changed(removed: readonly number[], added: readonly string[]): { dictionary: TermDictionary; from: Int32Array } {
    const size = this.size - removed.length + added.length;
    const from = new Int32Array(size);
    const starts = new Uint32Array(size + 1);
    const pieces: string[] = [];
    let at = 0;
    let out = 0;
    let next = 0; // next rank of this dictionary to place
    let gone = 0;
    let put = 0;
    let runStart = 0; // start in `this.text` of the run of kept terms being copied
    const flush = (end: number) => {
      if (end > runStart) pieces.push(this.text.slice(runStart, end));
    };
    while (next < this.size || put < added.length) {
      if (gone < removed.length && removed[gone] === next) {
        flush(this.starts[next]!);
        runStart = this.starts[next + 1]!;
        next++;
        gone++;
        continue;
      }
      if (put < added.length && (next === this.size || this.compare(next, added[put]!, false) > 0)) {
        flush(next < this.size ? this.starts[next]! : this.text.length);
        runStart = next < this.size ? this.starts[next]! : this.text.length;
        const term = added[put]!;
        pieces.push(term);
        starts[out] = at;
        from[out++] = -1 - put++;
        at += term.length;
        continue;
      }
      starts[out] = at;
      from[out++] = next;
      at += this.termLength(next);
      next++;
    }
    flush(this.text.length);
    starts[size] = at;
    return { dictionary: new TermDictionary({ text: pieces.join(""), starts }), from };
  }

  /**
   * The first rank after `rank` whose term does not start with the first
   * `length` letters of term `rank`. Galloping, then halving: most prefixes
   * a typo search skips are shared by a few terms, and a search over the
   * whole rest of the dictionary for each made most of its cost.
   */
  private endOfPrefix(rank: number, length: number): number {
    let low = rank + 1;
    let high = this.size;
    for (let step = 1; low + step - 1 < this.size; step *= 2) {
      if (!this.startsLike(low + step - 1, rank, length)) {
        high = low + step - 1;
        break;
      }
      low += step;
    }
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.startsLike(middle, rank, length)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Whether term `rank` starts with the first `length` letters of term `model`. */
  private startsLike(rank: number, model: number, length: number): boolean {
    const at = this.starts[rank]!;
    if (this.starts[rank + 1]! - at < length) return false;
    const from = this.starts[model]!;
    for (let i = 0; i < length; i++) if (this.text.charCodeAt(at + i) !== this.text.charCodeAt(from + i)) return false;
    return true;
  }

  /**
   * The first rank whose term is not below `key`; with `asPrefix`, the first
   * whose term neither is below `key` nor starts with it.
   */
  private lowerBound(key: string, asPrefix: boolean, from = 0): number {
    let low = from;
    let high = this.size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const order = this.compare(middle, key, asPrefix);
      if (order < 0 || (asPrefix && order === 0)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Term `rank` against `key`: negative, zero or positive; with `asPrefix`, zero when the term starts with `key`. */
  private compare(rank: number, key: string, asPrefix: boolean): number {
    const start = this.starts[rank]!;
    const length = this.starts[rank + 1]! - start;
    const common = Math.min(length, key.length);
    for (let i = 0; i < common; i++) {
      const difference = this.text.charCodeAt(start + i) - key.charCodeAt(i);
      if (difference !== 0) return difference;
    }
    if (asPrefix && length >= key.length) return 0;
    return length - key.length;
  }
}

/** The tables of one typo search, made once and reused by every chunk of a `TermSet` it walks. */
export class FuzzyWalk {
  readonly m: number;
  readonly width: number;
  readonly far: number;
  readonly maxDepth: number;
  readonly wanted: Uint16Array;
  /** rows[depth * width + j]: distance between a term's first `depth` letters and the query's first j; row 0 never changes. */
  readonly rows: Uint8Array;

  constructor(
    query: string,
    readonly maxDistance: number,
  ) {
    this.m = query.length;
    this.width = this.m + 1;
    this.far = maxDistance + 1;
    this.maxDepth = this.m + maxDistance;
    this.wanted = Uint16Array.from(query, (char) => char.charCodeAt(0));
    // Only the band |depth - j| <= maxDistance is computed; the cells beside it hold `far`.
    this.rows = new Uint8Array((this.maxDepth + 1) * this.width);
    for (let j = 0; j < this.width; j++) this.rows[j] = Math.min(j, this.far);
  }
}

/** Terms a chunk of a `TermSet` holds at most: a change rebuilds each chunk it touches, so this bounds its cost per term. */
export const CHUNK_TERMS = 1024;
/** Terms per chunk of a built set, half the most, so a chunk takes many new terms before it splits. */
const BUILT_CHUNK_TERMS = CHUNK_TERMS / 2;
/** A chunk left with fewer terms by a change is merged with the next one when both fit in one. */
const MIN_CHUNK_TERMS = CHUNK_TERMS / 8;
/** Chunks cut from a built dictionary between two yields. */
const CHUNKS_PER_STEP = 64;

interface Chunk {
  terms: TermDictionary;
  /** The id of the term of each rank. */
  ids: Int32Array;
}

/**
 * The updatable vocabulary of the search index: each term, sorted, with an
 * id the caller chose (where its postings are). The sorted terms are cut
 * into chunks of at most CHUNK_TERMS, each a `TermDictionary` (one string
 * and one typed array, as a whole built vocabulary is), found by binary
 * search over their first terms. A change rebuilds only the chunks it
 * touches, splitting those grown too large and merging those left small: a
 * new or vanished term costs a chunk's worth of work however large the
 * vocabulary, where one sorted dictionary would be spliced whole for each.
 * Prefix ranges and the typo walk go through the chunks in order.
 *
 * A term is named outside by a handle, its chunk and rank, valid until the
 * next change: what a search holds between finding terms and reading them.
 */
export class TermSet {
  private chunks: Chunk[] = [];
  /** The first term of each chunk. */
  private firsts: string[] = [];
  /** Terms of chunks rebuilt so far: the work changes cost (see SearchIndex.touched). */
  touched = 0;

  /** The terms of a built dictionary, each with its rank as its id; as steps (see time-slice.ts), a few chunks at a time. */
  static *fromDictionary(terms: TermDictionary): Steps<TermSet> {
    const set = new TermSet();
    for (let from = 0; from < terms.size; from += BUILT_CHUNK_TERMS) {
      const to = Math.min(terms.size, from + BUILT_CHUNK_TERMS);
      const chunk = { terms: terms.slice(from, to), ids: Int32Array.from({ length: to - from }, (_, i) => from + i) };
      set.chunks.push(chunk);
      set.firsts.push(chunk.terms.term(0));
      if (set.chunks.length % CHUNKS_PER_STEP === 0) yield;
    }
    return set;
  }

  get size(): number {
    let size = 0;
    for (const chunk of this.chunks) size += chunk.terms.size;
    return size;
  }

  /** The id of `term`, or -1. */
  find(term: string): number {
    const chunk = this.chunks[this.chunkOf(term)];
    const rank = chunk ? chunk.terms.find(term) : -1;
    return rank < 0 ? -1 : chunk!.ids[rank]!;
  }

  term(handle: number): string {
    return this.chunks[Math.floor(handle / CHUNK_TERMS)]!.terms.term(handle % CHUNK_TERMS);
  }

  termLength(handle: number): number {
    return this.chunks[Math.floor(handle / CHUNK_TERMS)]!.terms.termLength(handle % CHUNK_TERMS);
  }

  /** Each term that starts with `prefix` (the prefix itself included), in order: its id and handle. */
  withPrefix(prefix: string, visit: (id: number, handle: number) => void): void {
    for (let c = Math.max(0, this.chunkOf(prefix)); c < this.chunks.length; c++) {
      const { terms, ids } = this.chunks[c]!;
      const [from, to] = terms.prefixRange(prefix);
      for (let rank = from; rank < to; rank++) visit(ids[rank]!, c * CHUNK_TERMS + rank);
      if (to < terms.size) return;
    }
  }

  /** Each term within `maxDistance` edits of `query` (see TermDictionary.fuzzy), in order: its id, handle and distance. */
  fuzzy(query: string, maxDistance: number, visit: (id: number, handle: number, distance: number) => void): void {
    const walk = new FuzzyWalk(query, maxDistance);
    this.chunks.forEach(({ terms, ids }, c) => {
      terms.walkFuzzy(walk, (rank, distance) => visit(ids[rank]!, c * CHUNK_TERMS + rank, distance));
    });
  }

  /**
   * Puts in `added` terms (none already here) with their ids and takes out
   * `removed` ones (each here): every chunk they fall in is rebuilt once.
   */
  change(added: readonly { term: string; id: number }[], removed: readonly string[]): void {
    if (added.length === 0 && removed.length === 0) return;
    const byChunk = new Map<number, { added: { term: string; id: number }[]; removed: number[] }>();
    const changesOf = (c: number) => {
      let changes = byChunk.get(c);
      if (!changes) byChunk.set(c, (changes = { added: [], removed: [] }));
      return changes;
    };
    for (const term of removed) {
      const c = this.chunkOf(term);
      const rank = this.chunks[c]?.terms.find(term) ?? -1;
      if (rank < 0) throw new Error(`TermSet.change: "${term}" is not in the set`);
      changesOf(c).removed.push(rank);
    }
    for (const entry of added) changesOf(Math.max(0, this.chunkOf(entry.term))).added.push(entry);
    // From the last chunk back, so the chunks not yet rebuilt keep their places.
    for (const c of [...byChunk.keys()].sort((a, b) => b - a)) this.rebuild(c, byChunk.get(c)!);
  }

  private rebuild(c: number, changes: { added: { term: string; id: number }[]; removed: number[] }): void {
    const old = this.chunks[c] ?? { terms: new TermDictionary([]), ids: new Int32Array(0) };
    const added = changes.added.sort((a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
    const { dictionary, from } = old.terms.changed(
      changes.removed.sort((a, b) => a - b),
      added.map((entry) => entry.term),
    );
    const ids = from.map((rank) => (rank >= 0 ? old.ids[rank]! : added[-1 - rank]!.id));
    this.touched += dictionary.size;
    let pieces: Chunk[] = [];
    if (dictionary.size > CHUNK_TERMS) {
      const count = Math.ceil(dictionary.size / BUILT_CHUNK_TERMS);
      for (let i = 0; i < count; i++) {
        const start = Math.floor((i * dictionary.size) / count);
        const end = Math.floor(((i + 1) * dictionary.size) / count);
        pieces.push({ terms: dictionary.slice(start, end), ids: ids.slice(start, end) });
      }
    } else if (dictionary.size > 0) {
      pieces = [{ terms: dictionary, ids }];
    }
    // A small chunk joins the next one (already rebuilt: chunks are rebuilt from the last) when both fit in one.
    const next = this.chunks[c + 1];
    const last = pieces.at(-1);
    let replaced = this.chunks.length > 0 ? 1 : 0;
    if (last && next && last.terms.size < MIN_CHUNK_TERMS && last.terms.size + next.terms.size <= CHUNK_TERMS) {
      const ids = new Int32Array(last.ids.length + next.ids.length);
      ids.set(last.ids);
      ids.set(next.ids, last.ids.length);
      pieces[pieces.length - 1] = { terms: last.terms.followedBy(next.terms), ids };
      replaced++;
      this.touched += ids.length;
    }
    // Chunks after this one move only when the count of chunks changes.
    if (pieces.length !== replaced) this.touched += this.chunks.length - c;
    this.chunks.splice(c, replaced, ...pieces);
    this.firsts.splice(c, replaced, ...pieces.map((piece) => piece.terms.term(0)));
  }

  /** The chunk whose terms `term` would sort among: the last whose first term is not after it (-1 when every one is). */
  private chunkOf(term: string): number {
    let low = 0;
    let high = this.firsts.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.firsts[middle]! <= term) low = middle + 1;
      else high = middle;
    }
    return low - 1;
  }
}
