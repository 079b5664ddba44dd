import { describe, expect, it } from "vitest";
import { npmScript } from "../helpers/npm-script.ts";

describe("the source text", () => {
  // biome.jsonc: one format and the recommended lint rules, warnings included.
  it("is formatted and lint-clean", async () => {
    const { ok, output } = await npmScript("lint");
    expect(output).not.toMatch(/error|warning/i);
    expect(ok).toBe(true);
  }, 120_000);
});
