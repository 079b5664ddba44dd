import { describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";

import { FeedCache } from "../../src/store/source-cache/feed-cache.ts";
import { freshnessMs, MAX_BACKOFF_MS, MAX_HINTED_TTL_MS } from "../../src/store/source-cache/refresh-policy.ts";
import { Refresher } from "../../src/store/source-cache/refresher.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";
import { snapshotOf, UNTIMED_RSS } from "../helpers/snapshots.ts";

const config = parseSourcesConfig(
  {
    sections: [{ slug: "news", name: "News" }],
    sources: [{ id: "wire", name: "Wire", url: "https://wire.example/rss", section: "news", refreshSeconds: 60 }],
  },
  "/srv/sources.json",
);
const source = config.sources[0]!;
const snapshot = (over: Partial<SourceSnapshot>): SourceSnapshot => snapshotOf("wire", [], { ...UNTIMED_RSS, contentHash: "h", ...over });
const noJitter = () => 0.5;

describe("freshness policy", () => {
  it("uses refreshSeconds, lengthened by upstream hints within a cap", () => {
    expect(freshnessMs(source, snapshot({}), noJitter)).toBe(60_000);
    expect(freshnessMs(source, snapshot({ upstreamTtlMs: 10_000 }), noJitter)).toBe(60_000);
    expect(freshnessMs(source, snapshot({ upstreamTtlMs: 3_600_000 }), noJitter)).toBe(3_600_000);
    expect(freshnessMs(source, snapshot({ upstreamTtlMs: 10 * MAX_HINTED_TTL_MS }), noJitter)).toBe(MAX_HINTED_TTL_MS);
  });

  it("backs off exponentially on failures, honours Retry-After, never gives up", () => {
    const failed = (n: number, retryAfterMs: number | null = null) =>
      freshnessMs({ ...source, refreshSeconds: 3600 }, snapshot({ ok: false, consecutiveFailures: n, retryAfterMs }), noJitter);
    expect([1, 2, 3, 4].map((n) => failed(n))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(failed(40)).toBe(MAX_BACKOFF_MS);
    expect(failed(1, 600_000)).toBe(600_000);
  });

  it("spreads refresh times by at most 10%", () => {
    expect(freshnessMs(source, snapshot({}), () => 0)).toBe(54_000);
    expect(freshnessMs(source, snapshot({}), () => 0.999999)).toBe(66_000);
  });
});

describe("the background refresher", () => {
  it("reads each source when its snapshot goes stale, backing off while it fails", async () => {
    let clock = 1_000_000;
    const outcomes = [true, false, false, true];
    let reads = 0;
    const cache = new FeedCache({
      now: () => clock,
      random: noJitter,
      load: async (_s, previous) => {
        const ok = outcomes[reads++] ?? true;
        return snapshot({ ok, consecutiveFailures: ok ? 0 : (previous && !previous.ok ? previous.consecutiveFailures : 0) + 1 });
      },
    });
    const waits: number[] = [];
    let release: () => void = () => {};
    const refresher = new Refresher({
      feedCache: cache,
      sources: () => [source],
      sleep: async (ms, signal) => {
        waits.push(ms);
        if (waits.length > outcomes.length)
          return new Promise((resolve) => {
            release = resolve as () => void;
            signal.addEventListener("abort", () => resolve());
          });
        clock += ms; // the time passes that the refresher asked to wait
      },
    });
    refresher.start();
    for (let i = 0; i < 100 && waits.length <= outcomes.length; i++) await new Promise((r) => setImmediate(r));
    await refresher.stop();
    release();
    expect(reads).toBe(4);
    // Cold: at once; after a good read: its TTL; after failures: 30 s, then 60 s; after recovery: the TTL again.
    expect(waits).toEqual([0, 60_000, 30_000, 60_000, 60_000]);
  });
});
