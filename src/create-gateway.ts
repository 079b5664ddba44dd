import type { SourceConfig, SourcesConfig } from "./config/sources-file.ts";
import { createFetcher } from "./ingest/fetcher.ts";
import type { HttpTransport } from "./ingest/http-transport.ts";
import { createFetchLimits, type FetchConcurrency } from "./ingest/fetch-limits.ts";
import { IngestPool } from "./ingest/ingest-pool.ts";
import { nonPublicRange, type AddressClassifier } from "./ingest/network-policy.ts";
import { ExtractPool } from "./ingest/full-text/extract-pool.ts";
import { PageCache } from "./ingest/full-text/page-cache.ts";
import { createPageReader } from "./ingest/full-text/page-reader.ts";
import { withFullText } from "./ingest/full-text/with-full-text.ts";

import { createApp, type App, type AppDeps } from "./http/server/app.ts";
import { FeedCache } from "./store/source-cache/feed-cache.ts";
import { Refresher } from "./store/source-cache/refresher.ts";
import { Store } from "./store/store.ts";
import { createMetricsRoute } from "./http/routes/metrics.ts";
import type { EdgeCacheOptions } from "./http/edge-cache/edge-cache.ts";
import { createStatusRoute } from "./http/routes/status.ts";
import { FetchHistory } from "./ops/fetch-history.ts";
import { readGatewayState } from "./ops/gateway-state.ts";
import { silentLogger, type Logger } from "./log/logger.ts";
import { createMetrics, type Metrics } from "./ops/metrics.ts";
import { createObservedRead } from "./ops/observed-read.ts";
import type { ReloadPlan } from "./store/reload/reload-plan.ts";
import { createReloader } from "./store/reload/reloader.ts";
import { createEmbedRoutes } from "./http/routes/embed.ts";
import { createFeedRoutes } from "./http/routes/feeds.ts";
import { createPartnerGate, DEFAULT_OPEN_PATHS, frameAncestors } from "./partners/partner-gate.ts";
import type { PartnersConfig } from "./partners/partners-file.ts";
import type { SharedCache } from "./store/source-cache/shared-cache.ts";
import { createArticleEvents, type ArticleEvents } from "./live/article-events.ts";
import { createRedisArticleChannel } from "./live/redis-channel.ts";
import { sharePersistedOperations } from "./http/plugins/shared-persisted-operations.ts";
import type { SourceSnapshot } from "./model/source-snapshot.ts";
import { postToHub, type HubRequest } from "./push/hub-request.ts";
import { createPushedContent } from "./push/pushed-content.ts";
import { Receiver } from "./push/receiver.ts";
import { CALLBACK_PREFIX, Subscriber } from "./push/subscriber.ts";
import { HOLD_MS, MemorySubscriptionStore, RedisSubscriptionStore } from "./push/subscription-store.ts";
import { createWebSubRoute } from "./http/routes/websub.ts";

export interface GatewayDeps {
  config: SourcesConfig;
  /** How upstreams are asked (tests may pass their own). @default nodeHttpTransport */
  transport?: HttpTransport;
  /** Wall clock, epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Monotonic clock for cache TTLs, milliseconds. @default performance.now */
  monotonicNow?: () => number;
  /** Jitter source for refresh times (tests pass a constant). @default Math.random */
  random?: () => number;
  /**
   * Refuse sources on non-public addresses altogether (`--refuse-private-addresses`); a redirect
   * from a public address into a private network is refused either way. @default false
   */
  refusePrivateAddresses?: boolean;
  /** What counts as a public address (tests, which reach only loopback, pass their own). @default nonPublicRange */
  classifyAddress?: AddressClassifier;
  /** Upstream requests in flight at once: in all, per host, and for background refreshes. @default createFetchLimits's defaults */
  fetchConcurrency?: FetchConcurrency;
  /**
   * Request limits, the persisted-operations allow-list, and the edge cache's
   * size and miss hook (its lookups always go to `metrics`).
   * @default every limit's default, no allow-list, the edge cache's defaults
   */
  http?: Pick<AppDeps, "limits" | "persistedOperations" | "automaticPersistedQueries"> & {
    edgeCache?: Pick<EdgeCacheOptions, "maxBytes" | "onMiss">;
  };
  /** Operations log: requests, upstream reads, source health changes, reloads. @default a silent logger */
  logger?: Logger;
  /** Prometheus metrics, served at `/metrics`. @default createMetrics(): a fresh registry for this gateway alone */
  metrics?: Metrics;
  /** Partner sites' API keys, CORS origins and rate limits (`--partners`). @default null: open to every origin, no key, no limit */
  partners?: PartnersConfig | null;
  /** The origin partners reach the gateway at, for absolute links in feeds and OPML (`--public-url`). @default each request's Host */
  publicUrl?: string | null;
  /** Bearer token `/metrics` requires (NEWSGATE_METRICS_TOKEN). @default null: open */
  metricsToken?: string | null;
  /** Redis level of the feed cache, cluster-wide single-flight and invalidation (REDIS_URL). @default null: this instance alone */
  sharedCache?: SharedCache | null;
  /**
   * Reads large bodies on worker threads. A pool passed in stays the caller's
   * to warm and close (main.ts warms its own before the gateway is built).
   * @default a pool of this gateway's own, which `shutdown()` closes
   */
  ingestPool?: IngestPool;
  /** How subscription requests reach WebSub hubs (tests may pass their own). @default postToHub */
  hubRequest?: HubRequest;
  /**
   * With `sharedCache`: how long a WebSub subscription's hold lasts unrenewed,
   * so how soon another instance takes over from a dead holder (tests shorten
   * it). @default HOLD_MS
   */
  subscriptionHoldMs?: number;
}

