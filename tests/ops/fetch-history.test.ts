import { describe, expect, it } from "vitest";
import { FetchHistory } from "../../src/ops/fetch-history.ts";

const read = (at: number) => ({ at, durationMs: at, status: "ok", ok: true, bytes: 0, items: 1 });

describe("FetchHistory", () => {
  it("keeps the last N reads per source, oldest first, overwriting rather than growing", () => {
    const history = new FetchHistory(3);
    for (let at = 1; at <= 7; at++) history.record("wire", read(at));
    history.record("desk", read(100));
    expect(history.recent("wire").map((r) => r.at)).toEqual([5, 6, 7]);
    expect(history.recent("desk").map((r) => r.at)).toEqual([100]);
    expect(history.recent("unknown")).toEqual([]);
  });

  it("forgets a removed source", () => {
    const history = new FetchHistory(3);
    history.record("wire", read(1));
    history.forget("wire");
    expect(history.recent("wire")).toEqual([]);
  });
});
