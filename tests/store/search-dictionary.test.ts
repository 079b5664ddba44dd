import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRandom } from "../../bench/synthetic-text.ts";
import { CHUNK_TERMS, TermDictionary, TermSet } from "../../src/store/search/search-dictionary.ts";
import { MAX_TERM_CHARS, searchTerms } from "../../src/store/search/search-text.ts";
import { runToEnd } from "../../src/store/sliced/time-slice.ts";

/** Optimal string alignment distance, the plain way: what `fuzzy` must agree with. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

const sortedTerms = (words: string[]) => [...new Set(words)].sort();
// A small alphabet, so that random words share prefixes and come within a few edits of each other.
const word = fc.string({ unit: fc.constantFrom("a", "b", "c", "é", "ж"), minLength: 1, maxLength: 9 });

describe("term dictionary", () => {
  const dictionary = new TermDictionary(sortedTerms(["battery", "batter", "batteries", "bat", "solar", "sol", "quantum", "zürich"]));

  it("finds terms by rank and tells unknown ones", () => {
    const rank = dictionary.find("batter");
    expect(dictionary.term(rank)).toBe("batter");
    expect(dictionary.termLength(rank)).toBe(6);
    expect(dictionary.find("batt")).toBe(-1);
    expect(dictionary.find("zz")).toBe(-1);
    expect(dictionary.find("zürich")).toBeGreaterThanOrEqual(0);
  });

  it("gives the range of the terms a prefix starts", () => {
    const [from, to] = dictionary.prefixRange("batt");
    expect(Array.from({ length: to - from }, (_, i) => dictionary.term(from + i))).toEqual(["batter", "batteries", "battery"]);
    expect(dictionary.prefixRange("x")[0]).toBe(dictionary.prefixRange("x")[1]);
  });

  it("agrees with a plain edit distance for every term, distance and query", () => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: 60 }), word, fc.integer({ min: 0, max: 3 }), (words, query, maxDistance) => {
        const terms = sortedTerms(words);
        const found = new TermDictionary(terms).fuzzy(query, maxDistance).map(({ rank, distance }) => [terms[rank], distance]);
        const expected = terms.map((term) => [term, editDistance(term, query)] as const).filter(([, distance]) => distance <= maxDistance);
        expect(found).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("agrees with a plain filter for prefix ranges", () => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: 60 }), word, (words, prefix) => {
        const terms = sortedTerms(words);
        const [from, to] = new TermDictionary(terms).prefixRange(prefix);
        expect(terms.slice(from, to)).toEqual(terms.filter((term) => term.startsWith(prefix)));
      }),
    );
  });
});

describe("term set (the updatable dictionary)", () => {
  /** Words over a small alphabet, so that many share prefixes and come within an edit or two of each other. */
  function randomWord(random: () => number): string {
    const letters = "abcéж";
    const length = 1 + Math.floor(random() * 7);
    return Array.from({ length }, () => letters[Math.floor(random() * letters.length)]!).join("");
  }

  /** The set as built from `terms` (sorted), each term's id its rank. */
  const built = (terms: string[]) => runToEnd(TermSet.fromDictionary(new TermDictionary(terms)));

  it("finds, lists by prefix and by typo exactly what a sorted list of its terms holds, through changes that split, merge and empty chunks", () => {
    const random = createRandom(17);
    const start = sortedTerms(Array.from({ length: 3000 }, () => randomWord(random)));
    // The model: each term with its id.
    const model = new Map(start.map((term, id) => [term, id]));
    const set = built(start);
    let nextId = start.length;
    for (let round = 0; round < 60; round++) {
      // Mostly small changes; a few that add or remove thousands, so chunks split, merge and vanish.
      const big = round % 15 === 7;
      const removed = [...model.keys()].filter(() => random() < (big ? 0.6 : 0.01));
      const added = new Map<string, number>();
      for (let i = 0, count = big ? 2500 : Math.floor(random() * 40); i < count; i++) {
        const term = randomWord(random);
        if (!model.has(term) && !added.has(term)) added.set(term, nextId++);
      }
      const before = set.touched;
      set.change(
        [...added].map(([term, id]) => ({ term, id })),
        removed,
      );
      for (const term of removed) model.delete(term);
      for (const [term, id] of added) model.set(term, id);
      // A small change rebuilds a few chunks, never the whole vocabulary.
      if (!big) expect(set.touched - before).toBeLessThanOrEqual((removed.length + added.size) * CHUNK_TERMS + 64);

      const terms = [...model.keys()].sort();
      expect(set.size).toBe(terms.length);
      for (const term of terms.filter(() => random() < 0.05)) expect(set.find(term)).toBe(model.get(term));
      for (let i = 0; i < 20; i++) {
        const term = randomWord(random);
        expect(set.find(term)).toBe(model.get(term) ?? -1);
      }
      const prefix = randomWord(random).slice(0, 2);
      const listed: [string, number][] = [];
      set.withPrefix(prefix, (id, handle) => listed.push([set.term(handle), id]));
      expect(listed).toEqual(terms.filter((term) => term.startsWith(prefix)).map((term) => [term, model.get(term)]));
      const query = randomWord(random);
      const maxDistance = Math.floor(random() * 3);
      const close: [string, number, number][] = [];
      set.fuzzy(query, maxDistance, (id, handle, distance) => close.push([set.term(handle), id, distance]));
      expect(close).toEqual(
        terms
          .map((term) => [term, model.get(term)!, editDistance(term, query)] as [string, number, number])
          .filter(([, , distance]) => distance <= maxDistance),
      );
    }
  });

  it("takes terms into an empty set and gives them all back", () => {
    const set = built([]);
    expect(set.find("solar")).toBe(-1);
    set.change(
      ["solar", "sol", "battery"].map((term, id) => ({ term, id })),
      [],
    );
    expect(set.find("sol")).toBe(1);
    const listed: string[] = [];
    set.withPrefix("so", (_, handle) => listed.push(set.term(handle)));
    expect(listed).toEqual(["sol", "solar"]);
    set.change([], ["solar", "sol", "battery"]);
    expect(set.size).toBe(0);
    expect(set.find("sol")).toBe(-1);
    set.withPrefix("", () => expect.unreachable());
  });
});

describe("search text", () => {
  it("splits text into lower-case words of two characters or more, long words cut", () => {
    expect(searchTerms("Sodium-ion cells: a 2× gain, don't panic")).toEqual(["sodium", "ion", "cells", "gain", "don", "panic"]);
    expect(searchTerms("x".repeat(100))).toEqual(["x".repeat(MAX_TERM_CHARS)]);
    expect(searchTerms("Crème brûlée")).toEqual(["creme", "brulee"]); // folded: a query without accents finds them
  });
});
