import { LRUCache } from "lru-cache";
import type { SourceConfig } from "../../config/sources-file.ts";

import { freshnessMs } from "./refresh-policy.ts";
import type { SourceSnapshot } from "../../model/source-snapshot.ts";

/** Bound on how many sources' results are held, whatever their TTLs. */
export const MAX_CACHED_SOURCES = 10_000;

export interface FeedCacheOptions {
  /** Reads one source; gets the previous snapshot for conditional requests and stale-if-error. */
  load: (source: SourceConfig, previous: SourceSnapshot | undefined) => Promise<SourceSnapshot>;
  /** Milliseconds clock, so tests move time instead of sleeping. @default performance.now */
  now?: () => number;
  /** @default MAX_CACHED_SOURCES */
  max?: number;
  /** Source of jitter for refresh times. @default Math.random */
  random?: () => number;
  /** Told what each `get` found (metrics): fresh, stale (served while it refreshes) or nothing (the caller waited); `count` lookups at once from `getAll` and `countHits`. @default none */
  onLookup?: (result: "hit" | "stale" | "miss", count?: number) => void;
  /** Whether a WebSub hub pushes the source's changes now: it is then polled less often (see freshnessMs). @default never */
  pushed?: (sourceId: string) => boolean;
}

/**
 * Each source's last result, fresh for its `refreshSeconds`. lru-cache's
 * `fetch` gives single-flight (concurrent callers share one upstream request)
 * and stale-while-revalidate (a stale entry is served while it refreshes).
 * The loader never rejects: a failure is a snapshot that keeps the last good
 * articles (stale-if-error). How long a snapshot stays fresh, after a good read
 * or a failure (backoff), is `freshnessMs` of refresh-policy.ts.
 */
export class FeedCache {
  private readonly cache: LRUCache<string, SourceSnapshot, SourceConfig>;
  /** Counts completed reads: any snapshot (content, health or timestamps) may differ after it changes. */
  generation = 0;
  private reading = 0;
  private readonly readStartListeners = new Set<() => void>();

  private readonly random: () => number;
  private readonly onLookup: FeedCacheOptions["onLookup"];
  private readonly pushed: (sourceId: string) => boolean;

  constructor({
    load,
    now = () => performance.now(),
    max = MAX_CACHED_SOURCES,
    random = Math.random,
    onLookup,
    pushed = () => false,
  }: FeedCacheOptions) {
    this.random = random;
    this.onLookup = onLookup;
    this.pushed = pushed;
    this.cache = new LRUCache<string, SourceSnapshot, SourceConfig>({
      max,
      ttlAutopurge: false,
      // Read the clock on every check: lru-cache's default 1 ms debounce would hide a test's moved clock.
      ttlResolution: 0,
      allowStale: true,
      noDeleteOnStaleGet: true,
      allowStaleOnFetchRejection: true,
      // A read abandoned by `prime` or `delete` (a reload) still answers the requests awaiting it; only the cache ignores it.
      ignoreFetchAbort: true,
      perf: { now },
      fetchMethod: async (_id, stale, { context: source, options }) => {
        this.reading++;
        // A listener's mistake must not fail the read.
        for (const listener of this.readStartListeners)
          try {
            listener();
          } catch {
            /* ignored */
          }
        try {
          const { snapshot, ttl } = this.kept(source, await load(source, stale));
          options.ttl = ttl;
          this.generation++;
          return snapshot;
        } finally {
          this.reading--;
        }
      },
    });
  }

  /** Sources being read now: background work (indexing) waits for a quiet moment. */
  get readsInFlight(): number {
    return this.reading;
  }

  /** Calls `listener` whenever a read of a source starts (background work pauses); returns the unsubscribe. */
  onReadStart(listener: () => void): () => void {
    this.readStartListeners.add(listener);
    return () => void this.readStartListeners.delete(listener);
  }

  /** The source's snapshot: cached if fresh, stale while a refresh runs, else fetched once. */
  async get(source: SourceConfig): Promise<SourceSnapshot> {
    const { snapshot, result } = await this.lookUp(source);
    this.onLookup?.(result);
    return snapshot;
  }

