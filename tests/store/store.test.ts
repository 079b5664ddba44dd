import { describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";

import { FeedCache } from "../../src/store/source-cache/feed-cache.ts";
import { MIN_REBUILD_INTERVAL_MS } from "../../src/store/catalog-builds.ts";
import { Store } from "../../src/store/store.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";
import { snapshotOf, UNTIMED_RSS } from "../helpers/snapshots.ts";

const config = parseSourcesConfig(
  {
    sections: [{ slug: "news", name: "News" }],
    sources: [{ id: "wire", name: "Wire", url: "https://wire.example/rss", section: "news", refreshSeconds: 60 }],
  },
  "/srv/sources.json",
);
const snapshot = (hash: string): SourceSnapshot => snapshotOf("wire", [], { ...UNTIMED_RSS, contentHash: hash });

describe("the store", () => {
  it("rebuilds the catalog only when content changed, at most once per interval, and says when it is current", async () => {
    let hash = "a";
    let clock = 1_000_000;
    const feedCache = new FeedCache({ now: () => clock, random: () => 0.5, load: async () => snapshot(hash) });
    const store = new Store({ config, feedCache, now: () => clock });
    const first = await store.catalog();
    expect(store.currentCatalog()).toBe(first);
    expect(await store.catalog()).toBe(first);

    hash = "b";
    await feedCache.refresh(config.sources[0]!);
    expect(store.currentCatalog()).toBeNull(); // a source changed since the last build
    clock += MIN_REBUILD_INTERVAL_MS / 2;
    expect((await store.catalog()).version).toBe(first.version); // a burst keeps the last build a moment
    clock += MIN_REBUILD_INTERVAL_MS;
    const second = await store.catalog();
    expect(second.version).toBe(first.version + 1);
    expect(store.currentCatalog()).toBe(second);
  });
});

describe("a request while every source is fresh", () => {
  const manyConfig = parseSourcesConfig(
    {
      sections: [{ slug: "news", name: "News" }],
      sources: [60, 300, 120].map((refreshSeconds, s) => ({
        id: `s${s}`,
        name: `S${s}`,
        url: `https://s${s}.example/rss`,
        section: "news",
        refreshSeconds,
      })),
    },
    "/srv/sources.json",
  );
  const setup = () => {
    let clock = 1_000_000;
    const loads: string[] = [];
    const lookups: [string, number][] = [];
    const feedCache = new FeedCache({
      now: () => clock,
      random: () => 0.5,
      load: async (source) => {
        loads.push(source.id);
        return { ...snapshot("same"), sourceId: source.id };
      },
      onLookup: (result, count = 1) => void lookups.push([result, count]),
    });
    const store = new Store({ config: manyConfig, feedCache, now: () => clock });
    return { store, loads, lookups, tick: (ms: number) => (clock += ms) };
  };

  it("gets the built catalog without asking each source, and counts one hit per source", async () => {
    const { store, loads, lookups } = setup();
    const first = await store.catalog();
    expect(loads.sort()).toEqual(["s0", "s1", "s2"]);
    lookups.length = 0;
    expect(await store.catalog()).toBe(first);
    expect(lookups).toEqual([["hit", 3]]);
  });

  it("reads through the feed cache again once the first source goes stale, which refreshes it", async () => {
    const { store, loads, lookups, tick } = setup();
    const first = await store.catalog();
    loads.length = 0;
    tick(59_000);
    expect(await store.catalog()).toBe(first);
    expect(loads).toEqual([]);
    tick(60_000); // s0 (60 s, jittered) is stale; s2 (120 s) and s1 (300 s) are not
    lookups.length = 0;
    expect(await store.catalog()).toBe(first); // served stale while s0 refreshes
    // Counted once per kind: two fresh, one stale.
    expect(lookups).toEqual([
      ["hit", 2],
      ["stale", 1],
    ]);
    await expect.poll(() => loads).toEqual(["s0"]);
    // Read again with the same content: fresh once more, and no source is asked until s2 goes stale.
    lookups.length = 0;
    expect(await store.catalog()).toBe(first);
    expect(lookups).toEqual([["hit", 3]]);
  });
});

describe("building a large catalog", () => {
  const bigConfig = parseSourcesConfig(
    {
      sections: [{ slug: "news", name: "News" }],
      sources: Array.from({ length: 20 }, (_, s) => ({ id: `s${s}`, name: `S${s}`, url: `https://s${s}.example/rss`, section: "news" })),
    },
    "/srv/sources.json",
  );
  const articlesOf = (sourceId: string, round: number) =>
    Array.from({ length: 150 }, (_, n) => ({
      id: `${sourceId}-${round}-${n}`,
      sourceId,
      guid: null,
      title: `Story ${n} of ${sourceId} about topic${n % 37} and theme${n % 11}`,
      summary: `A summary mentioning topic${n % 37}, region${n % 7} and theme${n % 11}.`,
      rawBodyHtml: `<p>Body of story ${n}: topic${n % 37} theme${n % 11} detail${n % 5}.</p>`,
      bodyBase: null,
      bodyWords: 0,
      url: `https://${sourceId}.example/${round}/${n}`,
      canonicalUrl: `https://${sourceId}.example/${round}/${n}`,
      author: null,
      publishedAt: new Date(Date.UTC(2026, 10, 1) - n * 3_600_000),
      updatedAt: null,
      image: null,
      tags: [`topic${n % 37}`],
      section: "news",
      commentCount: null,
      authors: [],
      enclosures: [],
      language: null,
    }));
  const bigSnapshot = (sourceId: string, round: number): SourceSnapshot => ({
    ...snapshot(`${sourceId}:${round}`),
    sourceId,
    articles: articlesOf(sourceId, round),
  });

  it("never holds the event loop for the whole build, and callers during it share one build", async () => {
    const round = 0;
    const clock = 1_000_000;
    const feedCache = new FeedCache({ now: () => clock, random: () => 0.5, load: async (source) => bigSnapshot(source.id, round) });
    const store = new Store({ config: bigConfig, feedCache, now: () => clock });
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    try {
      const [a, b] = await Promise.all([store.catalog(), store.catalog()]);
      expect(a).toBe(b);
      expect(a.articles).toHaveLength(3000);
      // 3000 articles take far longer than one slice: the loop turned while they were merged and indexed.
      expect(turns).toBeGreaterThan(0);
      const [matches] = await a.relatedTo([{ id: a.articles.at(0)!.id, first: 5 }]);
      expect(matches).toHaveLength(5);
      expect(matches!.every((m) => m.article.id !== a.articles.at(0)!.id)).toBe(true);
    } finally {
      clearInterval(ticking);
    }
  });

  it("serves the catalog in force while a build runs, then the new one, with nothing missed", async () => {
    let round = 0;
    let clock = 1_000_000;
    const feedCache = new FeedCache({ now: () => clock, random: () => 0.5, load: async (source) => bigSnapshot(source.id, round) });
    // Every change builds from scratch, in slices: the builds this test is about (a change made in place takes no time to wait for).
    const store = new Store({ config: bigConfig, feedCache, now: () => clock, inPlace: { maxShare: 0, minItems: 0 } });
    const first = await store.catalog();
    round = 1;
    clock += 60_000;
    await Promise.all(bigConfig.sources.map((source) => feedCache.refresh(source)));
    // The caller that starts the build waits for it; one arriving during it is not held up.
    const building = store.catalog();
    const during = await store.catalog();
    expect(during).toBe(first);
    const second = await building;
    expect(second.version).toBe(first.version + 1);
    expect(second.byId.has("s0-1-0")).toBe(true);
    expect(second.byId.has("s0-0-0")).toBe(false);
    expect(await store.catalog()).toBe(second);
    expect(store.currentCatalog()).toBe(second);

    // A source that changes during a build is taken in by a build that follows on its own.
    round = 2;
    clock += 60_000;
    await feedCache.refresh(bigConfig.sources[0]!);
    const third = store.catalog();
    await feedCache.refresh(bigConfig.sources[1]!);
    expect(await store.catalog()).toBe(second);
    await third;
    clock += 60_000;
    await expect.poll(() => store.currentCatalog()?.byId.has("s1-2-0") ?? false, { timeout: 10_000 }).toBe(true);
  });
});
