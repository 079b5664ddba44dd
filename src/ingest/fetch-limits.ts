import pLimit, { type LimitFunction } from "p-limit";
import { createStartPacer } from "./start-pacer.ts";

/** Upstream requests in flight at once, over all sources. */
export const DEFAULT_GLOBAL_CONCURRENCY = 128;
/** Upstream requests in flight at once to one host (scheme, name and port): politeness. */
export const DEFAULT_PER_HOST_CONCURRENCY = 4;

/**
 * Bounds how many fetches run at once, globally and per host, so a cold start
 * of hundreds of sources runs in parallel without flooding one publisher; and
 * paces their starts so that starting them never holds the event loop long.
 */
export function createFetchLimits({ global = DEFAULT_GLOBAL_CONCURRENCY, perHost = DEFAULT_PER_HOST_CONCURRENCY } = {}) {
  const all = pLimit(global);
  const pace = createStartPacer();
  const hosts = new Map<string, LimitFunction>();
  return function limit<T>(url: URL, task: () => Promise<T>): Promise<T> {
    // Local files are not a host to be polite to.
    if (url.protocol === "file:") return task();
    let host = hosts.get(url.origin);
    if (!host) hosts.set(url.origin, (host = pLimit(perHost)));
    const bound = host;
    const run = () => bound(() => all(() => pace(task)));
    return run().finally(() => {
      if (bound.activeCount === 0 && bound.pendingCount === 0) hosts.delete(url.origin);
    });
  };
}
