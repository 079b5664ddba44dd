import type { SourcesConfig } from "./config/sources-file.ts";
import { createFetcher, type FetchFunction } from "./ingest/fetcher.ts";
import { createFetchLimits } from "./ingest/fetch-limits.ts";
import { readSource } from "./ingest/read-source.ts";
import { createApp, type App, type AppDeps } from "./http/app.ts";
import { FeedCache } from "./store/feed-cache.ts";
import { Refresher } from "./store/refresher.ts";
import { Store } from "./store/store.ts";

export interface GatewayDeps {
  config: SourcesConfig;
  /** @default globalThis.fetch */
  fetch?: FetchFunction;
  /** Wall clock, epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Monotonic clock for cache TTLs, milliseconds. @default performance.now */
  monotonicNow?: () => number;
  /** Jitter source for refresh times (tests pass a constant). @default Math.random */
  random?: () => number;
  /** Upstream requests in flight at once, in all and per host. @default createFetchLimits's defaults */
  fetchConcurrency?: { global?: number; perHost?: number };
  /** Request limits and the persisted-operations allow-list. @default every limit's default, no allow-list */
  http?: Pick<AppDeps, "limits" | "persistedOperations">;
}

export interface Gateway {
  app: App;
  store: Store;
  /** Tries every source once (what `/ready` waits for); never rejects. */
  warmUp: () => Promise<void>;
  /** Keeps every source warm in the background (started by `npm start`, not by tests unless they ask). */
  refresher: Refresher;
}

/** Wires the stages together: config → ingest → store → graphql → http. */
export function createGateway({ config, fetch, now = Date.now, monotonicNow, random, fetchConcurrency, http = {} }: GatewayDeps): Gateway {
  const fetchUnlimited = createFetcher(fetch);
  const limit = createFetchLimits(fetchConcurrency);
  const fetchFeed: typeof fetchUnlimited = (request) => limit(request.url, () => fetchUnlimited(request));
  const feedCache = new FeedCache({
    load: (source, previous) => readSource(source, { sections: config.sections, rootDir: config.rootDir }, { fetchFeed, now }, previous),
    now: monotonicNow,
    random,
  });
  const store = new Store({ config, feedCache, now });
  const refresher = new Refresher({
    feedCache,
    sources: () => store.enabledSources,
    // Rebuild the catalog as soon as a source changed, so no request pays for it.
    onRefreshed: () => void store.catalog().catch(() => undefined),
  });
  return {
    // Cache-Control's max-age is what the feed cache has left of the sources' freshness.
    app: createApp({ store, remainingFreshMs: (sourceId) => feedCache.remainingMs(sourceId), ...http }),
    store,
    refresher,
    warmUp: async () => {
      await store.catalog();
    },
  };
}
