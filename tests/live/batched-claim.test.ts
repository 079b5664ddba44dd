import type { ServerResponse } from "node:http";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisArticleChannel } from "../../src/live/redis-channel.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { createRedis, SharedCache, SNAPSHOT_FORMAT } from "../../src/store/source-cache/shared-cache.ts";
import { dropKeys, REDIS_URL, rss, uniquePrefix } from "../cluster/cluster.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";
import { subscribeSse } from "./sse-client.ts";

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  return redis.keys(`${prefix}*`);
}

describe("claiming new articles in Redis", () => {
  it("claims a refresh's new stories in one Redis call, and holds them in one key", async () => {
    let body = rss("batch", 3);
    const upstream = await startFixtureServer({
      "/a.xml": (_req, res: ServerResponse) => void res.writeHead(200, { "content-type": "application/rss+xml" }).end(body),
    });
    cleanups.push(upstream.close);
    const prefix = uniquePrefix("batched-claim");
    cleanups.push(() => dropKeys(prefix));
    const sharedCache = new SharedCache({ redis: createRedis(REDIS_URL), prefix, logger: silentLogger(), random: () => 0.5 });
    await sharedCache.connect();
    cleanups.push(() => sharedCache.close());
    // Every script the instance runs that publishes: the claims (lock releases publish nothing).
    let claimCalls = 0;
    const evalScript = sharedCache.redis.eval.bind(sharedCache.redis) as (...args: any[]) => Promise<unknown>;
    (sharedCache.redis as any).eval = (script: string, ...rest: any[]) => {
      if (script.includes("PUBLISH")) claimCalls++;
      return evalScript(script, ...rest);
    };
    const gateway = await openGateway(
      { sources: [{ id: "a", name: "A", url: upstream.url("/a.xml"), section: "technology", refreshSeconds: 600 }] },
      { sharedCache },
    );
    cleanups.push(gateway.close);
    await gateway.warmUp();
    const subscriber = await subscribeSse(gateway, "subscription { articleAdded { title } }");
    cleanups.push(() => subscriber.close());
    const admin = new Redis(REDIS_URL);
    cleanups.push(() => admin.disconnect());
    const announced: string[] = [];
    admin.on("message", (_channel, message) => announced.push(JSON.parse(message).id));
    const listener = new Redis(REDIS_URL);
    cleanups.push(() => listener.disconnect());
    listener.on("message", (_channel, message) => announced.push(JSON.parse(message).id));
    await listener.subscribe(`${prefix}article-added`);

    body = rss("batch", 203);
    await admin.del(`${prefix}feed-v${SNAPSHOT_FORMAT}:a`);
    await gateway.refreshSource("a");
    await gateway.store.catalog();
    await subscriber.waitFor(200, 15_000);

    expect(claimCalls).toBe(1);
    expect(announced).toHaveLength(200);
    expect(subscriber.payloads).toHaveLength(200);
    // The source's copy and the seen set: no key per story.
    expect((await keysUnder(admin, prefix)).sort()).toEqual([`${prefix}article-seen-v2`, `${prefix}feed-v${SNAPSHOT_FORMAT}:a`]);
    expect(await admin.zcard(`${prefix}article-seen-v2`)).toBe(400); // each story's id and canonical URL
  }, 30_000);

  it("keeps the seen set within its bound and its TTL, and a story seen stays claimed", async () => {
    const prefix = uniquePrefix("seen-bound");
    cleanups.push(() => dropKeys(prefix));
    const redis = new Redis(REDIS_URL);
    cleanups.push(() => redis.disconnect());
    const seenKey = `${prefix}article-seen-v2`;
    const channel = new RedisArticleChannel({
      publisher: redis,
      subscriber: () => redis.duplicate(),
      channel: `${prefix}article-added`,
      seenKey,
      seenTtlMs: 60_000,
      seenMax: 50,
    });
    const stories = (from: number, count: number) =>
      Array.from({ length: count }, (_, n) => ({ id: `s${from + n}`, canonicalUrls: [`https://bound.example/${from + n}`] }));

    expect(await channel.claimAll(stories(0, 10))).toEqual(Array(10).fill(true));
    // Seen already: by id, and by URL under a new id (a merge may change ids).
    expect(
      await channel.claimAll([...stories(0, 2), { id: "other", canonicalUrls: ["https://bound.example/3"] }, ...stories(10, 1)]),
    ).toEqual([false, false, false, true]);
    // A churning source: thousands of marks, and the set still holds at most its bound.
    for (let round = 0; round < 5; round++) await channel.claimAll(stories(1000 + round * 500, 500));
    expect(await redis.zcard(seenKey)).toBe(50);
    const ttl = await redis.pttl(seenKey);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // The newest marks are the ones kept: all from the last round.
    const ids = (await redis.zrange(seenKey, 0, -1)).filter((mark) => mark.startsWith("id:")).map((mark) => Number(mark.slice(4)));
    expect(ids.every((n) => n >= 3000)).toBe(true);
    expect(await redis.zscore(seenKey, "id:s0")).toBeNull();
    expect(await keysUnder(redis, prefix)).toEqual([seenKey]);
  });
});