  /**
   * `get` for every source in `sources`, in order, with what they found
   * counted once per kind: a request during a refresh round asks every
   * source, and a metric per lookup cost more than the lookup.
   */
  async getAll(sources: readonly SourceConfig[]): Promise<SourceSnapshot[]> {
    const found = { hit: 0, stale: 0, miss: 0 };
    const snapshots: SourceSnapshot[] = new Array(sources.length);
    let waiting: Promise<void>[] | null = null;
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i]!;
      // A fresh snapshot is taken as it is, without a promise: with thousands of sources, a promise
      // per source cost more than the catalog's change that a request after a refresh waits for.
      const fresh = this.cache.getRemainingTTL(source.id) > 0 ? this.cache.get(source.id) : undefined;
      if (fresh) {
        snapshots[i] = fresh;
        found.hit++;
        continue;
      }
      (waiting ??= []).push(
        this.lookUp(source).then(({ snapshot, result }) => {
          snapshots[i] = snapshot;
          found[result]++;
        }),
      );
    }
    if (waiting) await Promise.all(waiting);
    for (const result of ["hit", "stale", "miss"] as const) if (found[result] > 0) this.onLookup?.(result, found[result]);
    return snapshots;
  }

  /** The source's snapshot (cached, stale while it refreshes, or fetched once) and which of those it was. */
  private async lookUp(source: SourceConfig): Promise<{ snapshot: SourceSnapshot; result: "hit" | "stale" | "miss" }> {
    const status: LRUCache.Status<string, SourceSnapshot, SourceConfig> = {};
    const snapshot = await this.cache.fetch(source.id, { context: source, status });
    if (!snapshot) throw new Error(`feed cache: no snapshot for source ${source.id}`);
    return { snapshot, result: status.fetch === "hit" ? "hit" : status.returnedStale ? "stale" : "miss" };
  }

  /** Counts `count` lookups that found fresh snapshots without asking for them one by one (the store knew every source fresh). */
  countHits(count: number): void {
    if (count > 0) this.onLookup?.("hit", count);
  }

  /** Reads the source now, whatever its freshness (the background refresher's call); single-flight still applies. */
  async refresh(source: SourceConfig): Promise<SourceSnapshot> {
    const snapshot = await this.cache.fetch(source.id, { context: source, forceRefresh: true, allowStale: false });
    if (!snapshot) throw new Error(`feed cache: no snapshot for source ${source.id}`);
    return snapshot;
  }

  /** Milliseconds until the source's snapshot goes stale; 0 when stale or absent. */
  remainingMs(sourceId: string): number {
    return Math.max(0, this.cache.getRemainingTTL(sourceId));
  }

  /** What is held now, fresh or stale, without fetching. */
  peek(sourceId: string): SourceSnapshot | undefined {
    return this.cache.get(sourceId, { allowStale: true });
  }

  /**
   * Stores a snapshot read outside the cache, fresh for its usual time (a
   * reload reads new sources before switching to them). An in-flight read of
   * the source is abandoned: its older answer must not overwrite this one.
   */
  prime(source: SourceConfig, snapshot: SourceSnapshot): void {
    const kept = this.kept(source, snapshot);
    this.cache.set(source.id, kept.snapshot, { ttl: kept.ttl });
    this.generation++;
  }

  /**
   * Holds the source's snapshot no longer than the policy now says, counted
   * from now (push stopped: the long wait it was given while pushed is cut
   * back). Nothing changes when it is due sooner anyway.
   */
  retime(source: SourceConfig): void {
    const held = this.peek(source.id);
    if (!held) return;
    const policy = freshnessMs(source, held, this.random, this.pushed(source.id));
    if (this.remainingMs(source.id) > policy) this.cache.set(source.id, held, { ttl: Math.max(1, policy) });
  }

  /** What is stored and for how long: the policy's freshness, less the age of a copy taken from another instance. */
  private kept(source: SourceConfig, { copyAgeMs, ...snapshot }: SourceSnapshot): { snapshot: SourceSnapshot; ttl: number } {
    const policy = freshnessMs(source, snapshot, this.random, this.pushed(source.id));
    return { snapshot, ttl: Math.max(1, policy - Math.max(0, copyAgeMs ?? 0)) };
  }

  delete(sourceId: string): void {
    this.cache.delete(sourceId);
  }
}
