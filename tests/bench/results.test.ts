import { describe, expect, it } from "vitest";
import { markdownTable, row } from "../../bench/results.ts";

const http = (measured: number, baseline: number, cpuRatio?: number | null) =>
  row({
    id: "misses.post",
    scenario: "2. cache misses",
    measured: { value: measured, unit: "req/s", label: "gateway" },
    baseline: { value: baseline, unit: "req/s", label: "bare node:http" },
    ...(cpuRatio === undefined ? {} : { cpuRatio }),
    target: { on: "ratio", op: ">=", value: 0.15 },
    details: {},
  });

describe("a bench row with a CPU ratio", () => {
  it("is judged on the smaller of the req/s ratio and the CPU ratio", () => {
    // The load generator held the bare server to 20 000 req/s; by CPU the gateway does 0.12 of its work.
    expect(http(3_600, 20_000, 0.12)).toMatchObject({ ratio: 0.18, pass: false });
    expect(http(3_600, 20_000, 0.2)).toMatchObject({ ratio: 0.18, pass: true });
    expect(http(2_000, 20_000, 0.3)).toMatchObject({ ratio: 0.1, pass: false });
    // Without a CPU reading (no /proc), req/s alone decides.
    expect(http(3_600, 20_000, null).pass).toBe(true);
    expect(http(3_600, 20_000).pass).toBe(true);
  });

  it("shows both ratios in the table", () => {
    const table = markdownTable([http(3_600, 20_000, 0.118), http(3_600, 20_000)]);
    const [, , withCpu, without] = table.split("\n");
    expect(withCpu).toContain("| 0.180× (by CPU 0.118×) |");
    expect(withCpu!.endsWith("| FAIL |")).toBe(true);
    expect(without).toContain("| 0.180× |");
    expect(without!.endsWith("| pass |")).toBe(true);
  });
});