export interface Gateway {
  app: App;
  store: Store;
  /** New articles, the one instance every app on `store` must subscribe to (an app of a test's own on the same store too). */
  articleEvents: ArticleEvents;
  /** Tries every source once (what `/ready` waits for); never rejects. */
  warmUp: () => Promise<void>;
  /**
   * How many enabled sources the cluster's Redis held no copy of when the
   * gateway was built (every one without `sharedCache`): the reads upstream
   * a start will make. Never rejects.
   */
  sourcesWithoutSharedCopy: Promise<number>;
  /** Keeps every source warm in the background (started by `npm start`, not by tests unless they ask). */
  refresher: Refresher;
  /**
   * WebSub subscriptions at the hubs sources name, with `publicUrl` (started
   * by `npm start`; tests call `tick()` to drive it).
   */
  push: Subscriber;
  /**
   * Switches to another sources file without failing or slowing a request
   * (see createReloader); `refresher.start()` afterwards keeps added sources warm.
   */
  reload: (config: SourcesConfig) => Promise<ReloadPlan>;
  /** Reads one source now, whatever its freshness (tests, operators' tools). */
  refreshSource: (sourceId: string) => Promise<SourceSnapshot>;
  logger: Logger;
  metrics: Metrics;
  /**
   * For a shutdown, before the server drains: stops the refresher and ends
   * every live subscription (its stream completes), which a drain would
   * otherwise wait on until it gave up; closes the ingest pool when the
   * gateway made it.
   */
  shutdown: () => Promise<void>;
}

