import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { parsePersistedOperations } from "../../src/http/plugins/persisted-operations.ts";
import { PERSISTED_OPERATION_TTL_MS } from "../../src/http/plugins/shared-persisted-operations.ts";
import { parsePartnersConfig } from "../../src/partners/partners-file.ts";
import { createRedis, SharedCache } from "../../src/store/source-cache/shared-cache.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { startGateway } from "../helpers/gateway.ts";
import { captureLogs, scrape } from "../helpers/ops.ts";
import { ownRedis } from "../helpers/own-redis.ts";
import { dropKeys, REDIS_URL, rss, startMember, uniquePrefix, writeSources, type Member } from "./cluster.ts";

/** Rate limits and the persisted-operations allow-list held by the cluster, not by each instance. */
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const ALPHA = { name: "Alpha", key: "alpha-3c1f9b", perMinute: 10 };
const BETA = { name: "Beta", key: "beta-77d2e0", perMinute: 4 };
/** A partner with room to spare, for requests whose budget is not under test. */
const OPS = { name: "Ops", key: "ops-5a0e41", perMinute: 1000 };
const ANONYMOUS_PER_MINUTE = 6;
const PARTNERS = {
  anonymous: { requestsPerMinute: ANONYMOUS_PER_MINUTE },
  partners: [ALPHA, BETA, OPS].map((p) => ({ name: p.name, keyHash: sha256(p.key), allowedOrigins: [], requestsPerMinute: p.perMinute })),
};
const SECTIONS = "query Sections { sections { slug } }";
const COUNT = "query Count { articles(first: 5) { totalCount } }";
const QUERY_PATH = "/graphql?query=%7Bsections%7Bslug%7D%7D";

async function writeJson(name: string, value: unknown): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), "newsgate-shared-")), name);
  await writeFile(file, JSON.stringify(value));
  return file;
}

const get = (url: string, key?: string) => fetch(`${url}${QUERY_PATH}`, { headers: key ? { "x-api-key": key } : {} });

