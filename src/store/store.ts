import type { SourceConfig, SourcesConfig } from "../config/sources-file.ts";

import { CatalogKey } from "./catalog-key.ts";
import { buildCatalogSteps, type BuildingCatalog, type Catalog, type IndexFallback } from "./catalog.ts";
import { RelatedIndex } from "./related-index.ts";
import type { SearchIndex } from "./search-index.ts";
import type { FeedCache } from "./feed-cache.ts";
import { FirstStale } from "./first-stale.ts";
import { runSliced, timedSteps } from "./time-slice.ts";
import type { SourceSnapshot } from "../model/source-snapshot.ts";

/**
 * Least time between two catalog builds. When sources change in a burst (a
 * refresh of hundreds), requests keep the catalog they have for up to this
 * long and one build takes in every change, instead of one build per source.
 */
export const MIN_REBUILD_INTERVAL_MS = 250;
/**
 * The least time between builds, per millisecond of the thread the last build
 * used: builds take at most about a third of the serving thread. Counted in
 * time spent in the build's slices, not from its start to its end: on a busy
 * thread a sliced build spreads over seconds while using a fraction of them,
 * and spacing builds by that spread left a refresh round waiting seconds for
 * its last build.
 */
export const REBUILD_INTERVAL_PER_BUILD_MS = 2;
/** How long a new catalog must stay current before its indexes are built in the background. */
export const INDEXING_DELAY_MS = 1000;
/**
 * Background indexing runs only while the store is quiet: no source being
 * read, no catalog build under way or due. Indexing 20k articles takes the
 * serving thread about as long as everything else a refresh of every source
 * asks of it, and a refresh is when the thread has least to spare; requests
 * meanwhile answer from the last complete indexes. How often the store looks
 * again while indexing waits or runs:
 */
export const INDEXING_CHECK_MS = 250;
/** Longest indexing waits for a quiet moment: under a steady stream of reads, the current catalog is indexed anyway once this long has passed without a complete index. */
export const MAX_INDEXING_WAIT_MS = 15_000;

export interface IndexingTimes {
  delayMs: number;
  checkMs: number;
  maxWaitMs: number;
}

export interface StoreOptions {
  config: SourcesConfig;
  feedCache: FeedCache;
  /** Wall clock in epoch milliseconds (dates shown to clients). @default Date.now */
  now?: () => number;
  /** When background indexing runs (timers, not the clock). @default INDEXING_DELAY_MS, INDEXING_CHECK_MS, MAX_INDEXING_WAIT_MS */
  indexing?: Partial<IndexingTimes>;
}

/**
 * The single entry point the API reads: every enabled source through the feed
 * cache, merged into a catalog that is rebuilt only when some source's content
 * changed.
 */
export class Store {
  private activeConfig: SourcesConfig;
  private readonly feedCache: FeedCache;
  private readonly now: () => number;
  private current: { key: CatalogKey; catalog: BuildingCatalog } | null = null;
  private building: { key: CatalogKey; promise: Promise<BuildingCatalog> } | null = null;
  private followUp: Promise<void> | null = null;
  private version = 0;
  private checkedAtGeneration = -1;
  private builtAt = Number.NEGATIVE_INFINITY;
  private lastBuildMs = 0;
  private rebuildTimer: NodeJS.Timeout | null = null;
  private health: { generation: number; key: string } | null = null;
  /** The shortest `refreshSeconds` of the enabled sources, per configuration (see `maxAgeSeconds`). */
  private refreshSeconds: { config: SourcesConfig; seconds: number } | null = null;
  private readonly builtListeners = new Set<(previous: Catalog | null, next: Catalog) => void>();
  /** The newest complete indexes, of whatever catalog version: what a new catalog answers from until its own are built. */
  private lastRelated: { version: number; index: RelatedIndex } | null = null;
  private lastSearch: { version: number; index: SearchIndex } | null = null;
  private readonly indexingTimes: IndexingTimes;
  /** The catalog whose indexes are being built in the background (running or paused). */
  private indexing: BuildingCatalog | null = null;
  /** The current catalog once it has lasted `delayMs`: the one to index next. */
  private settled: BuildingCatalog | null = null;
  private settleTimer: NodeJS.Timeout | null = null;
  private checkTimer: NodeJS.Timeout | null = null;
  /** Set once `maxWaitMs` passed with a catalog unindexed: indexing then runs whether the store is quiet or not. */
  private overdue = false;
  private overdueTimer: NodeJS.Timeout | null = null;
  /** Catalogs up to this version were built before the last reload: their indexes are not answered from. */
  private reloadedAtVersion = 0;
  private enabled: { config: SourcesConfig; sources: readonly SourceConfig[] } | null = null;
  /** Which source goes stale first (see `allFresh`). */
  private readonly firstStale: FirstStale;

