import type { Steps } from "./time-slice.ts";

/**
 * A stable sort as steps (see time-slice.ts): runs of `run` items are sorted
 * natively, one run a step, then merged bottom-up, yielding every `run` items
 * placed. The same order as `Array.prototype.sort` with `compare`; `items` is
 * left as it was. Pick `run` so that sorting one run takes a millisecond or
 * two: fewer items when comparing is costly (tags compared by collation).
 */
export function* sortSteps<T>(items: readonly T[], compare: (a: T, b: T) => number, run: number): Steps<T[]> {
  let from: T[] = items.slice();
  for (let start = 0; start < from.length; start += run) {
    const sorted = from.slice(start, start + run).sort(compare);
    for (let i = 0; i < sorted.length; i++) from[start + i] = sorted[i]!;
    yield;
  }
  let to: T[] = new Array(from.length);
  for (let width = run; width < from.length; width *= 2) {
    let placed = 0;
    for (let left = 0; left < from.length; left += 2 * width) {
      const middle = Math.min(left + width, from.length);
      const end = Math.min(left + 2 * width, from.length);
      let i = left;
      let j = middle;
      for (let k = left; k < end; k++) {
        // Ties take the left run first: stable.
        to[k] = j >= end || (i < middle && compare(from[i]!, from[j]!) <= 0) ? from[i++]! : from[j++]!;
        if (++placed % run === 0) yield;
      }
    }
    [from, to] = [to, from];
  }
  return from;
}
