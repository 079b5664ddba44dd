import { describe, expect, it } from "vitest";
import { npmScript } from "../helpers/npm-script.ts";

describe("the import graph", () => {
  // .dependency-cruiser.cjs: no import circles, no arrow back up the stages.
  it("has no import cycle and no import against the stage order", async () => {
    const { ok, output } = await npmScript("deps");
    expect(output).toMatch(/no dependency violations found/);
    expect(ok).toBe(true);
  }, 120_000);
});
