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

  /** `terms` must be distinct and sorted. */
  constructor(terms: string[]) {
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
    const m = query.length;
    const width = m + 1;
    const far = maxDistance + 1;
    const maxDepth = m + maxDistance;
    const wanted = Uint16Array.from(query, (char) => char.charCodeAt(0));
    // rows[depth * width + j]: distance between the term's first `depth` letters and the query's first j.
    // Only the band |depth - j| <= maxDistance is computed; the cells beside it hold `far`.
    const rows = new Uint8Array((maxDepth + 1) * width);
    for (let j = 0; j < width; j++) rows[j] = Math.min(j, far);
    const matches: { rank: number; distance: number }[] = [];
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
      if (distance <= maxDistance) matches.push({ rank, distance });
    }
    return matches;
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
