import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { MAX_TIMEOUT_MS, type SourceConfig } from "../../config/sources-file.ts";

import type { Logger } from "../../log/logger.ts";
import { freshnessMs } from "./refresh-policy.ts";
import { withDeadline } from "./deadline.ts";
import { releaseLock } from "./source-lock.ts";
import { acquireOrTakeOver } from "./stale-lock.ts";
import type { SourceSnapshot } from "../../model/source-snapshot.ts";

/** Longest any Redis call may take before the instance carries on with its local cache. */
export const REDIS_CALL_TIMEOUT_MS = 200;
/** How often an instance that lost the lock looks for the holder's result. */
export const LOCK_POLL_MS = 50;
/** A lock outlives its holder's read by this much (storing the result), then expires if the holder died. */
export const LOCK_MARGIN_MS = 500;
/**
 * The longest any instance legitimately holds a source's lock (the longest
 * timeout a sources file allows, plus the margin): a lock without expiry, or
 * granted longer ago than this, has no live holder and is taken over.
 */
export const LONGEST_LOCK_HOLD_MS = MAX_TIMEOUT_MS + LOCK_MARGIN_MS;
/** While Redis is in trouble but connected (slow), how often the instance asks whether it answers again: a slow Redis gives no "ready" event. */
export const RECOVERY_PROBE_MS = 1000;
/**
 * The slowest a healthy Redis is expected to hand this instance a large read,
 * in bytes per millisecond: a read of every source's copy at once carries
 * megabytes, and its deadline grows with them (REDIS_CALL_TIMEOUT_MS plus the
 * bytes at this rate), while a Redis that does not answer at all is still
 * noticed within REDIS_CALL_TIMEOUT_MS (asking the copies' lengths).
 */
export const MIN_TRANSFER_BYTES_PER_MS = 10_000;
/** How long copies read by `prefetch` wait for their sources' first reads. */
export const PREFETCH_KEPT_MS = 30_000;
/** Channel on which an instance announces that a source's content changed. */
export const CHANGED_CHANNEL = "source-changed";

type Load = (source: SourceConfig, previous: SourceSnapshot | undefined) => Promise<SourceSnapshot>;

export interface SharedCacheOptions {
  redis: Redis;
  /** Prefix of every key and channel, so several clusters (or tests) share one Redis. @default "newsgate:" */
  prefix?: string;
  logger: Logger;
  /** @default Math.random */
  random?: () => number;
  /** @default REDIS_CALL_TIMEOUT_MS */
  callTimeoutMs?: number;
  /** Wall clock, epoch milliseconds: the age of another instance's copy. @default Date.now */
  wallClock?: () => number;
}

/**
 * The form of the snapshots stored, named in their key and in their lock's
 * (see `snapshotKey`). It changes whenever an instance of one version could
 * not serve what another stores: instances of two versions, side by side
 * during a rolling update, then keep apart copies (each reads upstream once
 * per TTL) rather than serve each other's, and neither waits on a lock whose
 * holder stores what it will not take. Format 2: an article's body words may
 * be left uncounted (null), and it carries no reading time. Format 3: an
 * article carries its authors, enclosures and language.
 */
export const SNAPSHOT_FORMAT = 3;

/** Dates survive the JSON round trip tagged, so a snapshot read back equals the one stored. */
export function serializeSnapshot(snapshot: SourceSnapshot): string {
  return JSON.stringify(snapshot, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.getTime() } : value;
  });
}

export function deserializeSnapshot(text: string): SourceSnapshot {
  return JSON.parse(text, (_key, value) =>
    value && typeof value === "object" && typeof value.$date === "number" && Object.keys(value).length === 1
      ? new Date(value.$date)
      : value,
  ) as SourceSnapshot;
}

/**
 * A stored copy as this instance can serve it, or null. Whatever else the key
 * holds (a bug's output, a hand-edited value, another program's) counts as no
 * copy: the instance reads upstream and stores its own over it, rather than
 * fail the source or build a catalog from it.
 */
