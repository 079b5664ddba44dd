import type { ServerResponse } from "node:http";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log/logger.ts";
import { createRedis, SharedCache, SNAPSHOT_FORMAT } from "../../src/store/source-cache/shared-cache.ts";
import { rss, uniquePrefix } from "../cluster/cluster.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";
import { ownRedis } from "../helpers/own-redis.ts";
import { subscribeSse } from "./sse-client.ts";

/** A Redis of this test's own, so stopping it disturbs no other test. */
const redis = ownRedis(6490);
const startRedis = redis.start;
const stopRedis = redis.stop;
const REDIS = redis.url;
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  stopRedis();
});

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("articleAdded through a Redis outage", () => {
  it("delivers what an instance found alone during the outage once, also after the cluster claims it when Redis is back", async () => {
    startRedis();
    let body = rss("outage", 3);
    const upstream = await startFixtureServer({
      "/a.xml": (_req, res: ServerResponse) => void res.writeHead(200, { "content-type": "application/rss+xml" }).end(body),
    });
    cleanups.push(upstream.close);
    const prefix = uniquePrefix("live-recovery");
    const caches = [0, 1].map(() => new SharedCache({ redis: createRedis(REDIS), prefix, logger: silentLogger(), random: () => 0.5 }));
    await Promise.all(caches.map((cache) => cache.connect()));
    cleanups.push(() => Promise.all(caches.map((cache) => cache.close())));
    const sources = { sources: [{ id: "a", name: "A", url: upstream.url("/a.xml"), section: "technology", refreshSeconds: 600 }] };
    const [a, b] = await Promise.all(caches.map((sharedCache) => openGateway(sources, { sharedCache })));
    cleanups.push(a!.close, b!.close);
    await Promise.all([a!.warmUp(), b!.warmUp()]);
    const subscribers = {
      a: await subscribeSse(a!, "subscription { articleAdded { title } }"),
      b: await subscribeSse(b!, "subscription { articleAdded { title } }"),
    };
    cleanups.push(() => {
      for (const subscriber of Object.values(subscribers)) subscriber.close();
    });
    const admin = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
    admin.on("error", () => undefined);
    cleanups.push(() => admin.disconnect());
    const listening = async () => {
      const counts = (await admin.pubsub("NUMSUB", `${prefix}article-added`, `${prefix}source-changed`)) as (string | number)[];
      return Number(counts[1]) === 2 && Number(counts[3]) === 2;
    };
    await waitUntil("both instances listen on Redis", listening);
    /** B reads the feed now (its Redis copy dropped, as at the end of its TTL) and rebuilds. */
    const bReads = async (items: number) => {
      body = rss("outage", items);
      await admin.del(`${prefix}feed-v${SNAPSHOT_FORMAT}:a`).catch(() => undefined);
      await b!.refreshSource("a");
      await b!.store.catalog();
    };

    await bReads(4);
    await Promise.all([subscribers.a.waitFor(1), subscribers.b.waitFor(1)]);

    stopRedis();
    await waitUntil("B notices Redis is gone", async () => caches[1]!.redis.status !== "ready");
    await bReads(5); // Story 4: B alone knows it, and tells its own subscribers.
    await subscribers.b.waitFor(2);

    startRedis();
    await waitUntil("both instances listen on Redis again", listening);
    await waitUntil("B's commands reach Redis again", async () => caches[1]!.redis.status === "ready");
    // Story 5: A learns stories 4 and 5 together and may claim 4, which Redis never saw; B must not deliver 4 again.
    await bReads(6);
    await Promise.all([subscribers.a.waitFor(3), subscribers.b.waitFor(3)]);
    await bReads(7); // The marker.
    await Promise.all([subscribers.a.waitFor(4), subscribers.b.waitFor(4)]);

    const titles = (name: "a" | "b") => subscribers[name].payloads.map((payload) => payload.data?.articleAdded.title ?? payload);
    expect(titles("b")).toEqual(["Story 3 of outage", "Story 4 of outage", "Story 5 of outage", "Story 6 of outage"]);
    expect(titles("a").slice().sort()).toEqual(["Story 3 of outage", "Story 4 of outage", "Story 5 of outage", "Story 6 of outage"]);
  }, 60_000);
});
