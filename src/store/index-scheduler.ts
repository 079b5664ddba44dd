import type { BuildingCatalog, IndexFallback } from "./catalog/catalog.ts";
import { RelatedIndex } from "./related/related-index.ts";
import type { SearchIndex } from "./search/search-index.ts";

/** How long a new catalog must stay current before its indexes are built in the background. */
export const INDEXING_DELAY_MS = 1000;
/**
 * Background indexing runs only while the store is quiet: no source being
 * read, no catalog build under way or due. Indexing a large catalog takes the
 * serving thread about as long as everything else a refresh of every source
 * asks of it, and a refresh is when the thread has least to spare; requests
 * meanwhile answer from the last complete indexes. How often the scheduler
 * looks again while indexing waits or runs:
 */
export const INDEXING_CHECK_MS = 250;
/** Longest indexing waits for a quiet moment: under a steady stream of reads, the current catalog is indexed anyway once this long has passed without a complete index. */
export const MAX_INDEXING_WAIT_MS = 15_000;

export interface IndexingTimes {
  delayMs: number;
  checkMs: number;
  maxWaitMs: number;
}

export interface IndexSchedulerOptions {
  times: IndexingTimes;
  /** The source reads (a FeedCache fits): indexing waits while any is in flight, and pauses as one starts. */
  reads: { readonly readsInFlight: number; onReadStart(listener: () => void): () => void };
  /** The catalog in force: the one to index once it has lasted `delayMs`; null before the first build and after a reload. */
  current: () => BuildingCatalog | null;
  /** Whether a catalog build is under way or due. */
  building: () => boolean;
}

/**
 * Decides when catalogs' related and search indexes are built in the
 * background, and keeps the newest complete ones for catalogs whose own are
 * not built yet. One background index build at a time, never abandoned:
 * under a steady stream of changes (a catalog replaced every second or two),
 * abandoning each build for the next would leave every catalog unindexed and
 * every request waiting. A build under way finishes (its indexes become what
 * new catalogs answer from); then the catalog current at that moment is
 * indexed. It runs while the store is quiet, or once overdue, and pauses when
 * reads start again. Invariant: the indexes answered from never belong to a
 * configuration older than the last reload.
 */
export class IndexScheduler {
  private readonly times: IndexingTimes;
  private readonly reads: IndexSchedulerOptions["reads"];
  private readonly current: () => BuildingCatalog | null;
  private readonly building: () => boolean;
  /** The newest complete indexes, of whatever catalog version: what a new catalog answers from until its own are built. */
  private lastRelated: { version: number; index: RelatedIndex } | null = null;
  private lastSearch: { version: number; index: SearchIndex } | null = null;
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

  constructor({ times, reads, current, building }: IndexSchedulerOptions) {
    this.times = times;
    this.reads = reads;
    this.current = current;
    this.building = building;
    // A background index build pauses as soon as sources are read, not at its next check.
    reads.onReadStart(() => {
      if (this.indexing && !this.overdue) this.check();
    });
  }

  /** A catalog became current. */
  published(catalog: BuildingCatalog): void {
    // A version made in place from an indexed one shares its indexes, already changed for it.
    if (catalog.indexed) return;
    // Indexed once the catalog has lasted a moment: in a burst of changes each build would be
    // replaced before its index was done. Meanwhile requests answer from the last complete indexes.
    this.settled = null;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      if (this.current() !== catalog) return;
      this.settled = catalog;
      this.check();
    }, this.times.delayMs).unref();
    this.startOverdueTimer();
  }

  /** The older indexes a catalog of `version` answers from, and where it reports its own once complete. */
  fallback(version: number): IndexFallback {
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
        // Versions made in place share their line's indexes: whichever of them waits is indexed now.
        const current = this.current();
        const catalog = this.indexing?.indexed ? this.indexing : current?.indexed ? current : null;
        if (catalog) this.indexed(catalog);
      },
    };
  }

  /**
   * The configuration changed after catalogs up to `lastVersion` were built:
   * their indexes may hold sources no longer in force, so the new
   * configuration's are awaited.
   */
  reload(lastVersion: number): void {
    this.lastRelated = null;
    this.lastSearch = null;
    this.reloadedAtVersion = lastVersion;
    this.indexing?.pauseIndexing();
    this.indexing = null;
    this.settled = null;
  }

  /** Starts, resumes or pauses the background build, and looks again in `checkMs` while there is one to run. */
  private check(): void {
    if (this.checkTimer) clearTimeout(this.checkTimer);
    this.checkTimer = null;
    const current = this.current();
    const target = this.indexing ?? (current && current === this.settled && !current.indexed ? current : null);
    if (!target) return;
    if (this.busy() && !this.overdue) {
      target.pauseIndexing();
    } else {
      this.indexing = target;
      target.startIndexing();
    }
    // Looked at again while it waits or runs: a burst of reads pauses it, a quiet moment resumes it.
    this.checkTimer = setTimeout(() => this.check(), this.times.checkMs).unref();
  }

  /** Sources are being read, or a catalog is being built or is due: not the moment for background indexing. */
  private busy(): boolean {
    return this.reads.readsInFlight > 0 || this.building();
  }

  /** A catalog's indexes are complete (built in the background or for a request): the wait for the next starts over. */
  private indexed(catalog: BuildingCatalog): void {
    if (this.indexing === catalog) this.indexing = null;
    this.overdue = false;
    if (this.overdueTimer) clearTimeout(this.overdueTimer);
    this.overdueTimer = null;
    const current = this.current();
    if (current && !current.indexed) this.startOverdueTimer();
    this.check();
  }

  private startOverdueTimer(): void {
    this.overdueTimer ??= setTimeout(() => {
      this.overdueTimer = null;
      this.overdue = true;
      this.check();
    }, this.times.maxWaitMs).unref();
  }
}
