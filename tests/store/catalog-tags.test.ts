import { describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import type { Article } from "../../src/model/article.ts";

import { buildCatalog, type Catalog } from "../../src/store/catalog/catalog.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";
import { snapshotOf, UNTIMED_RSS } from "../helpers/snapshots.ts";

const config = parseSourcesConfig(
  {
    sections: [
      { slug: "tech", name: "Tech" },
      { slug: "science", name: "Science" },
    ],
    sources: [
      { id: "a", name: "A", url: "https://a.example/rss", section: "tech" },
      { id: "b", name: "B", url: "https://b.example/rss", section: "science" },
    ],
  },
  "/srv/sources.json",
);

let made = 0;
const article = (sourceId: string, section: string, tags: string[]): Article => {
  const n = made++;
  return {
    id: `${sourceId}-${n}`,
    sourceId,
    guid: null,
    title: `Story number ${n} on its own subject ${n}`,
    summary: null,
    rawBodyHtml: null,
    bodyBase: null,
    bodyWords: 0,
    url: `https://${sourceId}.example/${n}`,
    canonicalUrl: `https://${sourceId}.example/${n}`,
    author: null,
    publishedAt: new Date(Date.UTC(2026, 10, 1) - n * 60_000),
    updatedAt: null,
    image: null,
    tags,
    section,
    commentCount: null,
    authors: [],
    enclosures: [],
    language: null,
  };
};

const snapshot = (sourceId: string, articles: Article[]): SourceSnapshot =>
  snapshotOf(sourceId, articles, { ...UNTIMED_RSS, contentHash: sourceId });

const build = (snapshots: Map<string, SourceSnapshot>, version: number): Catalog =>
  buildCatalog({ version, now: Date.UTC(2026, 10, 1), sections: config.sections, sources: config.sources, snapshots });

describe("a catalog's tags", () => {
  const snapshots = new Map([
    ["a", snapshot("a", [article("a", "tech", ["AI", "Chips"]), article("a", "tech", ["AI"]), article("a", "tech", ["chips", "Rust"])])],
    ["b", snapshot("b", [article("b", "science", ["ai", "Space"]), article("b", "science", ["Space"])])],
  ]);

  it("counts each tag case-insensitively, named as most articles write it, per section too", () => {
    const catalog = build(snapshots, 1);
    const summary = catalog.tags
      .toArray()
      .map((tag) => [tag.name, tag.count, tag.countIn("tech"), tag.countIn("science"), tag.countIn("sport")]);
    expect(summary).toEqual([
      ["AI", 3, 2, 1, 0],
      // Ties: one "Chips", one "chips", both count 1: the first in collation order names it.
      ["chips", 2, 2, 0, 0],
      ["Space", 2, 0, 2, 0],
      ["Rust", 1, 1, 0, 0],
    ]);
    expect(catalog.tagByName.get("ai")!.count).toBe(3);
  });

  it("counts the same when rebuilt from the same article objects", () => {
    const first = build(snapshots, 1);
    const again = build(snapshots, 2);
    const counts = (catalog: Catalog) =>
      catalog.tags.toArray().map((tag) => [tag.name, tag.count, tag.countIn("tech"), tag.countIn("science")]);
    expect(counts(again)).toEqual(counts(first));
  });
});
