import type { SourcesConfig } from "./config/sources-file.ts";
import { createFetcher, type FetchFunction } from "./ingest/fetcher.ts";
import { readSource } from "./ingest/read-source.ts";
import { createApp, type App } from "./http/app.ts";
import { FeedCache } from "./store/feed-cache.ts";
import { Store } from "./store/store.ts";

export interface GatewayDeps {
  config: SourcesConfig;
  /** @default globalThis.fetch */
  fetch?: FetchFunction;
  /** Wall clock, epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Monotonic clock for cache TTLs, milliseconds. @default performance.now */
  monotonicNow?: () => number;
}

export interface Gateway {
  app: App;
  store: Store;
  /** Tries every source once (what `/ready` waits for); never rejects. */
  warmUp: () => Promise<void>;
}

/** Wires the stages together: config → ingest → store → graphql → http. */
export function createGateway({ config, fetch, now = Date.now, monotonicNow }: GatewayDeps): Gateway {
  const fetchFeed = createFetcher(fetch);
  const feedCache = new FeedCache({
    load: (source, previous) => readSource(source, { sections: config.sections, rootDir: config.rootDir }, { fetchFeed, now }, previous),
    now: monotonicNow,
  });
  const store = new Store({ config, feedCache, now });
  return {
    app: createApp({ store }),
    store,
    warmUp: async () => {
      await store.catalog();
    },
  };
}
