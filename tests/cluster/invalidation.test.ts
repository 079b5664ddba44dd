import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createRedis, SharedCache } from "../../src/store/source-cache/shared-cache.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { startGateway } from "../helpers/gateway.ts";
import { dropKeys, REDIS_URL, rss, uniquePrefix } from "./cluster.ts";

describe("invalidation across instances", () => {
  it("rebuilds every instance's catalog within a second of one instance seeing a source change", async () => {
    let body = rss("before", 2);
    const upstream = await startFixtureServer({
      "/a.xml": (_req, res) => {
        res.writeHead(200, { "content-type": "application/rss+xml" });
        res.end(body);
      },
    });
    const prefix = uniquePrefix("invalidation");
    const caches = [0, 1].map(() => new SharedCache({ redis: createRedis(REDIS_URL), prefix, logger: silentLogger(), random: () => 0.5 }));
    await Promise.all(caches.map((cache) => cache.connect()));
    // A long TTL: only the invalidation can make instance B see the change in time.
    const sources = { sources: [{ id: "a", name: "A", url: upstream.url("/a.xml"), section: "technology", refreshSeconds: 600 }] };
    const [a, b] = await Promise.all(caches.map((sharedCache) => startGateway(sources, { sharedCache })));
    const count = async (gateway: typeof a) =>
      ((await gateway!.query("{ articles(first: 10) { totalCount } }")).data as any).articles.totalCount;
    expect([await count(a), await count(b)]).toEqual([2, 2]);
    expect(upstream.hits("/a.xml")).toBe(1);

    body = rss("before", 3);
    // Instance A's copy in Redis expires (simulated), then A reads the changed source.
    await caches[0]!.redis.del(caches[0]!.snapshotKey("a"));
    const changedAt = Date.now();
    await a!.refreshSource("a");
    let seenAfter = -1;
    while (Date.now() - changedAt < 2000) {
      if ((await count(b)) === 3) {
        seenAfter = Date.now() - changedAt;
        break;
      }
      await sleep(20);
    }
    console.log(
      `invalidation: instance B served the change ${seenAfter} ms after instance A read it; upstream reads ${upstream.hits("/a.xml")}`,
    );
    await Promise.all([a!.close(), b!.close()]);
    await Promise.all(caches.map((cache) => cache.close()));
    await dropKeys(prefix);
    await upstream.close();

    expect(seenAfter).toBeGreaterThanOrEqual(0);
    expect(seenAfter).toBeLessThan(1000);
    expect(upstream.hits("/a.xml")).toBe(2);
  });
});