  constructor({ config, feedCache, now = Date.now, indexing }: StoreOptions) {
    this.activeConfig = config;
    this.feedCache = feedCache;
    this.now = now;
    this.indexingTimes = { delayMs: INDEXING_DELAY_MS, checkMs: INDEXING_CHECK_MS, maxWaitMs: MAX_INDEXING_WAIT_MS, ...indexing };
    this.firstStale = new FirstStale((sourceId) => feedCache.remainingMs(sourceId));
    // A background index build pauses as soon as sources are read, not at its next check.
    feedCache.onReadStart(() => {
      if (this.indexing && !this.overdue) this.checkIndexing();
    });
  }

  /**
   * Calls `listener` after every build with the catalog it replaces: null on the
   * first build and on the first after a `reload`. Returns the unsubscribe.
   */
  onCatalogBuilt(listener: (previous: Catalog | null, next: Catalog) => void): () => void {
    this.builtListeners.add(listener);
    return () => void this.builtListeners.delete(listener);
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
  async catalog(): Promise<Catalog> {
    // Every source fresh and the catalog built from what they hold: nothing to read or build. Asking
    // each source (a promise per source, a key of them all) cost 250 µs a request at 200 sources.
    const built = this.currentCatalog();
    if (built && this.allFresh()) {
      this.feedCache.countHits(this.enabledSources.length);
      return built;
    }
    const config = this.activeConfig;
    const sources = this.enabledSources;
    const snapshots = await this.feedCache.getAll(sources);
    // A reload switched configurations during the reads: build from the one now in force.
    if (config !== this.activeConfig) return this.catalog();
    if (this.current?.key.matches(snapshots)) return this.current.catalog;
    const key = CatalogKey.of(snapshots);
    if (this.building) {
      // Stale while revalidating: during a build, requests get the catalog in force without waiting,
      // and once the build is done another one takes in whatever changed meanwhile.
      if (this.current) {
        this.followUp ??= this.building.promise.then(
          () => this.afterBuild(),
          () => this.afterBuild(),
        );
        return this.current.catalog;
      }
      // No catalog yet (starting): wait for the build under way, then look again.
      const building = this.building;
      const built = await building.promise;
      return building.key.equals(key) ? built : this.catalog();
    }
    const sinceBuild = this.now() - this.builtAt;
    // Builds take at most about a third of the serving thread however large the catalog.
    const interval = Math.max(MIN_REBUILD_INTERVAL_MS, REBUILD_INTERVAL_PER_BUILD_MS * this.lastBuildMs);
    if (this.current && sinceBuild < interval) {
      this.rebuildTimer ??= setTimeout(() => {
        this.rebuildTimer = null;
        void this.catalog().catch(() => undefined);
      }, interval - sinceBuild).unref();
      return this.current.catalog;
    }
    const version = ++this.version;
    const steps = buildCatalogSteps({
      version,
      now: this.now(),
      sections: this.config.sections,
      sources: this.config.sources,
      snapshots: new Map(snapshots.map((s) => [s.sourceId, s])),
      fallback: this.indexFallback(version),
    });
    // Built in slices between requests: a catalog of 100k articles never holds the event loop.
    const spent = { ms: 0 };
    // Published on the turn after the build's last slice, which has had its time: what publishing
    // runs (listeners comparing catalogs) would add to that turn.
    const promise = runSliced(timedSteps(steps, spent))
      .then(nextTurn)
      .finally(() => {
        if (this.building?.promise === promise) this.building = null;
      });
    this.building = { key, promise };
    const catalog = await promise;
    // A reload switched configurations during the build: this catalog shows sources no longer in force.
    if (config !== this.activeConfig) return this.catalog();
    this.publish(key, catalog, spent.ms);
    return catalog;
  }

  private afterBuild(): void {
    this.followUp = null;
    void this.catalog().catch(() => undefined);
  }

  private publish(key: CatalogKey, catalog: BuildingCatalog, buildMs: number): void {
    const previous = this.current?.catalog ?? null;
    this.current = { key, catalog };
    this.checkedAtGeneration = -1;
    // Timed from the end of a build: a build longer than the interval must not disable coalescing.
    this.builtAt = this.now();
    this.lastBuildMs = buildMs;
    // Indexed once the catalog has lasted a moment: in a burst of changes each build would be
    // replaced before its index was done. Meanwhile requests answer from the last complete indexes.
    this.settled = null;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      if (this.current?.catalog !== catalog) return;
      this.settled = catalog;
      this.checkIndexing();
    }, this.indexingTimes.delayMs).unref();
    this.startOverdueTimer();
    // A listener's mistake must never fail the build or a request waiting for it.
    for (const listener of this.builtListeners)
      try {
        listener(previous, catalog);
      } catch {
        /* ignored */
      }
  }

  /**
   * One background index build at a time, never abandoned: under a steady
   * stream of changes (a catalog replaced every second or two), abandoning
   * each build for the next would leave every catalog unindexed and every
   * request waiting. A build under way finishes (its indexes become what new
   * catalogs answer from); then the catalog current at that moment is
   * indexed. It runs while the store is quiet (`busy`), or once overdue, and
   * pauses when reads start again.
   */
  private checkIndexing(): void {
    if (this.checkTimer) clearTimeout(this.checkTimer);
    this.checkTimer = null;
    const current = this.current?.catalog ?? null;
    const target = this.indexing ?? (current && current === this.settled && !current.indexed ? current : null);
    if (!target) return;
    if (this.busy() && !this.overdue) {
      target.pauseIndexing();
    } else {
      this.indexing = target;
      target.startIndexing();
    }
    // Looked at again while it waits or runs: a burst of reads pauses it, a quiet moment resumes it.
    this.checkTimer = setTimeout(() => this.checkIndexing(), this.indexingTimes.checkMs).unref();
  }

  /** Sources are being read, or a catalog is being built or is due: not the moment for background indexing. */
  private busy(): boolean {
    return this.feedCache.readsInFlight > 0 || this.building !== null || this.rebuildTimer !== null || this.followUp !== null;
  }

  /** A catalog's indexes are complete (built in the background or for a request): the wait for the next starts over. */
  private indexed(catalog: BuildingCatalog): void {
    if (this.indexing === catalog) this.indexing = null;
    this.overdue = false;
    if (this.overdueTimer) clearTimeout(this.overdueTimer);
    this.overdueTimer = null;
    const current = this.current?.catalog;
    if (current && !current.indexed) this.startOverdueTimer();
    this.checkIndexing();
  }

  private startOverdueTimer(): void {
    this.overdueTimer ??= setTimeout(() => {
      this.overdueTimer = null;
      this.overdue = true;
      this.checkIndexing();
    }, this.indexingTimes.maxWaitMs).unref();
  }

  private indexFallback(version: number): IndexFallback {
    return {
      related: () => this.lastRelated?.index ?? null,
      search: () => this.lastSearch?.index ?? null,
      built: (index) => {
        if (version > this.reloadedAtVersion) {
          if (index instanceof RelatedIndex) {
            if (!this.lastRelated || this.lastRelated.version < version) this.lastRelated = { version, index };
          } else if (!this.lastSearch || this.lastSearch.version < version) {
            this.lastSearch = { version, index };
          }
        }
        const catalog =
          this.indexing?.version === version ? this.indexing : this.current?.catalog.version === version ? this.current.catalog : null;
        if (catalog?.indexed) this.indexed(catalog);
      },
    };
  }

  /**
   * The catalog as last built, if it still shows every source's current
   * content; null when a source changed since (the next `catalog()` rebuilds).
   * Synchronous and cheap, for answering from a response cache.
   */
  currentCatalog(): Catalog | null {
    if (!this.current) return null;
    if (this.checkedAtGeneration === this.feedCache.generation) return this.current.catalog;
    if (!this.current.key.matchesSources(this.enabledSources, (sourceId) => this.feedCache.peek(sourceId))) return null;
    this.checkedAtGeneration = this.feedCache.generation;
    return this.current.catalog;
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
    this.current = null;
    this.health = null;
    // Indexes of the old configuration may hold sources no longer in force: the new one's are awaited.
    this.lastRelated = null;
    this.lastSearch = null;
    this.reloadedAtVersion = this.version;
    this.indexing?.pauseIndexing();
    this.indexing = null;
    this.settled = null;
  }

  /** The catalog as last built, without reading any source (metrics, status page); null before the first build. */
  get builtCatalog(): Catalog | null {
    return this.current?.catalog ?? null;
  }
}

function nextTurn<T>(value: T): Promise<T> {
  return new Promise((resolve) => setImmediate(() => resolve(value)));
}
