import { expect, it } from "vitest";
import { coreList } from "../../bench/processes.ts";

// The bench pins its processes to the first two cores it may use, read from a CPU list: a container's
// cpuset (say "2-3") need not start at core 0, where taskset would refuse to pin.
it("reads the cores of a CPU list as /proc and taskset write them", () => {
  expect(coreList("0-1")).toEqual([0, 1]);
  expect(coreList("2-3")).toEqual([2, 3]);
  expect(coreList("0,4,6-8")).toEqual([0, 4, 6, 7, 8]);
  expect(coreList("5")).toEqual([5]);
  expect(coreList(" 1 , x, 3-2, 7 ")).toEqual([1, 7]);
  expect(coreList("")).toEqual([]);
});
