import type { SourceConfig } from "../../config/sources-file.ts";
import type { SourceSnapshot } from "../../model/source-snapshot.ts";

/** Longest freshness an upstream hint (Cache-Control, Expires, RSS <ttl>) may ask for. */
export const MAX_HINTED_TTL_MS = 6 * 3600 * 1000;
/** First retry after a failure; it doubles per consecutive failure up to MAX_BACKOFF_MS. */
export const FIRST_RETRY_MS = 30_000;
export const MAX_BACKOFF_MS = 30 * 60 * 1000;
/** Refresh times are spread by up to this fraction so sources do not refresh in lockstep. */
export const JITTER = 0.1;
/** While a WebSub hub pushes a source's changes, it is polled this many times less often (a safety net)… */
export const PUSH_POLL_FACTOR = 6;
/** …but at least this often. */
export const MAX_PUSH_POLL_MS = 6 * 3600 * 1000;

/**
 * How long a source's latest snapshot stays fresh, i.e. when to read it again.
 * A good read: the source's `refreshSeconds`, lengthened (never shortened) by
 * what the publisher asks through Cache-Control/Expires/RSS <ttl>, capped. A
 * failed read: exponential backoff from FIRST_RETRY_MS, honouring Retry-After,
 * capped, never giving up. Both are spread by a jitter. Pure: `random` is passed in.
 * While `pushed` (a hub pushes the source's changes), a good read stays fresh
 * PUSH_POLL_FACTOR times longer, up to MAX_PUSH_POLL_MS (never shorter than without).
 */
export function freshnessMs(source: SourceConfig, snapshot: SourceSnapshot, random: () => number = Math.random, pushed = false): number {
  const configured = source.refreshSeconds * 1000;
  let base: number;
  if (snapshot.ok) {
    const hinted = snapshot.upstreamTtlMs ?? 0;
    base = Math.max(configured, Math.min(hinted, MAX_HINTED_TTL_MS));
    if (pushed) base = Math.max(base, Math.min(configured * PUSH_POLL_FACTOR, MAX_PUSH_POLL_MS));
  } else {
    const backoff = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, snapshot.consecutiveFailures - 1), MAX_BACKOFF_MS);
    // A failing source is retried no later than its own refresh time: a short TTL means "keep trying".
    base = Math.min(Math.max(backoff, snapshot.retryAfterMs ?? 0), Math.max(configured, snapshot.retryAfterMs ?? 0), MAX_BACKOFF_MS);
  }
  return Math.round(base * (1 + JITTER * (random() * 2 - 1)));
}
