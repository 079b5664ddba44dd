import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log/logger.ts";
import { RedisSubscriptionStore } from "../../src/push/subscription-store.ts";
import { createRedis, SharedCache } from "../../src/store/source-cache/shared-cache.ts";
import { dropKeys, REDIS_URL, uniquePrefix } from "../cluster/cluster.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sharedStore() {
  const prefix = uniquePrefix("websub-store");
  const shared = new SharedCache({ redis: createRedis(REDIS_URL), prefix, logger: silentLogger(), random: () => 0.5 });
  await shared.connect();
  cleanups.push(
    () => dropKeys(prefix),
    () => shared.close(),
  );
  return { shared, store: new RedisSubscriptionStore(shared) };
}

describe("the last push shared through Redis", () => {
  it("is the latest any instance noted, never moved back by a late note", async () => {
    const { shared } = await sharedStore();
    const [a, b] = [new RedisSubscriptionStore(shared), new RedisSubscriptionStore(shared)];
    expect(await a.lastPush("news")).toBeNull();
    await a.notePush("news", 2_000);
    expect(await b.lastPush("news")).toBe(2_000);
    // B's note of an older push arrives after A's newer one.
    await b.notePush("news", 1_000);
    expect(await a.lastPush("news")).toBe(2_000);
    await b.notePush("news", 3_000);
    expect(await a.lastPush("news")).toBe(3_000);
    expect(await a.lastPush("other")).toBeNull();
  });

  it("reads a value it did not write (garbage in the key) as no push, and a new note replaces it", async () => {
    const { shared, store } = await sharedStore();
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => redis.disconnect());
    await redis.set(shared.key("websub-last-push", "news"), "not a time");
    expect(await store.lastPush("news")).toBeNull();
    await store.notePush("news", 5_000);
    expect(await store.lastPush("news")).toBe(5_000);
  });
});
