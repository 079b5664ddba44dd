import pLimit, { type LimitFunction } from "p-limit";
import { createStartPacer } from "./start-pacer.ts";

/** Upstream requests in flight at once, over all sources. */
export const DEFAULT_GLOBAL_CONCURRENCY = 128;
/** Upstream requests in flight at once to one host (scheme, name and port): politeness. */
export const DEFAULT_PER_HOST_CONCURRENCY = 4;
/**
 * Background refreshes (of sources that hold a copy, which requests are served
 * meanwhile) in flight at once. Each answer costs the serving thread about a
 * millisecond (reading and hashing the body, handing it to a parser thread),
 * and answers to requests started together arrive together: the number in
 * flight bounds how long such a burst holds the event loop. 16 keeps a
 * refresh of hundreds of sources due at once within the event-loop target
 * (docs/performance.md) without slowing the round, whose pace the parser
 * threads set; fewer slows the round, more lets bursts stall requests. First
 * reads, which requests may be waiting on, are not held back by it.
 */
export const DEFAULT_BACKGROUND_CONCURRENCY = 16;
/**
 * Longest a background read keeps its turn. The limit spreads out answers to
 * reads started together; a read still unanswered after this long is no part
 * of such a burst, and upstreams that hang until their timeout (10 s by
 * default, up to 120 s) would otherwise hold every other source's refresh
 * that long. The read goes on, within the global and per-host limits.
 */
export const DEFAULT_BACKGROUND_HOLD_MS = 2_000;

export interface FetchConcurrency {
  global?: number;
  perHost?: number;
  background?: number;
  /** @default DEFAULT_BACKGROUND_HOLD_MS */
  backgroundHoldMs?: number;
}

export type FetchLimit = <T>(url: URL, task: () => Promise<T>, options?: { background?: boolean }) => Promise<T>;

/**
 * Bounds how many fetches run at once, globally and per host, so a cold start
 * of hundreds of sources runs in parallel without flooding one publisher, and
 * background refreshes more tightly still (each holding its turn until it is
 * answered or `backgroundHoldMs` passed); and paces their starts so that
 * starting them never holds the event loop long.
 */
export function createFetchLimits({
  global = DEFAULT_GLOBAL_CONCURRENCY,
  perHost = DEFAULT_PER_HOST_CONCURRENCY,
  background = DEFAULT_BACKGROUND_CONCURRENCY,
  backgroundHoldMs = DEFAULT_BACKGROUND_HOLD_MS,
}: FetchConcurrency = {}): FetchLimit {
  const all = pLimit(global);
  const backgroundOnly = pLimit(background);
  const pace = createStartPacer();
  const hosts = new Map<string, LimitFunction>();
  return function limit<T>(url: URL, task: () => Promise<T>, options: { background?: boolean } = {}): Promise<T> {
    // Local files are not a host to be polite to, and cost the serving thread no network answer.
    if (url.protocol === "file:") return task();
    let host = hosts.get(url.origin);
    if (!host) hosts.set(url.origin, (host = pLimit(perHost)));
    const bound = host;
    const run = () => bound(() => all(() => pace(task)));
    // A background read waits for its turn before taking a host's slot, so it never delays a first read to that host.
    return (options.background ? heldTurn(backgroundOnly, run, backgroundHoldMs) : run()).finally(() => {
      if (bound.activeCount === 0 && bound.pendingCount === 0) hosts.delete(url.origin);
    });
  };
}

/**
 * Runs `task` in a turn of `limit` that ends when the task settles or after
 * `holdMs`, whichever comes first; the task's own outcome is returned either way.
 */
function heldTurn<T>(limit: LimitFunction, task: () => Promise<T>, holdMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    void limit(() => {
      // `task` is the host and global limits' call, which always returns a promise.
      const running = task();
      running.then(resolve, reject);
      return new Promise<void>((endTurn) => {
        const timer = setTimeout(endTurn, holdMs);
        timer.unref();
        void running
          .finally(() => clearTimeout(timer))
          .then(
            () => endTurn(),
            () => endTurn(),
          );
      });
    });
  });
}
