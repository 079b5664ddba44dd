import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";
import { scrape } from "../helpers/ops.ts";

const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));

describe("GET /metrics", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;
  // Not 0: lru-cache reads a start time of 0 as "no TTL".
  let clock = 1_000_000;

  beforeAll(async () => {
    upstream = await startFixtureServer({
      "/good.rss": serveBody(wire, "application/rss+xml"),
      "/broken": (_req, res) => void res.writeHead(500).end("no"),
    });
    gateway = await openGateway(
      {
        sources: [
          { id: "good", name: "Good", url: upstream.url("/good.rss"), section: "technology" },
          { id: "broken", name: "Broken", url: upstream.url("/broken"), section: "technology" },
        ],
      },
      { monotonicNow: () => clock },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("answers in Prometheus text format", async () => {
    const response = await gateway.fetch(`${gateway.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toContain("# TYPE newsgate_graphql_operations_total counter");
  });

  it("counts a query by operation name and outcome, and the upstream reads it caused, by source and outcome", async () => {
    const before = await scrape(gateway.url, gateway.fetch);
    const answer = await gateway.query("query FrontPage { articles(first: 5) { totalCount } }");
    expect(answer.errors).toBeUndefined();
    const after = await scrape(gateway.url, gateway.fetch);
    const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);

    expect(delta("newsgate_graphql_operations_total", { operation: "FrontPage", outcome: "ok" })).toBe(1);
    expect(delta("newsgate_graphql_operation_duration_seconds_count", { operation: "FrontPage", outcome: "ok" })).toBe(1);
    expect(delta("newsgate_graphql_operations_total", { operation: "FrontPage", outcome: "error" })).toBe(0);

    expect(delta("newsgate_upstream_fetches_total", { source: "good", outcome: "ok" })).toBe(1);
    expect(delta("newsgate_upstream_fetch_duration_seconds_count", { source: "good", outcome: "ok" })).toBe(1);
    expect(delta("newsgate_upstream_fetches_total", { source: "broken", outcome: "error" })).toBe(1);
    expect(delta("newsgate_upstream_errors_total", { source: "broken", code: "HTTP_STATUS" })).toBe(1);
    expect(delta("newsgate_upstream_bytes_total", { source: "good" })).toBe(wire.length);
    // Both sources were read for this request: two feed-cache misses.
    expect(delta("newsgate_cache_lookups_total", { layer: "feed", result: "miss" })).toBe(2);

    expect(after.value("newsgate_source_items", { source: "good" })).toBe(3);
    expect(after.value("newsgate_source_up", { source: "good" })).toBe(1);
    expect(after.value("newsgate_source_up", { source: "broken" })).toBe(0);
    expect(after.value("newsgate_sources", { state: "failing" })).toBe(1);
    expect(after.value("newsgate_catalog_articles")).toBe(3);
    expect(after.has("newsgate_catalog_age_seconds")).toBe(true);
    expect(after.has("newsgate_source_data_age_seconds", { source: "good" })).toBe(true);
    expect(after.has("newsgate_source_data_age_seconds", { source: "broken" })).toBe(false);
  });

  it("counts a refused query as an error, and a cached read as a hit without an upstream read", async () => {
    const before = await scrape(gateway.url, gateway.fetch);
    const refused = await gateway.query("query TooMany { articles(first: 500) { totalCount } }");
    expect(refused.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
    await gateway.query("{ sections { slug } }");
    const after = await scrape(gateway.url, gateway.fetch);
    const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);
    expect(delta("newsgate_graphql_operations_total", { operation: "TooMany", outcome: "error" })).toBe(1);
    expect(delta("newsgate_graphql_operations_total", { operation: "anonymous", outcome: "ok" })).toBe(1);
    expect(delta("newsgate_cache_lookups_total", { layer: "feed", result: "hit" })).toBe(4);
    expect(delta("newsgate_upstream_fetches_total", { source: "good", outcome: "ok" })).toBe(0);
  });

  it("names an operation from its document, also when Yoga's parse cache answers", async () => {
    const before = await scrape(gateway.url, gateway.fetch);
    for (const first of [1, 2, 3]) {
      const answer = await gateway.query("query Page($first: Int) { articles(first: $first) { totalCount } }", { first });
      expect(answer.errors).toBeUndefined();
    }
    const after = await scrape(gateway.url, gateway.fetch);
    const key = { operation: "Page", outcome: "ok" };
    expect(after.value("newsgate_graphql_operations_total", key) - before.value("newsgate_graphql_operations_total", key)).toBe(3);
  });

  it("counts stale reads served while the sources refresh in the background", async () => {
    clock += 301_000;
    const before = await scrape(gateway.url, gateway.fetch);
    await gateway.query("query Later { articles(first: 3) { totalCount } }");
    let after = await scrape(gateway.url, gateway.fetch);
    for (let i = 0; i < 100 && after.value("newsgate_upstream_fetches_total", { source: "good", outcome: "ok" }) < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      after = await scrape(gateway.url, gateway.fetch);
    }
    expect(
      after.value("newsgate_cache_lookups_total", { layer: "feed", result: "stale" }) -
        before.value("newsgate_cache_lookups_total", { layer: "feed", result: "stale" }),
    ).toBe(2);
    expect(after.value("newsgate_upstream_fetches_total", { source: "good", outcome: "ok" })).toBe(2);
  });

  it("exposes the hooks other layers call: edge-cache lookups and rate-limit refusals", async () => {
    gateway.metrics.cacheHit("edge");
    gateway.metrics.cacheMiss("edge");
    gateway.metrics.rateLimited("acme-news");
    gateway.metrics.rateLimited("acme-news");
    const after = await scrape(gateway.url, gateway.fetch);
    expect(after.value("newsgate_cache_lookups_total", { layer: "edge", result: "hit" })).toBeGreaterThanOrEqual(1);
    expect(after.value("newsgate_cache_lookups_total", { layer: "edge", result: "miss" })).toBeGreaterThanOrEqual(1);
    expect(after.value("newsgate_rate_limited_total", { partner: "acme-news" })).toBe(2);
  });

  it("keeps each gateway's series apart (a registry per gateway, never prom-client's global one)", async () => {
    const other = await openGateway({ sources: [{ id: "good", name: "Good", url: upstream.url("/good.rss"), section: "technology" }] });
    try {
      const fresh = await scrape(other.url, other.fetch);
      expect(fresh.value("newsgate_graphql_operations_total", { operation: "FrontPage", outcome: "ok" })).toBe(0);
      expect(fresh.value("newsgate_rate_limited_total", { partner: "acme-news" })).toBe(0);
    } finally {
      await other.close();
    }
  });

  it("shows no Redis series without REDIS_URL, and redis_up with errors by operation when Redis does not answer", async () => {
    const { createRedis, SharedCache } = await import("../../src/store/source-cache/shared-cache.ts");
    const { silentLogger } = await import("../../src/log/logger.ts");
    expect((await scrape(gateway.url, gateway.fetch)).has("newsgate_redis_up")).toBe(false);
    // Nothing listens on port 1: every call fails at once.
    const sharedCache = new SharedCache({
      redis: createRedis("redis://127.0.0.1:1"),
      prefix: "newsgate-test:metrics:",
      logger: silentLogger(),
    });
    await sharedCache.connect(300);
    const alone = await openGateway(
      { sources: [{ id: "good", name: "Good", url: upstream.url("/good.rss"), section: "technology" }] },
      { sharedCache },
    );
    try {
      const answer = await alone.query("{ articles(first: 1) { totalCount } }");
      expect(answer.errors).toBeUndefined();
      const metrics = await scrape(alone.url, alone.fetch);
      expect(metrics.value("newsgate_redis_up")).toBe(0);
      expect(metrics.value("newsgate_redis_errors_total", { operation: "connect" })).toBe(1);
      // The read looked in Redis first and tried to take the source's lock: both failed, the read went on alone.
      expect(metrics.value("newsgate_redis_errors_total", { operation: "feed" })).toBeGreaterThanOrEqual(1);
      expect(metrics.value("newsgate_redis_errors_total", { operation: "lock" })).toBeGreaterThanOrEqual(1);
    } finally {
      await alone.close();
      await sharedCache.close();
    }
  });

  it("bounds operation names taken from clients", async () => {
    const { createMetrics, MAX_LABEL_VALUES } = await import("../../src/ops/metrics.ts");
    const metrics = createMetrics();
    for (let i = 0; i < MAX_LABEL_VALUES + 50; i++) metrics.graphqlOperation(`Op${i}`, "ok", 0.01);
    metrics.graphqlOperation("not a name!", "ok", 0.01);
    const text = await metrics.registry.getSingleMetricAsString("newsgate_graphql_operations_total");
    const names = new Set([...text.matchAll(/operation="([^"]+)"/g)].map((m) => m[1]));
    expect(names.size).toBe(MAX_LABEL_VALUES + 1);
    expect(names.has("other")).toBe(true);
  });
});