export function storedSnapshot(text: string, sourceId: string): SourceSnapshot | null {
  let value: unknown;
  try {
    value = deserializeSnapshot(text);
  } catch {
    return null;
  }
  if (!isRecord(value) || value.sourceId !== sourceId || typeof value.contentHash !== "string" || typeof value.ok !== "boolean")
    return null;
  if (!Array.isArray(value.articles) || !value.articles.every(isServableArticle)) return null;
  return value as unknown as SourceSnapshot;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The fields a catalog reads of every article, of the types it reads them as. */
function isServableArticle(article: unknown): boolean {
  if (!isRecord(article)) return false;
  const {
    id,
    sourceId,
    title,
    url,
    canonicalUrl,
    section,
    tags,
    summary,
    rawBodyHtml,
    publishedAt,
    updatedAt,
    authors,
    enclosures,
    language,
  } = article;
  return (
    [id, sourceId, title, canonicalUrl, section].every((field) => typeof field === "string") &&
    isStringOrNull(url) &&
    Array.isArray(tags) &&
    tags.every((tag) => typeof tag === "string") &&
    [summary, rawBodyHtml, language].every(isStringOrNull) &&
    [publishedAt, updatedAt].every((field) => field === null || field instanceof Date) &&
    Array.isArray(authors) &&
    authors.every((author) => isRecord(author) && [author.name, author.url, author.email].every(isStringOrNull)) &&
    Array.isArray(enclosures) &&
    enclosures.every(
      (enclosure) =>
        isRecord(enclosure) &&
        typeof enclosure.url === "string" &&
        isStringOrNull(enclosure.type) &&
        [enclosure.length, enclosure.durationSeconds].every(isNumberOrNull),
    )
  );
}

function isStringOrNull(value: unknown): boolean {
  return value === null || typeof value === "string";
}

function isNumberOrNull(value: unknown): boolean {
  return value === null || (typeof value === "number" && Number.isFinite(value));
}

/** Opens the Redis connection for a shared cache: commands fail at once while it is down, reconnecting forever. */
export function createRedis(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
}

/**
 * The second cache level and cluster-wide single-flight (REDIS_URL). A read of
 * a source first looks in Redis; if another instance stored it within its TTL,
 * that copy is used. Otherwise the instance takes the source's lock (SET NX PX)
 * and reads upstream, or waits for the holder's result. Every Redis call is
 * bounded by a short timeout: when Redis is down or slow the instance reads
 * upstream itself, as a lone gateway would, logs a warning once, and rejoins
 * when ioredis reconnects.
 */
export class SharedCache {
  readonly redis: Redis;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly wallClock: () => number;
  private readonly callTimeoutMs: number;
  private subscriber: Redis | null = null;
  private probe: NodeJS.Timeout | null = null;
  /** Copies read at once by `prefetch`, as stored, each waiting for its source's first read; null when none waits. */
  private prefetched: Promise<Map<string, string>> | null = null;
  /** Whether the last Redis call failed (one warning per outage). */
  degraded = false;
  /** Redis calls that failed or timed out (tests and logs). */
  failures = 0;
  /** The same, by operation, for `newsgate_redis_errors_total`. */
  readonly errors = new Map<string, number>();
  /** Stale locks this instance took over, for `newsgate_stale_locks_taken_over_total`. */
  staleLocksTakenOver = 0;

  constructor({
    redis,
    prefix = "newsgate:",
    logger,
    random = Math.random,
    callTimeoutMs = REDIS_CALL_TIMEOUT_MS,
    wallClock = Date.now,
  }: SharedCacheOptions) {
    this.redis = redis;
    this.prefix = prefix;
    this.logger = logger;
    this.random = random;
    this.wallClock = wallClock;
    this.callTimeoutMs = callTimeoutMs;
    redis.on("error", () => undefined);
    redis.on("ready", () => this.recovered());
  }

  /** Connected and answering: what `newsgate_redis_up` shows. */
  get up(): boolean {
    return this.redis.status === "ready" && !this.degraded;
  }

  /** Connects, waiting at most `ms`; a gateway starts (alone) even when Redis does not answer. */
  async connect(ms = 1000): Promise<void> {
    if (this.redis.status === "wait") void this.redis.connect().catch(() => undefined);
    await this.call(
      new Promise<void>((resolve) => (this.redis.status === "ready" ? resolve() : this.redis.once("ready", () => resolve()))),
      "connect",
      ms,
    );
  }

  /**
   * Reads the stored copies of `sourceIds` at once, for each source's next
   * read through `wrapLoad` (a starting instance's first): it then serves
   * what the cluster holds without a Redis call per source. Those calls,
   * made together, would carry every copy at once, each bounded as if alone,
   * and miss their deadlines on a large set (reading every source upstream
   * instead). A source whose copy this does not bring is read as usual.
   * Resolves to how many of `sourceIds` it found no copy of.
   */
  prefetch(sourceIds: readonly string[]): Promise<number> {
    // Unconnected, every call fails at once: each source's own read says so, as without a prefetch.
    if (this.redis.status !== "ready" || sourceIds.length === 0) return Promise.resolve(sourceIds.length);
    const prefetched = this.readAll(sourceIds);
    this.prefetched = prefetched;
    // The first reads come as the instance starts; a copy still untaken later is dropped (its source's read asks Redis).
    void prefetched.then((texts) => {
      const drop = () => {
        if (this.prefetched === prefetched) this.prefetched = null;
      };
      if (texts.size === 0) drop();
      else setTimeout(drop, PREFETCH_KEPT_MS).unref();
    });
    return prefetched.then((texts) => sourceIds.length - texts.size);
  }

  /**
   * The stored copies of `sourceIds` that Redis holds, as stored; none when it
   * is unreachable. Their lengths and the copies are asked at once (Redis
   * answers in order): the lengths, small, show within REDIS_CALL_TIMEOUT_MS
   * that Redis answers, and set how long the copies may take.
   */
  private async readAll(sourceIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const keys = sourceIds.map((id) => this.snapshotKey(id));
    const lengths = Promise.all(keys.map((key) => this.redis.strlen(key)));
    const texts = Promise.all(keys.map((key) => this.redis.get(key)));
    // Either may fail alone; the one awaited reports it.
    texts.catch(() => undefined);
    const bytes = await this.call(lengths, "feed");
    if (!bytes) return found;
    const total = bytes.reduce((sum, length) => sum + length, 0);
    for (const [i, text] of ((await this.call(texts, "feed", this.callTimeoutMs + total / MIN_TRANSFER_BYTES_PER_MS)) ?? []).entries())
      if (text) found.set(sourceIds[i]!, text);
    return found;
  }

  /** The prefetched copy of a source, taken once (a later read asks Redis again); undefined when none waits. */
  private async takePrefetched(sourceId: string): Promise<SourceSnapshot | undefined> {
    const prefetched = this.prefetched;
    if (!prefetched) return undefined;
    const texts = await prefetched;
    const text = texts.get(sourceId);
    if (text === undefined) return undefined;
    texts.delete(sourceId);
    if (texts.size === 0 && this.prefetched === prefetched) this.prefetched = null;
    return this.fromStored(sourceId, text);
  }

  /** Wraps a source loader with the Redis level and the cluster-wide lock. */
  wrapLoad(load: Load): Load {
    return async (source, previous) => {
      // Whatever Redis holds is within its TTL: some instance read it less than a TTL ago.
      const prefetched = await this.takePrefetched(source.id);
      if (prefetched && isNewer(prefetched, previous)) return prefetched;
      const shared = await this.read(source.id);
      if (shared) return shared;
      // The process id tells operators (and tests) which instance holds a lock.
      const token = `${process.pid}:${randomUUID()}`;
      const lockMs = source.timeoutMs + LOCK_MARGIN_MS;
      const deadline = Date.now() + lockMs;
      let held: string;
      for (;;) {
        const got = await this.call(acquireOrTakeOver(this.redis, this.lockKey(source.id), token, lockMs, LONGEST_LOCK_HOLD_MS), "lock");
        if (got === undefined) return load(source, previous); // Redis unreachable: read alone.
        if (got.held) {
          held = got.value;
          if (got.stale !== null) this.tookOverStaleLock(source.id, got.stale);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
        const result = await this.read(source.id);
        if (result && isNewer(result, previous)) return result;
        if (Date.now() > deadline) return previous ?? load(source, previous);
      }
      try {
        // The holder of a lock that expired may have stored a result meanwhile.
        const again = await this.read(source.id);
        if (again && isNewer(again, previous)) return again;
        const snapshot = await load(source, previous);
        const ttl = Math.max(1, freshnessMs(source, snapshot, this.random));
        await this.call(this.redis.set(this.snapshotKey(source.id), serializeSnapshot(snapshot), "PX", ttl), "feed");
        if (previous && previous.contentHash !== snapshot.contentHash) {
          await this.call(this.redis.publish(this.key(CHANGED_CHANNEL), source.id), "publish");
        }
        return snapshot;
      } finally {
        await this.call(releaseLock(this.redis, this.lockKey(source.id), held), "lock");
      }
    };
  }

  /**
   * Stores a snapshot read outside `wrapLoad` (content a WebSub hub pushed to
   * this instance) as the cluster's copy, and announces a change of content so
   * every instance takes it at once.
   */
  async storePushed(source: SourceConfig, snapshot: SourceSnapshot, changed: boolean): Promise<void> {
    const ttl = Math.max(1, freshnessMs(source, snapshot, this.random));
    await this.call(this.redis.set(this.snapshotKey(source.id), serializeSnapshot(snapshot), "PX", ttl), "feed");
    if (changed) await this.call(this.redis.publish(this.key(CHANGED_CHANNEL), source.id), "publish");
  }

  /**
   * The snapshot another instance stored, if still fresh, with how long ago it
   * was read upstream (`copyAgeMs`, by the wall clock of the instances, which
   * are expected to agree); undefined when absent or Redis is unreachable.
   */
  async read(sourceId: string): Promise<SourceSnapshot | undefined> {
    const text = await this.call(this.redis.get(this.snapshotKey(sourceId)), "feed");
    return text ? this.fromStored(sourceId, text) : undefined;
  }

  /** A stored copy as this instance serves it, with its age; undefined, with a warning, when it cannot serve it. */
  private fromStored(sourceId: string, text: string): SourceSnapshot | undefined {
    const snapshot = storedSnapshot(text, sourceId);
    if (!snapshot) {
      this.countError("snapshot");
      this.logger.warn(
        { sourceId, key: this.snapshotKey(sourceId) },
        "shared cache: the stored copy is not a snapshot this instance can serve; reading the source itself",
      );
      return undefined;
    }
    const fetchedAt = snapshot.lastFetchedAt?.getTime();
    return fetchedAt === undefined ? snapshot : { ...snapshot, copyAgeMs: Math.max(0, this.wallClock() - fetchedAt) };
  }

  /** Calls `onChanged(sourceId)` whenever any instance sees a source's content change. */
  async onChanged(onChanged: (sourceId: string) => void): Promise<void> {
    const subscriber = (this.subscriber ??= this.redis.duplicate({ enableOfflineQueue: true }));
    subscriber.on("error", () => undefined);
    subscriber.on("message", (_channel: string, sourceId: string) => onChanged(sourceId));
    await this.call(subscriber.subscribe(this.key(CHANGED_CHANNEL)), "subscribe", 1000);
  }

  async close(): Promise<void> {
    this.stopProbe();
    this.subscriber?.disconnect();
    this.redis.disconnect();
  }

  key(...parts: string[]): string {
    return this.prefix + parts.join(":");
  }

  /** Where a source's snapshot is stored: the key names the snapshots' format (SNAPSHOT_FORMAT). */
  snapshotKey(sourceId: string): string {
    return this.key(`feed-v${SNAPSHOT_FORMAT}`, sourceId);
  }

  /** The lock on reading a source for the cluster, taken by instances that store the same format. */
  lockKey(sourceId: string): string {
    return this.key(`lock-v${SNAPSHOT_FORMAT}`, sourceId);
  }

  /**
   * Runs one Redis call bounded by the timeout; undefined when it fails. Other users of the
   * connection (shared persisted operations) call through here, so one place counts trouble.
   */
  async call<T>(promise: Promise<T>, operation: string, ms = this.callTimeoutMs): Promise<T | undefined> {
    try {
      const result = await withDeadline(promise, ms);
      // A slow Redis never drops the connection, so no "ready" follows: an answer in time ends the trouble.
      this.recovered();
      return result;
    } catch (error) {
      this.reportTrouble(operation, error);
      return undefined;
    }
  }

  /** A lock nobody will release was replaced by this instance's: said once per takeover, since it means a crash or a hand-made key. */
  private tookOverStaleLock(sourceId: string, stale: string): void {
    this.staleLocksTakenOver++;
    this.logger.warn(
      { sourceId, key: this.lockKey(sourceId), staleValue: stale.slice(0, 200), longestHoldMs: LONGEST_LOCK_HOLD_MS },
      "shared cache: took over a stale lock (no expiry, or held longer than any read may take); reading the source",
    );
  }

  /** Counts a failed Redis call (also one made elsewhere, as the rate limiter's) and warns once per outage. */
  reportTrouble(operation: string, error: unknown): void {
    this.failures++;
    this.countError(operation);
    if (!this.degraded) {
      this.degraded = true;
      this.logger.warn({ err: error, operation }, "shared cache: Redis unreachable, serving from the local cache until it returns");
      // A dropped connection is retried by ioredis, which says "ready"; a connected but slow Redis must be asked.
      this.probe = setInterval(() => void (this.redis.status === "ready" && this.call(this.redis.ping(), "ping")), RECOVERY_PROBE_MS);
      this.probe.unref();
    }
  }

  /** One more error of `operation` in `newsgate_redis_errors_total`. */
  private countError(operation: string): void {
    this.errors.set(operation, (this.errors.get(operation) ?? 0) + 1);
  }

  private recovered(): void {
    if (this.degraded) this.logger.info("shared cache: Redis is back, rejoining the cluster");
    this.degraded = false;
    this.stopProbe();
  }

  private stopProbe(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
  }
}

/** A shared copy is worth taking when it was read after the one held here. */
function isNewer(shared: SourceSnapshot, previous: SourceSnapshot | undefined): boolean {
  if (!previous) return true;
  return (shared.lastFetchedAt?.getTime() ?? 0) > (previous.lastFetchedAt?.getTime() ?? 0);
}
