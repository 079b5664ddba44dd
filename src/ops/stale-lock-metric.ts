import { Counter, type Registry } from "prom-client";
import { METRIC_PREFIX } from "./metrics.ts";

/**
 * Adds `newsgate_stale_locks_taken_over_total` to `registry`, read from
 * `read` at every scrape (the shared cache keeps the count). Only with
 * REDIS_URL: a lone instance takes no locks.
 */
export function registerStaleLockCounter(registry: Registry, read: () => number): void {
  new Counter({
    name: `${METRIC_PREFIX}stale_locks_taken_over_total`,
    help: "Source locks in Redis taken over because they were stale (no expiry, or held longer than any read may take): a crashed holder or a hand-made key.",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}