/** Runs a persisted operation by its hash, the Apollo way, with the Ops key. */
async function persisted(url: string, hash: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", "x-api-key": OPS.key },
    body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
  });
  return { status: response.status, body: await response.json() };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
  return Date.now() - started;
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe("a cluster sharing one Redis", () => {
  const members: Member[] = [];
  const prefixes: string[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const member of members.splice(0)) member.child.kill("SIGKILL");
    for (const close of closers) await close();
    for (const prefix of prefixes) await dropKeys(prefix);
  });
  const upstreamOnce = async () => {
    const upstream = await startFixtureServer({ "/a.xml": serveBody(rss("limits"), "application/rss+xml") });
    closers.push(upstream.close);
    return upstream;
  };

  it("accepts exactly a partner's budget across three instances, then refuses with 429 and Retry-After on every one", async () => {
    const upstream = await upstreamOnce();
    const prefix = uniquePrefix("shared-limits");
    prefixes.push(prefix);
    const file = await writeSources([{ id: "a", name: "A", url: upstream.url("/a.xml"), section: "technology", refreshSeconds: 600 }]);
    const partnersFile = await writeJson("partners.json", PARTNERS);
    members.push(...(await Promise.all([0, 1, 2].map(() => startMember(file, prefix, REDIS_URL, { NEWSGATE_PARTNERS: partnersFile })))));
    const urls = members.map((m) => m.url);

    // Three times Alpha's budget, all at once, spread over the three instances.
    const started = Date.now();
    const alpha = await Promise.all(Array.from({ length: 3 * ALPHA.perMinute }, (_, i) => get(urls[i % 3]!, ALPHA.key)));
    const burstMs = Date.now() - started;
    const statuses = alpha.map((r) => r.status);
    // Then once more on each instance: each knows the budget is spent.
    const after = await Promise.all(urls.map((url) => get(url, ALPHA.key)));
    const retryAfter = [...alpha, ...after].filter((r) => r.status === 429).map((r) => Number(r.headers.get("retry-after")));
    // Beta's budget and the anonymous one are their own, also cluster-wide.
    const beta = await Promise.all(Array.from({ length: BETA.perMinute + 2 }, (_, i) => get(urls[i % 3]!, BETA.key)));
    const anonymous = await Promise.all(Array.from({ length: ANONYMOUS_PER_MINUTE + 3 }, (_, i) => get(urls[i % 3]!)));
    const scrapes = await Promise.all(urls.map((url) => scrape(url)));
    const refusedAlpha = scrapes.reduce((sum, s) => sum + s.value("newsgate_rate_limited_total", { partner: "Alpha" }), 0);
    const redis = new Redis(REDIS_URL);
    const counted = Number(await redis.get(`${prefix}rate:partner:Alpha:Alpha`));
    redis.disconnect();
    console.log(
      `shared limits: ${alpha.length} concurrent requests over 3 instances in ${burstMs} ms: ${count(statuses, 200)} accepted, ${count(statuses, 429)} refused ` +
        `(budget ${ALPHA.perMinute}/min); Retry-After ${Math.min(...retryAfter)}-${Math.max(...retryAfter)} s; counter in Redis ${counted}`,
    );

    // Every request was counted in Redis: none fell back to an instance's own budget.
    expect(scrapes.map((s) => s.value("newsgate_redis_errors_total", { operation: "rate-limit" }))).toEqual([0, 0, 0]);
    expect(count(statuses, 200)).toBe(ALPHA.perMinute);
    expect(count(statuses, 429)).toBe(2 * ALPHA.perMinute);
    expect(after.map((r) => r.status)).toEqual([429, 429, 429]);
    expect(retryAfter.every((s) => s >= 1 && s <= 60)).toBe(true);
    expect(
      count(
        beta.map((r) => r.status),
        200,
      ),
    ).toBe(BETA.perMinute);
    expect(
      count(
        anonymous.map((r) => r.status),
        200,
      ),
    ).toBe(ANONYMOUS_PER_MINUTE);
    expect(refusedAlpha).toBe(2 * ALPHA.perMinute + 3);
    expect(counted).toBe(3 * ALPHA.perMinute + 3);
    for (const s of scrapes) expect(s.value("newsgate_redis_up")).toBe(1);
  });

  it("runs on every instance an operation any instance's allow-list holds, and nothing else", async () => {
    const upstream = await upstreamOnce();
    const prefix = uniquePrefix("shared-persisted");
    prefixes.push(prefix);
    const file = await writeSources([{ id: "a", name: "A", url: upstream.url("/a.xml"), section: "technology", refreshSeconds: 600 }]);
    // A rolling deploy: instance A runs the old list, instance B the new one.
    const [listA, listB] = [
      await writeJson("ops-a.json", { [sha256(SECTIONS)]: SECTIONS }),
      await writeJson("ops-b.json", { [sha256(COUNT)]: COUNT }),
    ];
    const [a, b] = await Promise.all(
      [listA, listB].map((list) => startMember(file, prefix, REDIS_URL, { NEWSGATE_PERSISTED_OPERATIONS: list })),
    );
    members.push(a!, b!);
    const redis = new Redis(REDIS_URL);
    await until(
      async () => (await redis.exists(`${prefix}persisted:${sha256(SECTIONS)}`, `${prefix}persisted:${sha256(COUNT)}`)) === 2,
      "both lists in Redis",
    );
    const ttl = await redis.pttl(`${prefix}persisted:${sha256(SECTIONS)}`);
    // Redis may add an operation but never change one: an entry whose text is not its hash's is ignored.
    const forged = sha256("query Forged { sources { id } }");
    await redis.set(`${prefix}persisted:${forged}`, "query Other { sections { name } }");
    redis.disconnect();

    const sectionsOnB = await persisted(b!.url, sha256(SECTIONS));
    const countOnA = await persisted(a!.url, sha256(COUNT));
    const byDocumentId = await fetch(`${a!.url}/graphql?documentId=sha256:${sha256(COUNT)}`, {
      headers: { accept: "application/json", "x-api-key": OPS.key },
    });
    const unknown = await persisted(b!.url, sha256("query Unknown { sections { name } }"));
    const forgedOnA = await persisted(a!.url, forged);
    const asText = await b!.query(SECTIONS);

    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(PERSISTED_OPERATION_TTL_MS);
    expect(sectionsOnB.status).toBe(200);
    expect(sectionsOnB.body.data.sections.length).toBeGreaterThan(0);
    expect(countOnA.body).toEqual({ data: { articles: { totalCount: 3 } } });
    expect(((await byDocumentId.json()) as any).data.articles.totalCount).toBe(3);
    expect(unknown.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect(forgedOnA.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect((asText.errors![0] as any).extensions.code).toBe("PERSISTED_QUERY_ONLY");
  });
});