/** Wires the stages together: config → ingest → store → graphql → http. */
export function createGateway({
  config,
  transport,
  refusePrivateAddresses = false,
  classifyAddress = nonPublicRange,
  now = Date.now,
  monotonicNow,
  random,
  fetchConcurrency,
  http = {},
  logger = silentLogger(),
  metrics = createMetrics(),
  partners = null,
  publicUrl = null,
  metricsToken = null,
  sharedCache = null,
  ingestPool,
  hubRequest = postToHub,
  subscriptionHoldMs = HOLD_MS,
}: GatewayDeps): Gateway {
  // The gateway closes only a pool it made. Idle workers are unref'd: an unclosed pool never keeps the process alive.
  const ownsPool = ingestPool === undefined;
  const pool = ingestPool ?? new IngestPool();
  const fetchUnlimited = createFetcher(transport, { refusePrivateAddresses, classify: classifyAddress });
  const limit = createFetchLimits(fetchConcurrency);
  const fetchFeed: typeof fetchUnlimited = (request) =>
    limit(request.url, () => fetchUnlimited(request), { background: request.background });
  const history = new FetchHistory();
  // Full text (sources with `fullText`): item pages through the same limited fetcher, extracted on threads of their own.
  const extractPool = new ExtractPool();
  const readPage = createPageReader({
    fetch: fetchFeed,
    extract: extractPool.run,
    cache: new PageCache(),
    now: monotonicNow ?? (() => performance.now()),
  });
  const read = withFullText(
    createObservedRead({ fetchFeed, ingest: (request, held) => pool.run(request, held), now, logger, metrics, history }),
    { readPage, now, logger },
  );
  const readLocal = (source: SourceConfig, previous: SourceSnapshot | undefined) => read(source, store.config, previous);
  const feedCache = new FeedCache({
    // The sections in force are read on every load: a reload may change them.
    load: sharedCache ? sharedCache.wrapLoad(readLocal) : readLocal,
    now: monotonicNow,
    random,
    onLookup: (result, count) => metrics.cacheLookup("feed", result, count),
    // A source a hub pushes is polled less often (refresh-policy.ts); `push` is made below, before any read ends.
    pushed: (sourceId) => push.isActive(sourceId),
  });
  const store = new Store({ config, feedCache, now });
  // A starting instance takes the copies the cluster holds in one read, before its first read of any source.
  const enabledIds = store.enabledSources.map((source) => source.id);
  const sourcesWithoutSharedCopy = sharedCache ? sharedCache.prefetch(enabledIds) : Promise.resolve(enabledIds.length);
  // New articles for `articleAdded`: announced once across the cluster through Redis, or in process; handed to the app below.
  const articleEvents = createArticleEvents({ store, logger, channel: sharedCache && createRedisArticleChannel(sharedCache) });
  // Another instance saw a source change: take its copy from Redis and rebuild now, not at this instance's next refresh.
  void sharedCache?.onChanged(async (sourceId) => {
    const source = store.enabledSources.find((s) => s.id === sourceId);
    const snapshot = source && (await sharedCache.read(sourceId));
    if (source && snapshot && snapshot.contentHash !== feedCache.peek(sourceId)?.contentHash) {
      feedCache.prime(source, snapshot);
      void store.catalog().catch(() => undefined);
    }
  });
  // Read at scrape time only: `push` is made below, before the gateway is returned.
  metrics.observe(() => readGatewayState(store, now(), (sourceId) => push.status(sourceId).state));
  if (sharedCache)
    metrics.observeRedis(() => ({ up: sharedCache.up, errors: sharedCache.errors, staleLocksTakenOver: sharedCache.staleLocksTakenOver }));
  const refresher = new Refresher({
    feedCache,
    sources: () => store.enabledSources,
    // Rebuild the catalog as soon as a source changed, so no request pays for it.
    onRefreshed: () => void store.catalog().catch(() => undefined),
  });
  const push = new Subscriber({
    publicUrl,
    sources: () => store.enabledSources,
    snapshot: (sourceId) => feedCache.peek(sourceId),
    store: sharedCache ? new RedisSubscriptionStore(sharedCache, { holdMs: subscriptionHoldMs }) : new MemorySubscriptionStore(),
    hubRequest,
    now,
    refusePrivateAddresses,
    classify: classifyAddress,
    logger,
    onChange: (sourceId) => {
      // Answers showing sources' status are cached until a read; this is one for them.
      feedCache.generation++;
      // Polling's pace follows the push state: a source no longer pushed is read at its own pace again.
      const source = store.enabledSources.find((s) => s.id === sourceId);
      if (source) feedCache.retime(source);
      refresher.reschedule(sourceId);
    },
  });
  store.pushStatus = (sourceId) => push.status(sourceId);
  const receiver = new Receiver({
    subscriber: push,
    ingest: createPushedContent({
      store,
      feedCache,
      sharedCache,
      ingest: (request, held) => pool.run(request, held),
      now,
      // Pushed content takes the same steps as a read, full text included.
      wrap: (pushedRead) => withFullText(pushedRead, { readPage, now, logger }),
    }),
    now,
    logger,
  });
  // Keys, CORS and rate limits in front of every route; metrics scrapes need no key.
  const gate = createPartnerGate({
    partners,
    onRateLimited: (client) => metrics.rateLimited(client),
    // Hubs hold no API key: the callback checks its own token and signatures.
    openPaths: [...DEFAULT_OPEN_PATHS, "/metrics", CALLBACK_PREFIX],
    shared: sharedCache,
  });
  return {
    // Cache-Control's max-age is what the feed cache has left of the sources' freshness (Store.maxAgeSeconds).
    app: createApp({
      store,
      articleEvents,
      logger,
      metrics,
      routes: [
        createMetricsRoute({ registry: metrics.registry, token: metricsToken }),
        createStatusRoute({ store, history, now }),
        createWebSubRoute({ store, receiver, onPush: (outcome) => metrics.websubPush(outcome) }),
        ...createFeedRoutes({ store, publicUrl }),
        ...createEmbedRoutes({
          store,
          frameAncestors: (req) => frameAncestors(partners, gate.partnerOf(req)),
          partnerOf: gate.partnerOf,
        }),
      ],
      gate,
      // Answers the edge cache gives never reach Yoga: its lookups are their only trace in metrics.
      ...http,
      // APQ registered on one instance runs by its hash on every other.
      automaticPersistedQueries: http.automaticPersistedQueries ?? { shared: sharedCache },
      edgeCache: { ...http.edgeCache, onLookup: (outcome) => metrics.cacheLookup("edge", outcome) },
      // In a cluster the allow-list is the union of the instances' files (see sharePersistedOperations).
      persistedOperations:
        sharedCache && http.persistedOperations
          ? sharePersistedOperations(http.persistedOperations, sharedCache)
          : http.persistedOperations,
    }),
    store,
    articleEvents,
    refresher,
    push,
    sourcesWithoutSharedCopy,
    warmUp: async () => {
      await store.catalog();
    },
    reload: createReloader({ store, feedCache, read, onRemoved: (sourceId) => history.forget(sourceId) }),
    refreshSource: (sourceId) => {
      const source = store.enabledSources.find((s) => s.id === sourceId);
      return source ? feedCache.refresh(source) : Promise.reject(new Error(`no enabled source "${sourceId}"`));
    },
    logger,
    metrics,
    shutdown: async () => {
      articleEvents.close();
      await push.stop();
      await refresher.stop();
      if (ownsPool) await pool.close();
      await extractPool.close();
    },
  };
}
