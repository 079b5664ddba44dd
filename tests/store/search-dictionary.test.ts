import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TermDictionary } from "../../src/store/search/search-dictionary.ts";
import { MAX_TERM_CHARS, searchTerms } from "../../src/store/search/search-text.ts";

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

describe("search text", () => {
  it("splits text into lower-case words of two characters or more, long words cut", () => {
    expect(searchTerms("Sodium-ion cells: a 2× gain, don't panic")).toEqual(["sodium", "ion", "cells", "gain", "don", "panic"]);
    expect(searchTerms("x".repeat(100))).toEqual(["x".repeat(MAX_TERM_CHARS)]);
    expect(searchTerms("Crème brûlée")).toEqual(["crème", "brûlée"]);
  });
});