/** A Redis of this test's own, so stopping it disturbs no other test. */
const redis = ownRedis(6440);
const startRedis = redis.start;
const stopRedis = redis.stop;
const OWN_REDIS = redis.url;

describe("shared limits and allow-list when Redis goes away", () => {
  afterAll(stopRedis);

  it("fails no request while Redis is down: each instance applies the budget alone and runs its own list, warns, shows redis_up 0, and rejoins", async () => {
    startRedis();
    const upstream = await startFixtureServer({ "/a.xml": serveBody(rss("outage-limits"), "application/rss+xml") });
    const prefix = uniquePrefix("shared-outage");
    const partners = parsePartnersConfig(
      { ...PARTNERS, partners: PARTNERS.partners.map((p) => (p.name === "Alpha" ? { ...p, requestsPerMinute: 5 } : p)) },
      "/srv/partners.json",
    );
    const budget = 5;
    const logs = captureLogs("info");
    const start = async (document: string) => {
      const sharedCache = new SharedCache({ redis: createRedis(OWN_REDIS), prefix, logger: logs.logger, random: () => 0.5 });
      await sharedCache.connect();
      const persistedOperations = parsePersistedOperations({ [sha256(document)]: document }, "/srv/ops.json");
      const gateway = await startGateway(
        { sources: [{ id: "a", name: "A", url: upstream.url("/a.xml"), section: "technology", refreshSeconds: 600 }] },
        { sharedCache, partners, logger: logs.logger, http: { persistedOperations } },
      );
      await gateway.warmUp();
      return { gateway, sharedCache };
    };
    const [a, b] = [await start(SECTIONS), await start(COUNT)];
    const probe = new Redis(OWN_REDIS);
    await until(async () => (await probe.exists(`${prefix}persisted:${sha256(SECTIONS)}`)) === 1, "A's list in Redis");
    probe.disconnect();
    let slowest = 0;
    const timed = async <T>(request: () => Promise<T>) => {
      const started = Date.now();
      const result = await request();
      slowest = Math.max(slowest, Date.now() - started);
      return result;
    };
    const alphaOn = (url: string, n: number) =>
      Promise.all(Array.from({ length: n }, () => timed(() => get(url, ALPHA.key)))).then((rs) => rs.map((r) => r.status));

    // Redis up: two requests on each instance spend 4 of the cluster's 5.
    const beforeOutage = [...(await alphaOn(a.gateway.url, 2)), ...(await alphaOn(b.gateway.url, 2))];
    const upBefore = (await scrape(a.gateway.url)).value("newsgate_redis_up");

    stopRedis();
    await until(() => a.sharedCache.redis.status !== "ready" && b.sharedCache.redis.status !== "ready", "both instances see Redis gone");
    // Each instance now counts alone, from a fresh local budget of 5.
    const downA = await alphaOn(a.gateway.url, budget + 2);
    const downB = await alphaOn(b.gateway.url, budget + 2);
    const ownOnB = await timed(() => persisted(b.gateway.url, sha256(COUNT)));
    const othersOnB = await timed(() => persisted(b.gateway.url, sha256(SECTIONS)));
    const ownOnA = await timed(() => persisted(a.gateway.url, sha256(SECTIONS)));
    const [downMetricsA, downMetricsB] = await Promise.all([scrape(a.gateway.url), scrape(b.gateway.url)]);

    const downAt = Date.now();
    startRedis();
    await until(() => a.sharedCache.up && b.sharedCache.up, "both instances rejoin");
    const rejoinMs = Date.now() - downAt;
    const upAfter = (await scrape(a.gateway.url)).value("newsgate_redis_up");
    // The restarted Redis is empty: each instance writes its list again when it reconnects.
    const again = new Redis(OWN_REDIS);
    await until(async () => (await again.exists(`${prefix}persisted:${sha256(SECTIONS)}`)) === 1, "A's list written again");
    again.disconnect();
    const othersOnBAfter = await persisted(b.gateway.url, sha256(SECTIONS));
    // And the budget is the cluster's again (the restarted Redis starts a new window).
    const afterOutage = [...(await alphaOn(a.gateway.url, 4)), ...(await alphaOn(b.gateway.url, 4))];
    console.log(
      `shared limits, Redis down: ${downA.length + downB.length + 3} requests, slowest ${slowest} ms; accepted alone A=${count(downA, 200)} B=${count(downB, 200)} of ${budget}; ` +
        `redis_errors_total{operation="rate-limit"} A=${downMetricsA.value("newsgate_redis_errors_total", { operation: "rate-limit" })}; instances rejoined ${rejoinMs} ms after Redis restarted`,
    );
    for (const { gateway, sharedCache } of [a, b]) {
      await gateway.close();
      await sharedCache.close();
    }
    await upstream.close();

    expect(beforeOutage).toEqual([200, 200, 200, 200]);
    expect(upBefore).toBe(1);
    for (const down of [downA, downB]) {
      expect(count(down, 200)).toBe(budget);
      expect(count(down, 429)).toBe(2);
    }
    expect(ownOnB.body).toEqual({ data: { articles: { totalCount: 3 } } });
    // Never learnt from A before the outage, and Redis cannot be asked: refused as unknown, not failed.
    expect(othersOnB.status).toBeLessThan(500);
    expect(othersOnB.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect(ownOnA.body.data.sections.length).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(1000);
    for (const metrics of [downMetricsA, downMetricsB]) {
      expect(metrics.value("newsgate_redis_up")).toBe(0);
      expect(metrics.value("newsgate_redis_errors_total", { operation: "rate-limit" })).toBeGreaterThanOrEqual(budget + 2);
    }
    expect(logs.lines.some((l) => l.level === 40 && /Redis unreachable/.test(l.msg))).toBe(true);
    expect(logs.lines.some((l) => /Redis is back/.test(l.msg))).toBe(true);
    expect(upAfter).toBe(1);
    expect(othersOnBAfter.body.data.sections.length).toBeGreaterThan(0);
    expect(count(afterOutage, 200)).toBe(budget);
    expect(count(afterOutage, 429)).toBe(3);
  });

  it("counts locally when Redis is slow rather than making clients wait, and shows redis_up 1 again once it answers", async () => {
    stopRedis();
    startRedis();
    const upstream = await startFixtureServer({ "/a.xml": serveBody(rss("slow-limits"), "application/rss+xml") });
    const logs = captureLogs("info");
    const sharedCache = new SharedCache({
      redis: createRedis(OWN_REDIS),
      prefix: uniquePrefix("shared-slow"),
      logger: logs.logger,
      random: () => 0.5,
    });
    await sharedCache.connect();
    const gateway = await startGateway(
      { sources: [{ id: "a", name: "A", url: upstream.url("/a.xml"), section: "technology", refreshSeconds: 600 }] },
      { sharedCache, partners: parsePartnersConfig(PARTNERS, "/srv/partners.json"), logger: logs.logger },
    );
    await gateway.warmUp();
    expect((await get(gateway.url, ALPHA.key)).status).toBe(200);

    // CLIENT PAUSE holds every other client's commands for 1.5 s: a Redis that answers, late.
    const admin = new Redis(OWN_REDIS);
    await admin.call("CLIENT", "PAUSE", "1500", "ALL");
    const pausedAt = Date.now();
    const durations: number[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      statuses.push((await get(gateway.url, ALPHA.key)).status);
      durations.push(Date.now() - started);
    }
    const slow = await scrape(gateway.url);
    await until(() => sharedCache.up, "redis_up back to 1", 5000);
    const recoveredMs = Date.now() - pausedAt;
    const recovered = await scrape(gateway.url);
    console.log(
      `shared limits, Redis paused 1.5 s: requests took ${durations.join(", ")} ms; redis_up ${slow.value("newsgate_redis_up")}, back to ${recovered.value("newsgate_redis_up")} ${recoveredMs} ms after the pause began`,
    );
    admin.disconnect();
    await gateway.close();
    await sharedCache.close();
    await upstream.close();

    expect(statuses).toEqual([200, 200, 200]);
    // The 200 ms budget on the Redis call, plus the request itself.
    for (const ms of durations) expect(ms).toBeLessThan(700);
    expect(slow.value("newsgate_redis_up")).toBe(0);
    expect(slow.value("newsgate_redis_errors_total", { operation: "rate-limit" })).toBe(3);
    expect(recovered.value("newsgate_redis_up")).toBe(1);
  });
});
