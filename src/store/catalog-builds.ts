import type { SourceConfig, SourcesConfig } from "../config/sources-file.ts";

import type { SourceSnapshot } from "../model/source-snapshot.ts";
import { buildCatalogSteps, type BuildingCatalog, type Catalog, changeCatalog, type IndexFallback } from "./catalog/catalog.ts";
import { CatalogKey } from "./catalog/catalog-key.ts";
import type { FeedCache } from "./source-cache/feed-cache.ts";
import { runSliced, timedSteps } from "./sliced/time-slice.ts";

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
 * and spacing builds by that spread would leave a refresh round waiting
 * seconds for its last build.
 */
export const REBUILD_INTERVAL_PER_BUILD_MS = 2;
/**
 * When a change of sources is applied to the catalog in place (see
 * `changeCatalog`) rather than by a build from scratch: unless the items of
 * the changed sources, before and after, outnumber `maxShare` of the
 * catalog's stories (a build from scratch then costs less), and always when
 * they are at most `minItems` (either way costs next to nothing).
 */
export interface InPlaceLimits {
  maxShare: number;
  minItems: number;
}

export const IN_PLACE_LIMITS: InPlaceLimits = { maxShare: 0.25, minItems: 2_000 };

/** What the builds read of the store: the configuration in force and its sources' freshness. */
export interface SourcesInForce {
  /** Replaced as a whole by a reload, never changed in place: a build compares it by identity. */
  readonly config: SourcesConfig;
  readonly enabledSources: readonly SourceConfig[];
  /** Whether no enabled source is due a read. */
  allFresh(): boolean;
}

export interface CatalogBuildsOptions {
  sources: SourcesInForce;
  feedCache: FeedCache;
  /** Wall clock in epoch milliseconds. */
  now: () => number;
  /** The older indexes a catalog of `version` answers from while its own build (see IndexFallback). */
  fallback: (version: number) => IndexFallback;
  /** Told of each catalog made current, before the `onBuilt` listeners. */
  published: (catalog: BuildingCatalog) => void;
  /** @default IN_PLACE_LIMITS */
  inPlace?: InPlaceLimits;
}

/**
 * The current catalog and the build that will replace it. Builds are
 * coalesced: at most one runs at a time, requests during a build are answered
 * from the catalog in force (stale while revalidating), and builds are spaced
 * so that a burst of source changes makes one build rather than one per
 * source. Invariant: `current` was built from the configuration in force; a
 * reload drops it, and a build finished for an older configuration is never
 * published.
 */
export class CatalogBuilds {
  private readonly sources: SourcesInForce;
  private readonly feedCache: FeedCache;
  private readonly now: () => number;
  private readonly fallback: (version: number) => IndexFallback;
  private readonly published: (catalog: BuildingCatalog) => void;
  private readonly inPlace: InPlaceLimits;
  private current: { key: CatalogKey; catalog: BuildingCatalog } | null = null;
  private building: { key: CatalogKey; promise: Promise<BuildingCatalog> } | null = null;
  /** The look again that follows the build under way, taking in what changed during it. */
  private followUp: Promise<void> | null = null;
  private version = 0;
  /** The feed cache's generation at which `current` last matched every source: until it moves, it still does. */
  private checkedAtGeneration = -1;
  private builtAt = Number.NEGATIVE_INFINITY;
  private lastBuildMs = 0;
  private rebuildTimer: NodeJS.Timeout | null = null;
  /** A change failed half-way: the current line's groups and indexes may not match its catalog, so the next build starts from scratch. */
  private lineageBroken = false;
  private readonly builtListeners = new Set<(previous: Catalog | null, next: Catalog) => void>();

  constructor({ sources, feedCache, now, fallback, published, inPlace = IN_PLACE_LIMITS }: CatalogBuildsOptions) {
    this.inPlace = inPlace;
    this.sources = sources;
    this.feedCache = feedCache;
    this.now = now;
    this.fallback = fallback;
    this.published = published;
  }

  /** See `Store.onCatalogBuilt`. */
  onBuilt(listener: (previous: Catalog | null, next: Catalog) => void): () => void {
    this.builtListeners.add(listener);
    return () => void this.builtListeners.delete(listener);
  }

