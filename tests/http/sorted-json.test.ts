import { expect, it } from "vitest";
import { sortedJson, sortedKeys } from "../../src/http/validators.ts";
import { createRandom as random } from "../../bench/synthetic-text.ts";

/** Keys in and out of order, integer-like ones (which objects list first, in numeric order) and one JSON.parse keeps as an own key. */
const KEYS = ["a", "b", "B", "first", "until", "9", "10", "0", "__proto__", "é", ""];

/** JSON text of a random value as clients send variables: objects, arrays and scalars, a few levels deep. */
function jsonText(next: () => number, depth: number): string {
  const pick = next();
  if (depth === 0 || pick < 0.3) return JSON.stringify([1, "x", null, true, 2.5, "line\nbreak"][Math.floor(next() * 6)]);
  if (pick < 0.45) return `[${Array.from({ length: Math.floor(next() * 3) }, () => jsonText(next, depth - 1)).join(",")}]`;
  const keys = new Set(Array.from({ length: Math.floor(next() * 5) }, () => KEYS[Math.floor(next() * KEYS.length)]!));
  return `{${[...keys].map((key) => `${JSON.stringify(key)}:${jsonText(next, depth - 1)}`).join(",")}}`;
}

it("writes what JSON.stringify(sortedKeys(value)) writes for any value parsed from JSON, keys in order or not", () => {
  const next = random(7);
  let alreadySorted = 0;
  for (let i = 0; i < 5000; i++) {
    const value: unknown = JSON.parse(jsonText(next, 4));
    const expected = JSON.stringify(sortedKeys(value));
    expect(sortedJson(value), JSON.stringify(value)).toBe(expected);
    if (JSON.stringify(value) === expected) alreadySorted++;
  }
  // Both paths were taken: values already in key order, and values that needed the sorted copy.
  expect(alreadySorted).toBeGreaterThan(500);
  expect(alreadySorted).toBeLessThan(4500);
});
