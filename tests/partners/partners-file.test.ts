import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readSettings } from "../../src/config/settings.ts";
import {
  DEFAULT_ANONYMOUS_REQUESTS_PER_MINUTE,
  DEFAULT_PUBLISHABLE_REQUESTS_PER_MINUTE_PER_ADDRESS,
  loadPartnersFile,
  parsePartnersConfig,
  PartnersFileError,
} from "../../src/partners/partners-file.ts";

const FILE = "/srv/newsgate/partners.json";
const HASH = "a".repeat(64);
const partner = (fields: Record<string, unknown> = {}) => ({
  name: "Daily Planet",
  keyHash: HASH,
  allowedOrigins: ["https://dailyplanet.example"],
  requestsPerMinute: 600,
  ...fields,
});

function problem(json: unknown): string {
  try {
    parsePartnersConfig(json, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(PartnersFileError);
    return (error as Error).message;
  }
  throw new Error("expected the file to be refused");
}

describe("the partners file", () => {
  it("reads partners, with the default anonymous budget when none is given", () => {
    const config = parsePartnersConfig({ partners: [partner()] }, FILE);
    expect(config.partners).toEqual([
      { name: "Daily Planet", keyHash: HASH, allowedOrigins: ["https://dailyplanet.example"], requestsPerMinute: 600, publishable: null },
    ]);
    expect(config.anonymous).toEqual({ requestsPerMinute: DEFAULT_ANONYMOUS_REQUESTS_PER_MINUTE });
    expect(parsePartnersConfig({ partners: [], anonymous: false }, FILE).anonymous).toBeNull();
    expect(parsePartnersConfig({ partners: [], anonymous: { requestsPerMinute: 5 } }, FILE).anonymous).toEqual({ requestsPerMinute: 5 });
  });

  it("reads publishable keys, with a per-address budget that defaults to 60 a minute or the key's whole budget if smaller", () => {
    const read = (fields: Record<string, unknown>) => parsePartnersConfig({ partners: [partner(fields)] }, FILE).partners[0]!.publishable;
    expect(read({ publishable: true })).toEqual({ requestsPerMinutePerAddress: DEFAULT_PUBLISHABLE_REQUESTS_PER_MINUTE_PER_ADDRESS });
    expect(read({ publishable: true, requestsPerMinute: 20 })).toEqual({ requestsPerMinutePerAddress: 20 });
    expect(read({ publishable: true, requestsPerMinutePerAddress: 15 })).toEqual({ requestsPerMinutePerAddress: 15 });
    expect(read({ publishable: false })).toBeNull();
  });

  it.each([
    [
      "a key in clear",
      { partners: [{ ...partner(), key: "s3cret" }] },
      /partners.json: partner "Daily Planet", field `key`: keys are never stored; write `keyHash`/,
    ],
    [
      "a hash that is not sha256 hex",
      { partners: [partner({ keyHash: "ABC" })] },
      /partner "Daily Planet", field `keyHash`: must be the lowercase hex sha256 of the key/,
    ],
    [
      "two partners with one key",
      { partners: [partner(), partner({ name: "Other" })] },
      /partner "Other", field `keyHash`: is the same key as partner "Daily Planet"'s/,
    ],
    [
      "a repeated name",
      { partners: [partner(), partner({ keyHash: "b".repeat(64) })] },
      /partner "Daily Planet", field `name`: is used by another partner/,
    ],
    ["a wildcard origin", { partners: [partner({ allowedOrigins: ["*"] })] }, /field `allowedOrigins\[0\]`: wildcards are not allowed/],
    [
      "an origin with a path",
      { partners: [partner({ allowedOrigins: ["https://dailyplanet.example/news/"] })] },
      /field `allowedOrigins\[0\]`: .* write it as "https:\/\/dailyplanet.example"/,
    ],
    [
      "an origin that is no URL",
      { partners: [partner({ allowedOrigins: ["dailyplanet"] })] },
      /field `allowedOrigins\[0\]`: "dailyplanet" is not an origin/,
    ],
    ["a missing limit", { partners: [partner({ requestsPerMinute: undefined })] }, /field `requestsPerMinute`: is required/],
    [
      "a zero limit",
      { partners: [partner({ requestsPerMinute: 0 })] },
      /field `requestsPerMinute`: must be a whole number from 1 to 1000000/,
    ],
    ["an unknown field", { partners: [partner({ origins: [] })] }, /partner "Daily Planet", field `origins`: is not a known field/],
    ["a partner without a name", { partners: [partner({ name: "" })] }, /partners\[0\], field `name`: must be a non-empty string/],
    [
      "a bad anonymous setting",
      { partners: [], anonymous: true },
      /anonymous: must be false \(refuse requests without a key\) or an object/,
    ],
    ["no partners list", { anonymous: false }, /partners: must be an array/],
    [
      "a publishable flag that is not a boolean",
      { partners: [partner({ publishable: "yes" })] },
      /partner "Daily Planet", field `publishable`: must be true \(a key in the partner's web pages/,
    ],
    [
      "a publishable key without origins",
      { partners: [partner({ publishable: true, allowedOrigins: [] })] },
      /partner "Daily Planet", field `allowedOrigins`: a publishable key is refused without one of its origins/,
    ],
    [
      "a per-address budget on a server key",
      { partners: [partner({ requestsPerMinutePerAddress: 10 })] },
      /partner "Daily Planet", field `requestsPerMinutePerAddress`: applies only to publishable keys/,
    ],
    [
      "a per-address budget beyond the key's",
      { partners: [partner({ publishable: true, requestsPerMinutePerAddress: 601 })] },
      /field `requestsPerMinutePerAddress`: is 601, more than the key's whole budget \(requestsPerMinute 600\)/,
    ],
    [
      "a per-address budget of zero",
      { partners: [partner({ publishable: true, requestsPerMinutePerAddress: 0 })] },
      /field `requestsPerMinutePerAddress`: must be a whole number from 1 to 1000000/,
    ],
  ])("refuses %s, naming the file, the partner and the field", (_name, json, message) => {
    expect(problem(json)).toMatch(message);
  });

  it("names the file when it cannot be read or parsed", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "newsgate-partners-"));
    const file = path.join(dir, "partners.json");
    await expect(loadPartnersFile(file)).rejects.toThrow(`${file}: file: cannot be read (ENOENT)`);
    await writeFile(file, "{ not json");
    await expect(loadPartnersFile(file)).rejects.toThrow(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: file: is not valid JSON`),
    );
    await writeFile(file, JSON.stringify({ partners: [partner()] }));
    expect((await loadPartnersFile(file)).partners).toHaveLength(1);
  });

  it("is named by --partners or NEWSGATE_PARTNERS, the flag winning", () => {
    expect(readSettings([], {}).partnersFile).toBeNull();
    expect(readSettings([], { NEWSGATE_PARTNERS: "env.json" }).partnersFile).toBe("env.json");
    expect(readSettings(["--partners", "flag.json"], { NEWSGATE_PARTNERS: "env.json" }).partnersFile).toBe("flag.json");
    expect(readSettings(["--public-url", "https://news.example/gw/"], {}).publicUrl).toBe("https://news.example/gw");
    expect(() => readSettings(["--public-url", "ftp://x"], {})).toThrow(/must be an http\(s\) URL/);
  });

  it("stops `npm start` with a message naming the file, the partner and the field", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "newsgate-partners-"));
    const file = path.join(dir, "partners.json");
    await writeFile(file, JSON.stringify({ partners: [partner({ allowedOrigins: ["https://dailyplanet.example/"] })] }));
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--port", "0", "--host", "127.0.0.1"], {
      cwd: root,
      env: { ...process.env, NEWSGATE_PARTNERS: file },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toContain(
      `Invalid partners file: ${file}: partner "Daily Planet", field \`allowedOrigins[0]\`: "https://dailyplanet.example/" is not an origin`,
    );
  });
});
