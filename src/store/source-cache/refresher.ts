import { setMaxListeners } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import type { SourceConfig } from "../../config/sources-file.ts";

import type { FeedCache } from "./feed-cache.ts";
import type { SourceSnapshot } from "../../model/source-snapshot.ts";

export interface RefresherOptions {
  feedCache: FeedCache;
  /** The sources to keep warm (read on every round, so a reload can change them). */
  sources: () => readonly SourceConfig[];
  /** Waits `ms` unless `signal` aborts first. @default an unref'd timer */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Called after each read, e.g. to rebuild the catalog off the request path. */
  onRefreshed?: (snapshot: SourceSnapshot) => void;
}

const unrefSleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal, ref: false }).catch(() => undefined);

/**
 * Keeps every source warm in the background: each source is read again when
 * its snapshot goes stale (its TTL, upstream hints, backoff and jitter are the
 * feed cache's), so requests find a fresh copy and never wait for a refresh.
 */
export class Refresher {
  private readonly loops = new Map<string, Promise<void>>();
  /** Each loop's current wait, to cut it short when the source's time changed (see `reschedule`). */
  private readonly waits = new Map<string, AbortController>();
  private controller = new AbortController();
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(private readonly options: RefresherOptions) {
    this.sleep = options.sleep ?? unrefSleep;
  }

  /** Starts a loop per source not yet running (safe to call again after the sources change). */
  start(): void {
    if (this.controller.signal.aborted) this.controller = new AbortController();
    // One waiting loop per source listens on this signal: hundreds of listeners are expected.
    setMaxListeners(0, this.controller.signal);
    for (const source of this.options.sources()) {
      if (!this.loops.has(source.id)) this.loops.set(source.id, this.loop(source.id, this.controller.signal));
    }
  }

  /** Stops every loop; resolves once none will read again. */
  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.all(this.loops.values());
    this.loops.clear();
  }

  /** Wakes the source's loop to look at its time again (it changed other than by a read, e.g. when push stopped). */
  reschedule(sourceId: string): void {
    this.waits.get(sourceId)?.abort();
  }

  private async loop(sourceId: string, signal: AbortSignal): Promise<void> {
    const { feedCache } = this.options;
    while (!signal.aborted) {
      const wait = new AbortController();
      const stop = () => wait.abort();
      signal.addEventListener("abort", stop, { once: true });
      this.waits.set(sourceId, wait);
      await this.sleep(feedCache.remainingMs(sourceId), wait.signal);
      signal.removeEventListener("abort", stop);
      if (this.waits.get(sourceId) === wait) this.waits.delete(sourceId);
      // Woken early: the time is looked at again.
      if (wait.signal.aborted && !signal.aborted && feedCache.remainingMs(sourceId) > 0) continue;
      // The source may have been removed from the configuration meanwhile.
      const source = this.options.sources().find((s) => s.id === sourceId);
      if (signal.aborted || !source) break;
      try {
        const snapshot = await feedCache.refresh(source);
        this.options.onRefreshed?.(snapshot);
      } catch {
        // readSource never rejects; a failure here is a bug elsewhere, and the next round retries.
        await this.sleep(1000, signal);
      }
    }
    if (!signal.aborted) this.loops.delete(sourceId);
  }
}
