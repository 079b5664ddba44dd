import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts, type IRateLimiterOptions, type RateLimiterRes } from "rate-limiter-flexible";

/** Longest a shared budget may wait for Redis before the request is counted on this instance alone. */
export const SHARED_BUDGET_TIMEOUT_MS = 200;

/** A per-minute budget: resolves while within it, rejects with a `RateLimiterRes` beyond it. */
export interface Budget {
  consume(key: string): Promise<RateLimiterRes>;
}

/** The Redis a cluster shares (a `SharedCache` fits): where budgets are counted, and who hears of trouble. */
export interface SharedBudgetStore {
  readonly redis: Redis;
  /** The cluster's key prefix followed by `parts`, so several clusters (or tests) share one Redis. */
  key(...parts: string[]): string;
  /** Told each time a request had to be counted locally because Redis failed or was slow. */
  reportTrouble(operation: string, error: unknown): void;
}

export interface BudgetOptions {
  /** Names the budget's counters: `partner:<name>` or `anonymous`. */
  name: string;
  points: number;
  durationSeconds: number;
  /** Counts in Redis, so the budget holds across the cluster. @default null: counted in this process */
  shared?: SharedBudgetStore | null;
  /** @default SHARED_BUDGET_TIMEOUT_MS */
  timeoutMs?: number;
}

/**
 * Alone, a budget counts in memory. Shared, it counts in Redis (one atomic
 * increment per request), so N requests a minute means N for the whole
 * cluster. A Redis call that fails or takes longer than `timeoutMs` never
 * fails the request: rate-limiter-flexible's insurance limiter counts it in
 * memory instead, so during an outage each instance applies the full budget
 * on its own. A call that timed out may still be counted in Redis when it
 * lands; the error is on the side of refusing a little early.
 */
export function createBudget({ name, points, durationSeconds, shared = null, timeoutMs = SHARED_BUDGET_TIMEOUT_MS }: BudgetOptions): Budget {
  const options: IRateLimiterOptions = { keyPrefix: name, points, duration: durationSeconds };
  if (!shared) return new RateLimiterMemory(options);
  const local = new LocalFallback(options, () => shared.reportTrouble("rate-limit", new Error(`shared budget ${name}: Redis failed or took over ${timeoutMs} ms; counted on this instance`)));
  const inRedis = new RateLimiterRedis({ ...options, keyPrefix: shared.key("rate", name), storeClient: shared.redis, rejectIfRedisNotReady: true });
  return new RLWrapperTimeouts({ limiter: inRedis, timeoutMs, insuranceLimiter: local });
}

/** The insurance limiter: an ordinary memory budget that reports each use, since each use means Redis let a request down. */
class LocalFallback extends RateLimiterMemory {
  private readonly onUse: () => void;
  constructor(options: IRateLimiterOptions, onUse: () => void) {
    super(options);
    this.onUse = onUse;
  }
  override consume(key: string | number, points?: number, options?: { [key: string]: any }): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(key, points, options);
  }
}
