import { describe, expect, it } from "vitest";
import { ChunkedNumbers } from "../../src/store/sliced/chunked-numbers.ts";
import { touchSteps } from "../../src/store/sliced/touch-steps.ts";

describe("ChunkedNumbers", () => {
  it("keeps every number pushed, in order, across chunk boundaries", () => {
    const numbers = new ChunkedNumbers((length) => new Int32Array(length));
    const count = 3 * 65_536 + 17;
    for (let i = 0; i < count; i++) numbers.push(i * 7 - 1000);
    expect(numbers.length).toBe(count);
    for (const i of [0, 1, 65_535, 65_536, 65_537, 131_071, 131_072, count - 1]) expect(numbers.get(i)).toBe(i * 7 - 1000);
  });

  it("replaces a number in place, and stores as its element type does", () => {
    const packed = new ChunkedNumbers((length) => new Uint16Array(length));
    for (let i = 0; i < 70_000; i++) packed.push(i);
    packed.set(65_540, 12);
    expect(packed.get(65_540)).toBe(12);
    // A Uint16 chunk keeps the low 16 bits, as a Uint16Array does.
    expect(packed.get(69_999)).toBe(69_999 & 0xffff);
    const weights = new ChunkedNumbers((length) => new Float32Array(length));
    weights.push(0.1);
    expect(weights.get(0)).toBe(Math.fround(0.1));
  });

  it("allocates one chunk at a time", () => {
    const sizes: number[] = [];
    const numbers = new ChunkedNumbers((length) => {
      sizes.push(length);
      return new Int32Array(length);
    });
    for (let i = 0; i < 65_537; i++) numbers.push(i);
    expect(sizes).toEqual([65_536, 65_536]);
  });
});

describe("touchSteps", () => {
  it("writes the whole array, 256 KiB a step", () => {
    const array = new Int32Array(200_000).fill(5);
    const steps = touchSteps(array);
    let yields = 0;
    for (let next = steps.next(); !next.done; next = steps.next()) yields++;
    // 800 000 bytes: four steps of at most 256 KiB.
    expect(yields).toBe(4);
    expect(array.every((value) => value === 0)).toBe(true);
  });

  it("takes no step for an empty array, and one for an array under 256 KiB", () => {
    expect(touchSteps(new Float32Array(0)).next().done).toBe(true);
    const small = new Uint16Array(1000).fill(9);
    const steps = touchSteps(small);
    expect(steps.next().done).toBe(false);
    expect(steps.next().done).toBe(true);
    expect(small.every((value) => value === 0)).toBe(true);
  });
});
