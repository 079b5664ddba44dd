import { describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import type { SourceSnapshot } from "../../src/ingest/read-source.ts";
import { FeedCache } from "../../src/store/feed-cache.ts";
import { MIN_REBUILD_INTERVAL_MS, Store } from "../../src/store/store.ts";

const config = parseSourcesConfig(
  { sections: [{ slug: "news", name: "News" }], sources: [{ id: "wire", name: "Wire", url: "https://wire.example/rss", section: "news", refreshSeconds: 60 }] },
  "/srv/sources.json",
);
const snapshot = (hash: string): SourceSnapshot => ({
  sourceId: "wire", articles: [], contentHash: hash, format: "rss", etag: null, lastModified: null, ok: true, error: null, warning: null,
  feedTitle: null, feedLink: null, itemsSeen: 0, encoding: null, upstreamTtlMs: null, consecutiveFailures: 0, retryAfterMs: null,
  lastFetchedAt: null, lastSuccessAt: null, durationMs: 0,
});

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
