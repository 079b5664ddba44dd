import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_REFRESH_SECONDS, loadSourcesFile, parseSourcesConfig } from "../../src/config/sources-file.ts";
import { DEFAULT_MAX_ITEMS } from "../../src/config/sources-file.ts";

const FILE = "/srv/feeds/sources.json";
const sections = [{ slug: "technology", name: "Technology & Innovation" }];
const valid = (source: Record<string, unknown>) => ({
  sections,
  sources: [{ id: "wire", name: "Wire", url: "https://wire.example/rss", section: "technology", ...source }],
});

function problem(json: unknown): string {
  try {
    parseSourcesConfig(json, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the file to be refused");
}

describe("the sources file", () => {
  it("reads a valid file with defaults and resolves local paths against its folder", () => {
    const config = parseSourcesConfig(valid({ url: "demo/wire.xml" }), FILE);
    expect(config.sources[0]).toMatchObject({ format: "auto", refreshSeconds: DEFAULT_REFRESH_SECONDS, enabled: true });
    expect(config.sources[0]!.location.href).toBe("file:///srv/feeds/demo/wire.xml");
  });

  it("subscribes by push unless told not to, and reads full text only when told to", () => {
    expect(parseSourcesConfig(valid({}), FILE).sources[0]).toMatchObject({ websub: true, fullText: false });
    expect(parseSourcesConfig(valid({ websub: false, fullText: true }), FILE).sources[0]).toMatchObject({ websub: false, fullText: true });
    for (const flag of ["websub", "fullText", "enabled"])
      expect(() => parseSourcesConfig(valid({ [flag]: "yes" }), FILE)).toThrow(`field \`${flag}\`: must be true or false`);
  });

  it("caps a source's items at DEFAULT_MAX_ITEMS unless it sets maxItems", () => {
    expect(parseSourcesConfig(valid({}), FILE).sources[0]!.maxItems).toBe(DEFAULT_MAX_ITEMS);
    expect(parseSourcesConfig(valid({ maxItems: 250 }), FILE).sources[0]!.maxItems).toBe(250);
  });

  it.each([
    [
      "a missing section",
      valid({ section: "sport" }),
      /sources.json: source "wire", field `section`: must be one of the sections' slugs \(technology\)/,
    ],
    [
      "a local path leaving the folder",
      valid({ url: "../../etc/passwd" }),
      /source "wire", field `url`: "..\/..\/etc\/passwd" leaves the sources file's folder/,
    ],
    ["an absolute local path", valid({ url: "/etc/passwd" }), /field `url`: .*leaves the sources file's folder/],
    ["a file: URL", valid({ url: "file:///etc/passwd" }), /field `url`: scheme "file:" is not allowed/],
    ["credentials in a URL", valid({ url: "https://user:pw@wire.example/rss" }), /field `url`: must not carry credentials/],
    ["json without a map", valid({ format: "json" }), /field `map`: is required for format `json`/],
    ["a map without items", valid({ format: "json", map: { title: "t", url: "u" } }), /field `map.items`: is required/],
    [
      "an unknown map field",
      valid({ format: "json", map: { items: "a", title: "t", url: "u", colour: "c" } }),
      /field `map.colour`: is not a known field/,
    ],
    ["an unknown format", valid({ format: "csv" }), /field `format`: must be one of auto, rss, atom, rdf, jsonfeed, json/],
    ["a maxItems of 0", valid({ maxItems: 0 }), /source "wire", field `maxItems`: must be a whole number from 1 to 10000/],
    ["a fractional maxItems", valid({ maxItems: 2.5 }), /field `maxItems`: must be a whole number from 1 to 10000/],
    ["a maxItems given as text", valid({ maxItems: "500" }), /field `maxItems`: must be a whole number from 1 to 10000/],
    ["a negative timeout", valid({ timeoutMs: -5 }), /field `timeoutMs`: must be a whole number from 1 to 120000/],
    [
      "a header with a line break",
      valid({ headers: { "x-token": "a\r\nHost: evil" } }),
      /field `headers.x-token`: must be a string without line breaks/,
    ],
    ["a reserved header", valid({ headers: { Host: "evil.example" } }), /field `headers.Host`: is set by the fetcher/],
    [
      "a duplicate id",
      { sections, sources: [valid({}).sources[0], valid({}).sources[0]] },
      /source "wire", field `id`: is used by another source/,
    ],
    ["a bad section slug", { sections: [{ slug: "Tech News", name: "x" }], sources: [] }, /sections\[0\].slug: must be lower-case/],
    ["no sections", { sources: [] }, /sections: must be a non-empty array/],
    ["a source that is not an object", { sections, sources: ["https://x.example"] }, /sources\[0\]: must be an object/],
  ])("refuses %s, naming the file, the source and the field", (_name, json, message) => {
    const text = problem(json);
    expect(text.startsWith(`${FILE}: `)).toBe(true);
    expect(text).toMatch(message);
  });

  it("refuses a file that is not JSON, saying so", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "newsgate-config-"));
    const file = path.join(dir, "sources.json");
    await writeFile(file, "{ sections: [");
    await expect(loadSourcesFile(file)).rejects.toThrow(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: file: is not valid JSON`),
    );
    await expect(loadSourcesFile(path.join(dir, "missing.json"))).rejects.toThrow(/file: cannot be read \(ENOENT\)/);
  });
});
