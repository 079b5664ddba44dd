import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { GATEWAY_V8_FLAGS, setGatewayV8Flags } from "../../src/ops/v8-heap.ts";

describe("setGatewayV8Flags", () => {
  it("turns allocation-site pretenuring off for the whole process", () => {
    const set: string[] = [];
    expect(setGatewayV8Flags(["--import", "tsx"], (flags) => set.push(flags))).toEqual(["--no-allocation-site-pretenuring"]);
    expect(set).toEqual([...GATEWAY_V8_FLAGS]);
  });

  it("leaves a flag the command line sets either way to the operator, in either spelling", () => {
    for (const execArgv of [
      ["--allocation-site-pretenuring"],
      ["--no-allocation-site-pretenuring"],
      ["--allocation_site_pretenuring"],
      ["--no-allocation_site_pretenuring"],
    ]) {
      const set: string[] = [];
      expect(setGatewayV8Flags(execArgv, (flags) => set.push(flags))).toEqual([]);
      expect(set).toEqual([]);
    }
  });

  it("names only flags this Node's V8 knows (setFlagsFromString ignores an unknown one silently)", () => {
    const known = execFileSync(process.execPath, ["--v8-options"], { encoding: "utf8" });
    for (const flag of GATEWAY_V8_FLAGS) expect(known).toContain(`  ${flag.replace(/^--no-/, "--")} (`);
  });
});
