import { describe, expect, it } from "vitest";
import { readSettings } from "../../src/config/settings.ts";

describe("LOG_LEVEL", () => {
  it("defaults to info, takes any case, and refuses an unknown level by name", () => {
    expect(readSettings([], {}).logLevel).toBe("info");
    expect(readSettings([], { LOG_LEVEL: "DEBUG" }).logLevel).toBe("debug");
    expect(() => readSettings([], { LOG_LEVEL: "loud" })).toThrow(
      'LOG_LEVEL "loud" is not one of trace, debug, info, warn, error, fatal, silent',
    );
  });

  it("--watch turns on reloading on file changes", () => {
    expect(readSettings(["--watch"], {}).watch).toBe(true);
    expect(readSettings([], {}).watch).toBe(false);
  });
});