  /** The current catalog; reads each source through the cache (at most one fetch per TTL). */
  async catalog(): Promise<Catalog> {
    // Every source fresh and the catalog built from what they hold: nothing to read or build, and
    // nothing is asked of each source (a promise per source, a key of them all) on this path.
    const built = this.currentCatalog();
    if (built && this.sources.allFresh()) {
      this.feedCache.countHits(this.sources.enabledSources.length);
      return built;
    }
    const config = this.sources.config;
    const snapshots = await this.feedCache.getAll(this.sources.enabledSources);
    // A reload switched configurations during the reads: build from the one now in force.
    if (config !== this.sources.config) return this.catalog();
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
    const changed =
      this.current && !this.lineageBroken ? changedSources(this.current.catalog, this.current.key, snapshots, this.inPlace) : null;
    if (changed && this.current) {
      const started = performance.now();
      let catalog: BuildingCatalog;
      try {
        catalog = changeCatalog(this.current.catalog, { version, now: this.now(), changedSources: changed });
      } catch (error) {
        this.lineageBroken = true;
        throw error;
      }
      this.publish(key, catalog, performance.now() - started);
      return catalog;
    }
    const steps = buildCatalogSteps({
      version,
      now: this.now(),
      sections: config.sections,
      sources: config.sources,
      snapshots: new Map(snapshots.map((s) => [s.sourceId, s])),
      fallback: this.fallback(version),
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
    if (config !== this.sources.config) return this.catalog();
    this.lineageBroken = false;
    this.publish(key, catalog, spent.ms);
    return catalog;
  }

  /**
   * The catalog as last built, if it still shows every source's current
   * content; null when a source changed since (the next `catalog()` rebuilds).
   * Synchronous and cheap, for answering from a response cache.
   */
  currentCatalog(): Catalog | null {
    if (!this.current) return null;
    if (this.checkedAtGeneration === this.feedCache.generation) return this.current.catalog;
    if (!this.current.key.matchesSources(this.sources.enabledSources, (sourceId) => this.feedCache.peek(sourceId))) return null;
    this.checkedAtGeneration = this.feedCache.generation;
    return this.current.catalog;
  }

  /** The catalog as last built, whether or not sources changed since; null before the first build and after a reload. */
  get latest(): BuildingCatalog | null {
    return this.current?.catalog ?? null;
  }

  /** A build is under way or due (timed, or to follow the one under way). */
  get busy(): boolean {
    return this.building !== null || this.rebuildTimer !== null || this.followUp !== null;
  }

  /** The version of the last build started: every catalog built from now on has a higher one. */
  get lastVersion(): number {
    return this.version;
  }

  /** Drops the current catalog (the configuration changed): the next `catalog()` builds anew. */
  reload(): void {
    this.current = null;
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
    this.published(catalog);
    // A listener's mistake must never fail the build or a request waiting for it.
    for (const listener of this.builtListeners)
      try {
        listener(previous, catalog);
      } catch {
        /* ignored */
      }
  }
}

/**
 * The sources whose content differs from what `catalog` was built from, with
 * what each holds now; null when a build from scratch is due instead (a
 * different set of sources, or changes too large a share of the catalog).
 */
function changedSources(
  catalog: Catalog,
  key: CatalogKey,
  snapshots: readonly SourceSnapshot[],
  limits: InPlaceLimits,
): Map<string, SourceSnapshot["articles"]> | null {
  const positions = key.changedIn(snapshots);
  if (!positions) return null;
  const changed = new Map<string, SourceSnapshot["articles"]>();
  let items = 0;
  for (const position of positions) {
    const snapshot = snapshots[position]!;
    changed.set(snapshot.sourceId, snapshot.articles);
    items += snapshot.articles.length + (catalog.storiesPerSource.get(snapshot.sourceId) ?? 0);
  }
  return items <= Math.max(limits.minItems, catalog.articles.length * limits.maxShare) ? changed : null;
}

function nextTurn<T>(value: T): Promise<T> {
  return new Promise((resolve) => setImmediate(() => resolve(value)));
}
