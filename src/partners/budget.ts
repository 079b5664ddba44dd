import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type IRateLimiterOptions } from "rate-limiter-flexible";
import { withDeadline } from "../store/source-cache/deadline.ts";

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
 * fails the request: a memory budget of the same size (the insurance limiter,
 * in rate-limiter-flexible's terms) counts it instead, so during an outage
 * each instance applies the full budget on its own. Each such request is
 * reported, for the warning and `newsgate_redis_errors_total`. A call that
 * timed out may still be counted in Redis when it lands; the error is on the
 * side of refusing a little early.
 *
 * The fallback is done here rather than through the library's
 * `insuranceLimiter` and `RLWrapperTimeouts`: those hide the error from the
 * caller, and their timer also fires when this process, not Redis, was slow.
 */
export function createBudget({
  name,
  points,
  durationSeconds,
  shared = null,
  timeoutMs = SHARED_BUDGET_TIMEOUT_MS,
}: BudgetOptions): Budget {
  const options: IRateLimiterOptions = { keyPrefix: name, points, duration: durationSeconds };
  if (!shared) return new RateLimiterMemory(options);
  const local = new RateLimiterMemory(options);
  // Not ready (connecting, reconnecting, closed): fail at once rather than queue.
  const inRedis = new RateLimiterRedis({
    ...options,
    keyPrefix: shared.key("rate", name),
    storeClient: shared.redis,
    rejectIfRedisNotReady: true,
  });
  return {
    consume: (key) =>
      withDeadline(inRedis.consume(key), timeoutMs, `shared budget ${name}: no answer from Redis within ${timeoutMs} ms`).catch(
        (error: unknown) => {
          // Beyond the budget: a refusal, not trouble.
          if (error instanceof RateLimiterRes) throw error;
          shared.reportTrouble("rate-limit", error);
          return local.consume(key);
        },
      ),
  };
}
