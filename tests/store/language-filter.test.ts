import { describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import type { Article } from "../../src/model/article.ts";

import { FilterError, languageRange, selectArticles, type ArticleFilter } from "../../src/store/query/article-filter.ts";
import { buildCatalogSteps, languageRangesOf, type Catalog } from "../../src/store/catalog/catalog.ts";
import type { CatalogArticle } from "../../src/store/catalog/catalog-article.ts";
import { paginate } from "../../src/store/query/paginate.ts";
import { runToEnd } from "../../src/store/sliced/time-slice.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";
import { snapshotOf, UNTIMED_RSS } from "../helpers/snapshots.ts";

/** The language filter in the store: exact (RFC 4647 basic filtering), and read from the catalog's index rather than a scan. */
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

const LANGUAGES = ["en", "en-US", "en-GB", "EN-au", "fr", "fr-CA", "de", "enm", "zh-Hant-TW", "zh-Hans", null] as const;
const TAGS = ["Space", "Chips", "Energy"];

/** A deterministic mix: every language, section, source and tag, spread over time. */
function articles(count: number, sourceId: string, offset: number, languageOf: (n: number) => string | null): Article[] {
  return Array.from({ length: count }, (_, i) => {
    const n = offset + i;
    const url = `https://${sourceId}.example/${n}`;
    return {
      id: `${sourceId}-${n}`,
      sourceId,
      guid: null,
      title: `Story ${n}`,
      summary: n % 3 === 0 ? `Report on orbit ${n}` : `Note ${n}`,
      rawBodyHtml: null,
      bodyBase: null,
      bodyWords: 0,
      url,
      canonicalUrl: url,
      author: null,
      authors: [],
      publishedAt: n % 97 === 0 ? null : new Date(Date.UTC(2026, 0, 1) + ((n * 7919) % 100_000) * 60_000),
      updatedAt: null,
      image: null,
      tags: [TAGS[n % 3]!],
      section: n % 2 ? "tech" : "science",
      commentCount: null,
      enclosures: [],
      language: languageOf(n),
    };
  });
}

const snapshot = (sourceId: string, list: Article[]): SourceSnapshot =>
  snapshotOf(sourceId, list, { ...UNTIMED_RSS, contentHash: sourceId });

/** The catalog without its related index (not needed here, and slow at 100 000 articles). */
function build(snapshots: Map<string, SourceSnapshot>): Catalog {
  return runToEnd(
    buildCatalogSteps({ version: 1, now: Date.UTC(2026, 10, 1), sections: config.sections, sources: config.sources, snapshots }),
  );
}

/** RFC 4647 §3.3.1, written out independently of the code under test. */
function basicFilter(tag: string | null, range: string): boolean {
  if (tag === null) return false;
  const t = tag.toLowerCase();
  const r = range.toLowerCase();
  return t === r || (t.startsWith(r) && t[r.length] === "-");
}

/** Every filter by brute force over the catalog's newest-first list. */
function expected(catalog: Catalog, filter: ArticleFilter & { language: string }): string[] {
  let list = catalog.articles.filter((a) => basicFilter(a.language, filter.language));
  if (filter.section) list = list.filter((a) => a.section === filter.section);
  if (filter.source) list = list.filter((a) => a.sourceId === filter.source);
  if (filter.tag) list = list.filter((a) => a.tags.some((t) => t.toLowerCase() === filter.tag!.toLowerCase()));
  if (filter.since) list = list.filter((a) => a.publishedAt !== null && a.publishedAt >= filter.since!);
  return list.map((a) => a.id);
}

const ids = (list: { length: number; slice: () => CatalogArticle[] }) => list.slice().map((a) => a.id);

describe("the language filter", () => {
  const mixed = build(
    new Map([
      [
        "a",
        snapshot(
          "a",
          articles(600, "a", 0, (n) => LANGUAGES[n % LANGUAGES.length]!),
        ),
      ],
      [
        "b",
        snapshot(
          "b",
          articles(400, "b", 600, (n) => LANGUAGES[(n * 3) % LANGUAGES.length]!),
        ),
      ],
    ]),
  );

  it("lists every prefix of a tag as its ranges, in lower case", () => {
    expect(languageRangesOf("zh-Hant-TW")).toEqual(["zh", "zh-hant", "zh-hant-tw"]);
    expect(languageRangesOf("en")).toEqual(["en"]);
    expect(languageRangesOf("EN-au")).toEqual(["en", "en-au"]);
  });

  it("matches what RFC 4647 basic filtering matches, alone and with every other filter", () => {
    const ranges = [
      "en",
      "EN",
      "en-us",
      "en-GB",
      "en-au",
      "fr",
      "fr-ca",
      "de",
      "enm",
      "zh",
      "zh-hant",
      "zh-Hant-TW",
      "zh-Hans-CN",
      "it",
      "e",
    ];
    for (const language of ranges) {
      for (const extra of [
        {},
        { section: "tech" },
        { section: "science" },
        { source: "b" },
        { tag: "space" },
        { since: new Date(Date.UTC(2026, 1, 1)) },
        { section: "tech", tag: "Chips", source: "a" },
      ]) {
        const filter = { language, ...extra };
        const selection = selectArticles(mixed, filter);
        expect([filter, ids(selection.list)]).toEqual([filter, expected(mixed, filter)]);
        const oldest = selectArticles(mixed, { ...filter, orderBy: "OLDEST" });
        expect(ids(oldest.list).sort()).toEqual(expected(mixed, filter).sort());
      }
    }
    expect(selectArticles(mixed, { language: "en" }).list.length).toBeGreaterThan(300);
    expect(selectArticles(mixed, { language: "e" }).list.length).toBe(0);
  });

  it("keeps search results exact: only hits in the language, in every order", () => {
    for (const orderBy of ["RELEVANCE", "NEWEST", "OLDEST"] as const) {
      const all = ids(selectArticles(mixed, { query: "orbit", orderBy }).list);
      const english = ids(selectArticles(mixed, { query: "orbit", orderBy, language: "en" }).list);
      expect(english).toEqual(all.filter((id) => basicFilter(mixed.byId.get(id)!.language, "en")));
      expect(english.length).toBeGreaterThan(10);
    }
  });

  it("pages a language's list with exact counts and no repeats", () => {
    const selection = selectArticles(mixed, { language: "fr", section: "tech" });
    const want = expected(mixed, { language: "fr", section: "tech" });
    const walked: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = paginate(selection.list, { first: 7, after }, selection.order);
      expect(page.totalCount).toBe(want.length);
      walked.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(walked).toEqual(want);
  });

  it("refuses what is not a basic language range", () => {
    expect(languageRange(" en-US ")).toBe("en-us");
    expect(languageRange(null)).toBeNull();
    expect(languageRange("  ")).toBeNull();
    for (const bad of ["*", "en_US", "en-", "en--US", "1en", "en-abcdefghi", "abcdefghi", "en us", "é", `en${"-x".repeat(40)}`]) {
      expect(() => languageRange(bad), bad).toThrow(FilterError);
      expect(() => selectArticles(mixed, { language: bad }), bad).toThrow(FilterError);
    }
  });

  it("reads 100 000 articles' language from the index: the whole catalog is never scanned", () => {
    // One source: 1 in 100 articles in French, the rest in English or unknown.
    const big = build(
      new Map([
        [
          "a",
          snapshot(
            "a",
            articles(100_000, "a", 0, (n) => (n % 100 === 0 ? "fr-FR" : n % 5 ? "en-GB" : null)),
          ),
        ],
      ]),
    );
    expect(big.articles).toHaveLength(100_000);
    // A catalog whose full list cannot be read: any scan of it throws.
    const guarded: Catalog = Object.create(big, {
      articles: {
        get: () => {
          throw new Error("scanned the whole catalog");
        },
      },
    });
    const started = performance.now();
    const french = selectArticles(guarded, { language: "fr" });
    const frenchInTech = selectArticles(guarded, { language: "fr", section: "tech" });
    const frenchChips = selectArticles(guarded, { language: "fr", tag: "chips" });
    const elapsed = performance.now() - started;
    // Alone, the language's list is the index's own: nothing is copied or tested.
    expect(french.list).toBe(big.byLanguage.get("fr"));
    expect(french.list).toHaveLength(1000);
    expect(frenchInTech.list.length).toBe(big.byLanguage.get("fr")!.filter((a) => a.section === "tech").length);
    expect(frenchChips.list.length).toBe(big.byLanguage.get("fr")!.filter((a) => a.tags.includes("Chips")).length);
    expect(ids(frenchInTech.list)).toEqual(big.articles.filter((a) => a.language === "fr-FR" && a.section === "tech").map((a) => a.id));
    // A language more common than the section: the section's list is read (and tested) rather than the index's.
    expect(selectArticles(guarded, { language: "en", section: "tech" }).list.length).toBe(
      big.articles.filter((a) => a.language === "en-GB" && a.section === "tech").length,
    );
    console.log(`language filter over 100 000 articles: three selections in ${elapsed.toFixed(2)} ms`);
  });
});
