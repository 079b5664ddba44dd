import { describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";

import { FeedCache } from "../../src/store/source-cache/feed-cache.ts";
import { FIRST_RETRY_MS as ERROR_RETRY_MS } from "../../src/store/source-cache/refresh-policy.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";
import { snapshotOf, UNTIMED_RSS } from "../helpers/snapshots.ts";

const config = parseSourcesConfig(
  {
    sections: [{ slug: "news", name: "News" }],
    sources: [{ id: "wire", name: "Wire", url: "https://wire.example/rss", section: "news", refreshSeconds: 300 }],
  },
  "/srv/sources.json",
);
const source = config.sources[0]!;
/** A good read (content hash `n`), or a failed one: HTTP 500, the first in a row. */
const snapshot = (ok: boolean, n: number): SourceSnapshot =>
  snapshotOf("wire", [], {
    ...UNTIMED_RSS,
    contentHash: String(n),
    ok,
    error: ok ? null : { code: "HTTP_STATUS", message: "HTTP 500" },
    consecutiveFailures: ok ? 0 : 1,
  });

describe("the feed cache", () => {
  it("shares one upstream read among concurrent callers (single-flight)", async () => {
    const loads: string[] = [];
    let finish: (s: SourceSnapshot) => void = () => {};
    const cache = new FeedCache({
      now: () => 1_000_000,
      load: (s) => {
        loads.push(s.id);
        return new Promise((resolve) => (finish = resolve));
      },
    });
    const waiting = Promise.all([cache.get(source), cache.get(source), cache.get(source)]);
    finish(snapshot(true, 1));
    const results = await waiting;
    expect(loads).toEqual(["wire"]);
    expect(new Set(results).size).toBe(1);
  });

  it("gets every source in order, counting what the lookups found once per kind", async () => {
    const three = parseSourcesConfig(
      {
        sections: [{ slug: "news", name: "News" }],
        sources: ["a", "b", "c"].map((id) => ({ id, name: id, url: `https://${id}.example/rss`, section: "news", refreshSeconds: 300 })),
      },
      "/srv/sources.json",
    ).sources;
    let clock = 1_000_000;
    const lookups: [string, number][] = [];
    const cache = new FeedCache({
      now: () => clock,
      load: async (s) => ({ ...snapshot(true, clock), sourceId: s.id }),
      onLookup: (result, count = 1) => void lookups.push([result, count]),
    });
    const first = await cache.getAll(three);
    expect(first.map((s) => s.sourceId)).toEqual(["a", "b", "c"]);
    expect(lookups).toEqual([["miss", 3]]);
    lookups.length = 0;
    await cache.get(three[1]!);
    // Past every jittered TTL of 300 s.
    clock += 600_000;
    await cache.refresh(three[1]!);
    // a and c are stale now (served while they refresh), b was just read.
    const second = await cache.getAll(three);
    expect(second.map((s) => s.sourceId)).toEqual(["a", "b", "c"]);
    expect(lookups).toEqual([
      ["hit", 1],
      ["hit", 1],
      ["stale", 2],
    ]);
    expect(second[0]).toBe(first[0]);
  });

  it("counts the reads in flight and tells listeners as each starts, once per upstream read", async () => {
    let finish: (s: SourceSnapshot) => void = () => {};
    const cache = new FeedCache({ now: () => 1_000_000, load: () => new Promise((resolve) => (finish = resolve)) });
    const started: number[] = [];
    const unsubscribe = cache.onReadStart(() => started.push(cache.readsInFlight));
    const waiting = Promise.all([cache.get(source), cache.get(source)]);
    expect(started).toEqual([1]);
    expect(cache.readsInFlight).toBe(1);
    finish(snapshot(true, 1));
    await waiting;
    expect(cache.readsInFlight).toBe(0);
    unsubscribe();
    // A listener that throws does not fail the read.
    cache.onReadStart(() => {
      throw new Error("listener bug");
    });
    const again = cache.refresh(source);
    finish(snapshot(true, 2));
    expect((await again).contentHash).toBe("2");
    expect(started).toEqual([1]);
  });

  it("reads again only after the TTL, serving the held copy while it refreshes", async () => {
    let clock = 1_000_000;
    let n = 0;
    const previousSeen: (SourceSnapshot | undefined)[] = [];
    const cache = new FeedCache({
      random: () => 0.5,
      now: () => clock,
      load: async (_s, previous) => {
        previousSeen.push(previous);
        return snapshot(true, ++n);
      },
    });
    expect((await cache.get(source)).contentHash).toBe("1");
    clock += 299_000;
    expect((await cache.get(source)).contentHash).toBe("1");
    expect(n).toBe(1);
    clock += 2_000;
    // Stale-while-revalidate: the old copy now, the new one once the refresh lands.
    expect((await cache.get(source)).contentHash).toBe("1");
    await new Promise((r) => setImmediate(r));
    expect((await cache.get(source)).contentHash).toBe("2");
    expect(previousSeen[1]?.contentHash).toBe("1");
  });

  it(`retries a failed source after ${ERROR_RETRY_MS} ms, not on every request`, async () => {
    let clock = 1_000_000;
    let loads = 0;
    const cache = new FeedCache({ random: () => 0.5, now: () => clock, load: async () => snapshot(++loads > 1, loads) });
    expect((await cache.get(source)).ok).toBe(false);
    clock += ERROR_RETRY_MS - 1;
    await cache.get(source);
    expect(loads).toBe(1);
    clock += 2;
    await cache.get(source);
    await new Promise((r) => setImmediate(r));
    expect(loads).toBe(2);
    expect((await cache.get(source)).ok).toBe(true);
  });

  it("counts the age of a copy taken from another instance against its freshness, and does not keep the hint", async () => {
    let clock = 1_000_000;
    let loads = 0;
    // The source is fresh for 300 s; the copy read from Redis was read upstream 280 s ago.
    const cache = new FeedCache({
      random: () => 0.5,
      now: () => clock,
      load: async () => ({ ...snapshot(true, ++loads), copyAgeMs: loads === 1 ? 280_000 : undefined }),
    });
    const first = await cache.get(source);
    expect(first.copyAgeMs).toBeUndefined();
    expect(cache.remainingMs("wire")).toBe(20_000);
    clock += 20_001;
    await cache.get(source); // stale: served while it refreshes
    await new Promise((resolve) => setImmediate(resolve));
    expect(loads).toBe(2);
    // An own read gets the policy's full freshness.
    expect(cache.remainingMs("wire")).toBe(300_000);

    cache.prime(source, { ...snapshot(true, 9), copyAgeMs: 295_000 });
    expect(cache.remainingMs("wire")).toBe(5_000);
    expect(cache.peek("wire")!.copyAgeMs).toBeUndefined();
  });
});
