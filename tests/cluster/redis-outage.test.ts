import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/logger.ts";
import { createRedis, SharedCache } from "../../src/store/source-cache/shared-cache.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { startGateway } from "../helpers/gateway.ts";
import { ownRedis } from "../helpers/own-redis.ts";
import { rss, uniquePrefix } from "./cluster.ts";

/** A Redis of this test's own, so stopping it disturbs no other test. */
const redis = ownRedis(6390);
const startRedis = redis.start;
const stopRedis = redis.stop;
afterAll(stopRedis);

describe("a cluster instance whose Redis goes away", () => {
  it("answers every query from its local cache while Redis is down, warns, and rejoins when it returns", async () => {
    startRedis();
    const upstream = await startFixtureServer({ "/a.xml": serveBody(rss("outage"), "application/rss+xml") });
    const lines: string[] = [];
    const logger = createLogger({ level: "info", destination: { write: (line: string) => void lines.push(line) } });
    const sharedCache = new SharedCache({ redis: createRedis(redis.url), prefix: uniquePrefix("outage"), logger, random: () => 0.5 });
    await sharedCache.connect();
    const gateway = await startGateway(
      { sources: [{ id: "a", name: "A", url: upstream.url("/a.xml"), section: "technology", refreshSeconds: 1, timeoutMs: 2000 }] },
      { sharedCache, logger },
    );
    gateway.refresher.start();
    let queries = 0;
    let failed = 0;
    let slowest = 0;
    const client = (until: number) =>
      (async () => {
        while (Date.now() < until) {
          const started = Date.now();
          const answer = await gateway.query("{ articles(first: 10) { totalCount } }").catch(() => ({ errors: ["network"] }));
          slowest = Math.max(slowest, Date.now() - started);
          queries++;
          if (answer.errors || (answer as any).data.articles.totalCount !== 3) failed++;
          await sleep(10);
        }
      })();
    await client(Date.now() + 500);
    stopRedis();
    const hitsBefore = upstream.hits("/a.xml");
    await client(Date.now() + 2200);
    const readsWhileDown = upstream.hits("/a.xml") - hitsBefore;
    startRedis();
    await client(Date.now() + 2500);
    // Rejoined: the instance stores its reads in Redis again. The key lives one refresh time (1 s) and
    // is briefly absent during each upstream read, so look for it over several refreshes, not at one instant.
    const feedKey = sharedCache.snapshotKey("a");
    let rejoined = false;
    for (let tries = 0; tries < 100 && !rejoined; tries++) {
      rejoined = (await sharedCache.redis.exists(feedKey)) === 1;
      if (!rejoined) await sleep(50);
    }
    console.log(
      `outage: ${queries} queries, ${failed} failed, slowest ${slowest} ms; ${readsWhileDown} upstream reads alone while Redis was down; rejoined: ${rejoined}; Redis failures seen: ${sharedCache.failures}`,
    );
    await gateway.refresher.stop();
    await gateway.close();
    await sharedCache.close();
    await upstream.close();

    expect(failed).toBe(0);
    expect(readsWhileDown).toBeGreaterThanOrEqual(1);
    expect(sharedCache.failures).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes("Redis unreachable"))).toBe(true);
    expect(lines.some((l) => l.includes("Redis is back"))).toBe(true);
    expect(sharedCache.degraded).toBe(false);
    expect(rejoined).toBe(true);
  });
});
