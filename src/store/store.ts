import type { SourceConfig, SourcesConfig } from "../config/sources-file.ts";
import type { PushStatus } from "../model/push-status.ts";
import type { SourceSnapshot } from "../model/source-snapshot.ts";

import { CatalogBuilds, type InPlaceLimits } from "./catalog-builds.ts";
import type { Catalog } from "./catalog/catalog.ts";
import { INDEXING_CHECK_MS, INDEXING_DELAY_MS, IndexScheduler, MAX_INDEXING_WAIT_MS, type IndexingTimes } from "./index-scheduler.ts";
import type { FeedCache } from "./source-cache/feed-cache.ts";
import { FirstStale } from "./source-cache/first-stale.ts";

export interface StoreOptions {
  config: SourcesConfig;
  feedCache: FeedCache;
  /** Wall clock in epoch milliseconds (dates shown to clients). @default Date.now */
  now?: () => number;
  /** When background indexing runs (timers, not the clock). @default INDEXING_DELAY_MS, INDEXING_CHECK_MS, MAX_INDEXING_WAIT_MS */
  indexing?: Partial<IndexingTimes>;
  /** When a change is applied to the catalog in place rather than by a build from scratch. @default IN_PLACE_LIMITS */
  inPlace?: InPlaceLimits;
}

const PUSH_OFF: PushStatus = { state: "off", hub: null, topic: null, leaseEndsAt: null, reason: null, lastPushAt: null };

/**
 * The single entry point the API reads: every enabled source through the feed
 * cache, merged into a catalog that is rebuilt only when some source's content
 * changed. A façade: `CatalogBuilds` keeps the current catalog and coalesces
 * its builds, `IndexScheduler` builds the catalogs' indexes in the background;
 * the store holds the configuration in force and answers what is asked of the
 * sources' state (freshness, health).
 */
export class Store {
  private activeConfig: SourcesConfig;
  private readonly feedCache: FeedCache;
  private readonly builds: CatalogBuilds;
  private readonly indexing: IndexScheduler;
  private enabled: { config: SourcesConfig; sources: readonly SourceConfig[] } | null = null;
  private health: { generation: number; key: string } | null = null;
  /** The shortest `refreshSeconds` of the enabled sources, per configuration (see `maxAgeSeconds`). */
  private refreshSeconds: { config: SourcesConfig; seconds: number } | null = null;
  /** Which source goes stale first (see `allFresh`). */
  private readonly firstStale: FirstStale;
  /** A source's WebSub push state, as the wiring's subscriber (src/push) knows it; off without one. */
  pushStatus: (sourceId: string) => PushStatus = () => PUSH_OFF;

  constructor({ config, feedCache, now = Date.now, indexing, inPlace }: StoreOptions) {
    this.activeConfig = config;
    this.feedCache = feedCache;
    this.firstStale = new FirstStale((sourceId) => feedCache.remainingMs(sourceId));
    this.builds = new CatalogBuilds({
      sources: this,
      feedCache,
      now,
      fallback: (version) => this.indexing.fallback(version),
      published: (catalog) => this.indexing.published(catalog),
      inPlace,
    });
    this.indexing = new IndexScheduler({
      times: { delayMs: INDEXING_DELAY_MS, checkMs: INDEXING_CHECK_MS, maxWaitMs: MAX_INDEXING_WAIT_MS, ...indexing },
      reads: feedCache,
      current: () => this.builds.latest,
      building: () => this.builds.busy,
    });
  }

  /**
   * Calls `listener` after every build with the catalog it replaces: null on the
   * first build and on the first after a `reload`. Returns the unsubscribe.
   */
  onCatalogBuilt(listener: (previous: Catalog | null, next: Catalog) => void): () => void {
    return this.builds.onBuilt(listener);
  }

  /** The configuration in force: replaced as a whole by `reload`, never changed in place. */
  get config(): SourcesConfig {
    return this.activeConfig;
  }

  /** The enabled sources of the configuration in force, derived once per configuration (every request reads them). */
  get enabledSources(): readonly SourceConfig[] {
    if (this.enabled?.config !== this.activeConfig)
      this.enabled = { config: this.activeConfig, sources: this.activeConfig.sources.filter((s) => s.enabled) };
    return this.enabled.sources;
  }

  /** The current catalog; reads each source through the cache (at most one fetch per TTL). */
  catalog(): Promise<Catalog> {
    return this.builds.catalog();
  }

  /**
   * The catalog as last built, if it still shows every source's current
   * content; null when a source changed since (the next `catalog()` rebuilds).
   * Synchronous and cheap, for answering from a response cache.
   */
  currentCatalog(): Catalog | null {
    return this.builds.currentCatalog();
  }

  /** Whether every enabled source is within its freshness (none waits for a refresh), asking only the source that goes stale first. */
  allFresh(): boolean {
    return this.freshForMs() > 0;
  }

  /** Milliseconds until the first enabled source goes stale (Infinity with none); 0 when one is. */
  freshForMs(): number {
    return this.firstStale.leftMs(this.activeConfig, this.feedCache.generation, () => this.enabledSources);
  }

  /**
   * Cache-Control's max-age for an answer served now: the least time any
   * enabled source has left before it is read again (0 for one being
   * refreshed), never more than the shortest `refreshSeconds`.
   */
  maxAgeSeconds(): number {
    if (this.refreshSeconds?.config !== this.activeConfig) {
      const sources = this.enabledSources;
      this.refreshSeconds = {
        config: this.activeConfig,
        seconds: sources.length === 0 ? 0 : Math.min(...sources.map((source) => source.refreshSeconds)),
      };
    }
    return Math.min(this.refreshSeconds.seconds, Math.floor(Math.min(this.freshForMs(), Number.MAX_SAFE_INTEGER) / 1000));
  }

  /** Counts completed source reads; answers showing source status change with it. */
  get readGeneration(): number {
    return this.feedCache.generation;
  }

  /** Each enabled source's health, as one string that changes when any source's does. */
  healthKey(): string {
    if (this.health?.generation !== this.feedCache.generation) {
      const key = this.enabledSources
        .map((s) => {
          const snap = this.feedCache.peek(s.id);
          return !snap ? "untried" : snap.ok ? "ok" : (snap.error?.code ?? "failed");
        })
        .join(",");
      this.health = { generation: this.feedCache.generation, key };
    }
    return this.health.key;
  }

  /** The last result of a source, without fetching; undefined before its first try. */
  snapshot(sourceId: string): SourceSnapshot | undefined {
    return this.feedCache.peek(sourceId);
  }

  /** True once every enabled source has been tried at least once. */
  isReady(): boolean {
    return this.enabledSources.every((source) => this.feedCache.peek(source.id) !== undefined);
  }

  /**
   * Switches to a new configuration in one synchronous step: from now on
   * reads see only its sources and sections, and the next `catalog()`
   * rebuilds whatever changed. Cached snapshots stay; the caller (the
   * reloader) reads new sources first and drops removed ones.
   */
  reload(config: SourcesConfig): void {
    this.activeConfig = config;
    this.builds.reload();
    this.health = null;
    this.indexing.reload(this.builds.lastVersion);
  }

  /** The catalog as last built, without reading any source (metrics, status page); null before the first build. */
  get builtCatalog(): Catalog | null {
    return this.builds.latest;
  }
}
