import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { GatewayDeps } from "../../src/create-gateway.ts";
import { listen } from "../../src/http/server/server.ts";
import { VERIFY_TIMEOUT_MS, FIRST_RETRY_MS } from "../../src/push/subscription.ts";
import { PUSH_POLL_FACTOR } from "../../src/store/source-cache/refresh-policy.ts";
import { createRedis, SharedCache } from "../../src/store/source-cache/shared-cache.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { dropKeys, REDIS_URL, uniquePrefix } from "../cluster/cluster.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { buildGateway, type TestSourcesFile } from "../helpers/gateway.ts";
import { startWebSubHub, type WebSubHub } from "../helpers/websub-hub.ts";
import { subscribeSse } from "../live/sse-client.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const REFRESH_SECONDS = 60;

/** An RSS feed naming `hub` (under a prefix of its own: discovery goes by namespace) and itself, with items `tags`. */
function feed(hub: string, self: string, tags: string[]): string {
  const items = tags
    .map(
      (tag, i) =>
        `<item><guid>${tag}</guid><title>Story ${tag}</title><link>https://news.example/${tag}</link><pubDate>${new Date(Date.UTC(2026, 0, 1, 0, i)).toUTCString()}</pubDate><description>About ${tag}.</description></item>`,
    )
    .join("");
  return `<?xml version="1.0"?><rss version="2.0" xmlns:w3="http://www.w3.org/2005/Atom"><channel><title>News</title><link>https://news.example/</link><w3:link rel="hub" href="${hub}"/><w3:link rel="self" href="${self}"/>${items}</channel></rss>`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A gateway listening on 127.0.0.1 whose public URL is its own address (or `publicUrl` when given: null for none). */
async function startPushGateway(sources: TestSourcesFile, deps: Omit<GatewayDeps, "config"> = {}) {
  const port = await freePort();
  const own = `http://127.0.0.1:${port}`;
  const { gateway } = await buildGateway(sources, { publicUrl: own, ...deps });
  const running = await listen(gateway.app, port, "127.0.0.1");
  const close = async () => {
    await gateway.shutdown();
    await running.close();
  };
  cleanups.push(close);
  return {
    ...gateway,
    url: running.url,
    query: async <T = any>(query: string): Promise<{ data?: T; errors?: unknown[] }> => {
      const response = await fetch(`${running.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query }),
      });
      return (await response.json()) as { data?: T; errors?: unknown[] };
    },
  };
}

async function metricsText(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** The value of one series in Prometheus text (its name and labels as written), or NaN when absent. */
function metricValue(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : Number.NaN;
}

/** A hub, and an upstream serving a feed that names it; `tags` is the feed's content, changed by the test. */
async function setUp(hubOptions: Parameters<typeof startWebSubHub>[0] = {}) {
  const hub = await startWebSubHub(hubOptions);
  cleanups.push(hub.close);
  const content = { tags: ["first", "second"] };
  const upstream = await startFixtureServer({
    "/news.xml": (_req, res) => {
      res.writeHead(200, { "content-type": "application/rss+xml" }).end(feed(hub.url, upstream.url("/news.xml"), content.tags));
    },
  });
  cleanups.push(upstream.close);
  const topic = upstream.url("/news.xml");
  const source = (extra: Record<string, unknown> = {}) => ({
    id: "news",
    name: "News",
    url: topic,
    section: "technology",
    refreshSeconds: REFRESH_SECONDS,
    ...extra,
  });
  return { hub, upstream, topic, content, source };
}

const titles = async (gateway: { query: (q: string) => Promise<{ data?: any }> }) =>
  ((await gateway.query("{ articles(first: 50) { edges { node { title } } } }")).data?.articles.edges ?? []).map(
    (edge: any) => edge.node.title as string,
  );

/** Subscribes the gateway's source at the hub and waits until the hub confirmed the verification. */
async function subscribed(gateway: { warmUp: () => Promise<void>; push: { tick: () => Promise<void> } }, hub: WebSubHub) {
  await gateway.warmUp();
  await gateway.push.tick();
  await hub.waitFor("the subscription verified", () => hub.verifications.find((v) => v.mode === "subscribe" && v.confirmed));
}

describe("WebSub push", () => {
  it("subscribes at the feed's hub, and a push reaches queries and articleAdded subscribers within a second", async () => {
    const { hub, topic, source } = await setUp();
    const gateway = await startPushGateway({ sources: [source()] });
    await subscribed(gateway, hub);

    // The request: our callback under the public URL, a secret, the lease asked, the feed's self URL as topic.
    expect(hub.requests).toHaveLength(1);
    const request = hub.requests[0]!;
    expect(request).toMatchObject({ mode: "subscribe", topic, leaseSeconds: String(10 * 86_400) });
    expect(request.callback).toMatch(new RegExp(`^${gateway.url}/websub/news/[A-Za-z0-9_-]{20,}$`));
    expect(request.secret!.length).toBeGreaterThanOrEqual(32);
    expect(request.secret!.length).toBeLessThan(200);
    const status = (await gateway.query("{ sources { push { state hub topic leaseEndsAt reason } } }")).data!.sources[0].push;
    expect(status).toMatchObject({ state: "ACTIVE", hub: hub.url, topic, reason: null });
    expect(Date.parse(status.leaseEndsAt) - Date.now()).toBeGreaterThan(3500_000);

    const added = await subscribeSse(gateway.url, "subscription { articleAdded { title } }");
    cleanups.push(added.close);
    const startedAt = performance.now();
    expect(await hub.publish(topic, feed(hub.url, topic, ["first", "second", "pushed"]))).toEqual([202]);
    const [event] = await added.waitFor(1, 2000);
    const elapsed = performance.now() - startedAt;
    console.log(`websub: a pushed article reached an articleAdded subscriber ${elapsed.toFixed(0)} ms after the hub sent it`);
    expect(event!.data.articleAdded.title).toBe("Story pushed");
    expect(elapsed).toBeLessThan(1000);
    expect(await titles(gateway)).toContain("Story pushed");

    // While pushed, the source is polled PUSH_POLL_FACTOR times less often.
    expect(gateway.store.freshForMs()).toBeGreaterThan((PUSH_POLL_FACTOR - 1) * REFRESH_SECONDS * 1000);
    const page = await (await fetch(`${gateway.url}/status`)).text();
    expect(page).toContain('data-push="active"');
    expect(page).toMatch(/push: active until .*last push/);
    const after = (await gateway.query("{ sources { push { state lastPushAt } } }")).data!.sources[0].push;
    expect(after.state).toBe("ACTIVE");
    expect(after.lastPushAt).not.toBeNull();
  });

  it("adds the entries of a push that carries only the new ones to what the source holds, losing none", async () => {
    const { hub, topic, source } = await setUp();
    const gateway = await startPushGateway({ sources: [source()] });
    await subscribed(gateway, hub);
    expect((await titles(gateway)).sort()).toEqual(["Story first", "Story second"]);
    // A diff, as the spec lets a hub send: the new entry alone, then an edit of a held one.
    expect(await hub.publish(topic, feed(hub.url, topic, ["third"]))).toEqual([202]);
    expect((await titles(gateway)).sort()).toEqual(["Story first", "Story second", "Story third"]);
    const edited = feed(hub.url, topic, ["first"]).replace("<title>Story first</title>", "<title>Story first, updated</title>");
    expect(await hub.publish(topic, edited)).toEqual([202]);
    expect((await titles(gateway)).sort()).toEqual(["Story first, updated", "Story second", "Story third"]);
  });

  it("drops pushes that are unsigned, wrongly signed or signed with sha1, and takes in sha512-signed ones", async () => {
    const { hub, topic, source } = await setUp();
    const gateway = await startPushGateway({ sources: [source()] });
    await subscribed(gateway, hub);

    expect(await hub.publish(topic, feed(hub.url, topic, ["forged-wrong"]), { signature: "wrong" })).toEqual([202]);
    expect(await hub.publish(topic, feed(hub.url, topic, ["forged-none"]), { signature: "none" })).toEqual([202]);
    expect(await hub.publish(topic, feed(hub.url, topic, ["forged-sha1"]), { signature: "sha1" })).toEqual([202]);
    expect(gateway.push.dropped).toBe(3);
    // The good push is answered after queries see it: nothing forged may have arrived before it.
    expect(await hub.publish(topic, feed(hub.url, topic, ["first", "genuine"]), { signature: "sha512" })).toEqual([202]);
    const seen = await titles(gateway);
    expect(seen).toContain("Story genuine");
    expect(seen.filter((title: string) => title.includes("forged"))).toEqual([]);
    // Operators see the same in /metrics: what became of each push, and the source's push state.
    const metrics = await metricsText(gateway.url);
    expect(metricValue(metrics, 'newsgate_websub_pushes_total{outcome="dropped"}')).toBe(3);
    expect(metricValue(metrics, 'newsgate_websub_pushes_total{outcome="taken"}')).toBe(1);
    expect(metricValue(metrics, 'newsgate_websub_sources{state="active"}')).toBe(1);
    expect(metricValue(metrics, 'newsgate_websub_sources{state="off"}')).toBe(0);
  });

  it("answers 404 to verifications it never asked for, and to unknown callbacks, without ingesting", async () => {
    const { hub, topic, source } = await setUp();
    const gateway = await startPushGateway({ sources: [source()] });
    await subscribed(gateway, hub);
    const callback = hub.requests[0]!.callback;

    expect(await hub.verify("subscribe", "https://elsewhere.example/feed", callback)).toMatchObject({ status: 404, confirmed: false });
    // Nothing is pending any more: an unsubscribe we never asked for is not ours.
    expect(await hub.verify("unsubscribe", topic, callback)).toMatchObject({ status: 404, confirmed: false });
    expect(await hub.verify("subscribe", topic, callback.replace(/\/[^/]+$/, "/not-the-token"))).toMatchObject({ status: 404 });
    expect(await hub.verify("subscribe", topic, `${gateway.url}/websub/nope/abc`)).toMatchObject({ status: 404 });
    expect(gateway.push.status("news").state).toBe("active");

    const posted = await fetch(callback.replace(/\/[^/]+$/, "/not-the-token"), {
      method: "POST",
      headers: { "content-type": "application/rss+xml" },
      body: feed(hub.url, topic, ["stray"]),
    });
    expect(posted.status).toBe(404);
    expect(await titles(gateway)).not.toContain("Story stray");
    expect(metricValue(await metricsText(gateway.url), 'newsgate_websub_pushes_total{outcome="unknown"}')).toBe(1);
  });

  it("confirms a hub's unasked re-verification of the active subscription, with the lease it grants, and no other", async () => {
    const { hub, topic, source } = await setUp({ grantLeaseSeconds: 1000 });
    let clock = Date.now();
    const gateway = await startPushGateway({ sources: [source()] }, { now: () => clock });
    await subscribed(gateway, hub);
    const callback = hub.requests[0]!.callback;

    // Some hubs check now and then that an active subscriber still wants its subscription, and drop it otherwise.
    clock += 500_000;
    hub.state.grantLeaseSeconds = 2000;
    expect(await hub.verify("subscribe", topic, callback)).toMatchObject({ status: 200, confirmed: true });
    expect(gateway.push.status("news")).toMatchObject({ state: "active", leaseEndsAt: new Date(clock + 2000_000) });
    expect(hub.requests).toHaveLength(1);
    // Still not ours: an unsubscribe we did not ask for, another topic, a wrong token.
    expect(await hub.verify("unsubscribe", topic, callback)).toMatchObject({ status: 404, confirmed: false });
    expect(await hub.verify("subscribe", `${topic}?other`, callback)).toMatchObject({ status: 404, confirmed: false });
    expect(await hub.verify("subscribe", topic, callback.replace(/\/[^/]+$/, "/not-the-token"))).toMatchObject({ status: 404 });

    // Once the lease lapsed unrenewed, the subscription is not held: a re-verification is not confirmed.
    hub.state.verifyMode = "never";
    clock += 2000_000;
    await gateway.push.tick();
    expect(gateway.push.status("news").state).toBe("lapsed");
    expect(await hub.verify("subscribe", topic, callback)).toMatchObject({ status: 404, confirmed: false });
    expect(gateway.push.status("news").state).toBe("lapsed");
  });

  it("refuses pushed content over the source's maxBytes with 413", async () => {
    const { hub, topic, source } = await setUp();
    const gateway = await startPushGateway({ sources: [source({ maxBytes: 4096 })] });
    await subscribed(gateway, hub);
    const big = feed(
      hub.url,
      topic,
      Array.from({ length: 100 }, (_, i) => `big-${i}`),
    );
    expect(await hub.publish(topic, big)).toEqual([413]);
    expect(await titles(gateway)).not.toContain("Story big-0");
    expect(metricValue(await metricsText(gateway.url), 'newsgate_websub_pushes_total{outcome="too_large"}')).toBe(1);
  });

  it("renews the lease before it ends, by a driven clock", async () => {
    const { hub, source } = await setUp({ grantLeaseSeconds: 1000 });
    let clock = Date.now();
    const gateway = await startPushGateway({ sources: [source()] }, { now: () => clock });
    await subscribed(gateway, hub);
    const firstEnd = gateway.push.status("news").leaseEndsAt!.getTime();
    expect(firstEnd).toBe(clock + 1000_000);

    clock += 800_000;
    await gateway.push.tick();
    expect(hub.requests).toHaveLength(1);
    clock += 60_000;
    await gateway.push.tick();
    expect(hub.requests).toHaveLength(2);
    expect(hub.requests[1]).toMatchObject({ mode: "subscribe", callback: hub.requests[0]!.callback, secret: hub.requests[0]!.secret });
    await hub.waitFor("the renewal verified", () => hub.verifications.filter((v) => v.confirmed).length === 2);
    expect(gateway.push.status("news")).toMatchObject({ state: "active", leaseEndsAt: new Date(clock + 1000_000) });
  });

  it("marks a lease that ended unrenewed as lapsed and polls at the source's own pace again", async () => {
    const { hub, topic, source } = await setUp({ grantLeaseSeconds: 1000 });
    // Moved ahead of the wall clock, not stopped: catalog builds are spaced by it.
    let ahead = 0;
    const gateway = await startPushGateway({ sources: [source()] }, { now: () => Date.now() + ahead });
    await subscribed(gateway, hub);
    await hub.publish(topic, feed(hub.url, topic, ["first", "pushed"]));
    expect(await titles(gateway)).toContain("Story pushed");
    expect(gateway.store.freshForMs()).toBeGreaterThan(REFRESH_SECONDS * 1000);

    hub.state.verifyMode = "never";
    ahead += 900_000;
    await gateway.push.tick();
    expect(hub.requests).toHaveLength(2);
    ahead += 101_000;
    await gateway.push.tick();
    expect(gateway.push.status("news")).toMatchObject({ state: "lapsed" });
    expect(gateway.store.freshForMs()).toBeLessThanOrEqual(REFRESH_SECONDS * 1000);
  });

  it("counts a hub that never verifies as failed, keeps polling at the normal pace, and asks again after a backoff", async () => {
    const { hub, source } = await setUp({ verifyMode: "never" });
    let clock = Date.now();
    const gateway = await startPushGateway({ sources: [source()] }, { now: () => clock });
    await gateway.warmUp();
    await gateway.push.tick();
    expect(hub.requests).toHaveLength(1);
    expect(gateway.push.status("news").state).toBe("subscribing");
    // A verification for the pending request would be answered, but none comes.
    clock += VERIFY_TIMEOUT_MS;
    await gateway.push.tick();
    expect(gateway.push.status("news")).toMatchObject({ state: "failed", reason: "the hub never verified the request" });
    expect((await gateway.query("{ sources { push { state reason } } }")).data!.sources[0].push.state).toBe("FAILED");
    await gateway.refreshSource("news");
    expect(gateway.store.freshForMs()).toBeLessThanOrEqual(REFRESH_SECONDS * 1000);

    clock += FIRST_RETRY_MS - 1;
    await gateway.push.tick();
    expect(hub.requests).toHaveLength(1);
    clock += 1;
    await gateway.push.tick();
    expect(hub.requests).toHaveLength(2);
  });

  it("records a hub's denial with its reason, and a hub's error answer as failed", async () => {
    const { hub, source } = await setUp({ verifyMode: "deny" });
    const gateway = await startPushGateway({ sources: [source()] });
    await gateway.warmUp();
    await gateway.push.tick();
    await hub.waitFor("the denial sent", () => hub.verifications.find((v) => v.mode === "denied" && v.status === 200));
    expect(gateway.push.status("news")).toMatchObject({
      state: "denied",
      reason: "the hub denied the subscription: topic not hosted here",
    });

    const { hub: unwell, source: other } = await setUp();
    unwell.state.answerStatus = 503;
    const second = await startPushGateway({ sources: [other()] });
    await second.warmUp();
    await second.push.tick();
    expect(second.push.status("news")).toMatchObject({ state: "failed" });
    expect(second.push.status("news").reason).toMatch(/^hub answered HTTP 503/);
    const page = await (await fetch(`${second.url}/status`)).text();
    expect(page).toContain('data-push="failed"');
  });

  it("refuses a hub on a private address other than the host the source is read from", async () => {
    const { hub, source } = await setUp();
    // The feed names its hub as `localhost`, not the 127.0.0.1 the operator configured the source on.
    const elsewhere = await startFixtureServer({
      "/news.xml": (_req, res) => {
        res.writeHead(200, { "content-type": "application/rss+xml" }).end(feed(hub.url.replace("127.0.0.1", "localhost"), "", ["x"]));
      },
    });
    cleanups.push(elsewhere.close);
    const gateway = await startPushGateway({ sources: [source({ url: elsewhere.url("/news.xml") })] });
    await gateway.warmUp();
    await gateway.push.tick();
    expect(gateway.push.status("news").state).toBe("failed");
    expect(gateway.push.status("news").reason).toMatch(/loopback address/);

    expect(hub.requests.filter((r) => r.callback.startsWith(gateway.url))).toHaveLength(0);
  });

  it("never subscribes a source that opted out, nor any without a public URL", async () => {
    const { hub, source } = await setUp();
    const optedOut = await startPushGateway({ sources: [source({ websub: false })] });
    await optedOut.warmUp();
    await optedOut.push.tick();
    expect(optedOut.push.status("news")).toMatchObject({ state: "off", reason: 'opted out ("websub": false)' });

    const noUrl = await startPushGateway({ sources: [source()] }, { publicUrl: null });
    await noUrl.warmUp();
    await noUrl.push.tick();
    expect(noUrl.push.status("news")).toMatchObject({ state: "off", reason: "no public URL (--public-url)" });
    expect((await noUrl.query("{ sources { push { state } } }")).data!.sources[0].push.state).toBe("OFF");
    expect(hub.requests).toHaveLength(0);
  });

  it("unsubscribes a source that opts out on reload", async () => {
    const { hub, source } = await setUp();
    const { loadSourcesFile } = await import("../../src/config/sources-file.ts");
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const gateway = await startPushGateway({ sources: [source()] });
    await subscribed(gateway, hub);
    const dir = await mkdtemp(path.join(tmpdir(), "newsgate-websub-"));
    const file = path.join(dir, "sources.json");
    await writeFile(file, JSON.stringify({ sections: [{ slug: "technology", name: "Technology" }], sources: [source({ websub: false })] }));
    await gateway.reload(await loadSourcesFile(file));
    await gateway.push.tick();
    await hub.waitFor(
      "the unsubscription verified",
      () => hub.verifications.find((v) => v.mode === "unsubscribe" && v.confirmed) && hub.subscriptions.size === 0,
    );
    expect(hub.subscriptions.size).toBe(0);
    expect(gateway.push.status("news").state).toBe("off");
  });
});

describe("WebSub push in a cluster sharing Redis", () => {
  it("holds one subscription at the hub, and a push received by instance B is served by instance A", async () => {
    const { hub, topic, source } = await setUp();
    const prefix = uniquePrefix("websub");
    cleanups.push(() => dropKeys(prefix));
    const caches = [0, 1].map(() => new SharedCache({ redis: createRedis(REDIS_URL), prefix, logger: silentLogger(), random: () => 0.5 }));
    await Promise.all(caches.map((cache) => cache.connect()));
    cleanups.push(() => Promise.all(caches.map((cache) => cache.close())));
    // A long refresh: only the push (through Redis, for A) can bring the new article in time.
    const sources = { sources: [source({ refreshSeconds: 600 })] };
    const a = await startPushGateway(sources, { sharedCache: caches[0]! });
    // The load balancer's address is A's: the hub is told to call A; B is reached as if the balancer sent it there.
    const b = await startPushGateway(sources, { sharedCache: caches[1]!, publicUrl: a.url });
    await subscribed(a, hub);
    await b.warmUp();
    await b.push.tick();
    await a.push.tick();
    expect(hub.requests).toHaveLength(1);
    expect(b.push.status("news").state).toBe("active");

    const callback = [...hub.subscriptions.values()][0]!.callback;
    const body = feed(hub.url, topic, ["first", "second", "via-b"]);
    const { createHmac } = await import("node:crypto");
    const signature = `sha256=${createHmac("sha256", hub.requests[0]!.secret!).update(body).digest("hex")}`;
    const startedAt = Date.now();
    const posted = await fetch(callback.replace(a.url, b.url), {
      method: "POST",
      headers: { "content-type": "application/rss+xml", "x-hub-signature": signature },
      body,
    });
    expect(posted.status).toBe(202);
    expect(await titles(b)).toContain("Story via-b");
    let seenAfter = -1;
    while (Date.now() - startedAt < 3000) {
      if ((await titles(a)).includes("Story via-b")) {
        seenAfter = Date.now() - startedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    console.log(`websub cluster: instance A served content pushed to instance B after ${seenAfter} ms`);
    expect(seenAfter).toBeGreaterThanOrEqual(0);
    expect(seenAfter).toBeLessThan(1000);

    // Each instance's status shows the cluster's last push, not only its own: A follows it on its next tick.
    const pushedAt = b.push.status("news").lastPushAt;
    expect(pushedAt).toBeInstanceOf(Date);
    const followUntil = Date.now() + 2000;
    while (a.push.status("news").lastPushAt === null && Date.now() < followUntil) await a.push.tick();
    expect(a.push.status("news").lastPushAt).toEqual(pushedAt);
  });

  it("takes over a dead holder's subscription once its hold expires, and renews it at the hub with the same callback and secret", async () => {
    const { hub, source } = await setUp({ grantLeaseSeconds: 1000 });
    const prefix = uniquePrefix("websub-takeover");
    cleanups.push(() => dropKeys(prefix));
    const caches = [0, 1].map(() => new SharedCache({ redis: createRedis(REDIS_URL), prefix, logger: silentLogger(), random: () => 0.5 }));
    await Promise.all(caches.map((cache) => cache.connect()));
    cleanups.push(() => Promise.all(caches.map((cache) => cache.close())));
    // Moved ahead of the wall clock, not stopped (catalog builds are spaced by it); one clock for both instances.
    let ahead = 0;
    const now = () => Date.now() + ahead;
    const holdMs = 1500;
    const sources = { sources: [source({ refreshSeconds: 600 })] };
    const a = await startPushGateway(sources, { sharedCache: caches[0]!, now, subscriptionHoldMs: holdMs });
    const b = await startPushGateway(sources, { sharedCache: caches[1]!, publicUrl: a.url, now, subscriptionHoldMs: holdMs });
    await subscribed(a, hub);
    await b.warmUp();

    // A dies without a word (its ticks stop; its hold stays in Redis until it expires), and the renewal falls due.
    await a.push.stop();
    const diedAt = Date.now();
    ahead += 900_000;
    await b.push.tick();
    // A's hold has not expired: B leaves the hub alone.
    if (Date.now() - diedAt < holdMs) expect(hub.requests).toHaveLength(1);
    let renewedAfter = -1;
    while (Date.now() - diedAt < 10 * holdMs) {
      await b.push.tick();
      if (hub.requests.length > 1) {
        renewedAfter = Date.now() - diedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(renewedAfter).toBeGreaterThanOrEqual(holdMs - 100);
    expect(hub.requests).toHaveLength(2);
    expect(hub.requests[1]).toMatchObject({ mode: "subscribe", callback: hub.requests[0]!.callback, secret: hub.requests[0]!.secret });
    await hub.waitFor("the renewal verified", () => hub.verifications.filter((v) => v.confirmed).length === 2);
    await b.push.tick();
    expect(b.push.status("news")).toMatchObject({ state: "active" });
    expect(b.push.status("news").leaseEndsAt!.getTime()).toBeGreaterThan(now() + 900_000);
  });
});
