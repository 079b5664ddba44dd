import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";

import { silentLogger } from "../../src/log/logger.ts";
import { FeedCache } from "../../src/store/source-cache/feed-cache.ts";
import { createRedis, SharedCache } from "../../src/store/source-cache/shared-cache.ts";
import { dropKeys, REDIS_URL, uniquePrefix } from "./cluster.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";
import { snapshotOf, UNTIMED_RSS } from "../helpers/snapshots.ts";

const prefix = uniquePrefix("freshness");
afterAll(() => dropKeys(prefix));

const config = parseSourcesConfig(
  {
    sections: [{ slug: "news", name: "News" }],
    sources: [{ id: "wire", name: "Wire", url: "https://wire.example/rss", section: "news", refreshSeconds: 2 }],
  },
  "/srv/sources.json",
);
const source = config.sources[0]!;
const snapshot: SourceSnapshot = snapshotOf("wire", [], { ...UNTIMED_RSS, contentHash: "h1" });
/** Read upstream now: the copy's age is counted from here. */
const readNow = (): SourceSnapshot => ({ ...snapshot, lastFetchedAt: new Date(), lastSuccessAt: new Date() });

describe("a copy another instance stored in Redis", () => {
  it("stays fresh in this instance only as long as it had left, so no copy is older than one TTL", async () => {
    const instances = [0, 1].map(
      () => new SharedCache({ redis: createRedis(REDIS_URL), prefix, logger: silentLogger(), random: () => 0.5 }),
    );
    try {
      await Promise.all(instances.map((instance) => instance.connect()));
      const upstreamReads: number[] = [];
      const caches = instances.map(
        (instance, n) =>
          new FeedCache({
            random: () => 0.5,
            load: instance.wrapLoad(async () => {
              upstreamReads.push(n);
              return readNow();
            }),
          }),
      );
      await caches[0]!.get(source); // instance 0 reads upstream and stores the copy for 2 s
      await sleep(500);
      const copy = await caches[1]!.get(source); // instance 1 takes the copy, at least 0.5 s old
      expect(upstreamReads).toEqual([0]);
      expect(copy.contentHash).toBe("h1");
      expect(copy.copyAgeMs).toBeUndefined();
      // Its own policy says 2 s; the copy was read upstream at least 0.5 s before.
      expect(caches[1]!.remainingMs("wire")).toBeGreaterThan(0);
      expect(caches[1]!.remainingMs("wire")).toBeLessThanOrEqual(1500);
    } finally {
      await Promise.all(instances.map((instance) => instance.close()));
    }
  });
});
