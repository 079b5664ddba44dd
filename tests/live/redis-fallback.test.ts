import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/logger.ts";
import { createRedis, SharedCache } from "../../src/store/source-cache/shared-cache.ts";
import { rss, uniquePrefix } from "../cluster/cluster.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";
import { subscribeSse } from "./sse-client.ts";

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe("articleAdded when Redis is unreachable", () => {
  it("announces what this instance finds to its own subscribers, warns once, and every query still answers", async () => {
    let body = rss("alone", 2);
    const upstream = await startFixtureServer({
      "/a.xml": (_req, res: ServerResponse) => void res.writeHead(200, { "content-type": "application/rss+xml" }).end(body),
    });
    closers.push(upstream.close);
    const lines: string[] = [];
    const logger = createLogger({ level: "info", destination: { write: (line: string) => void lines.push(line) } });
    // Nothing listens on port 1: every Redis call is refused at once.
    const sharedCache = new SharedCache({
      redis: createRedis("redis://127.0.0.1:1"),
      prefix: uniquePrefix("live-fallback"),
      logger,
      random: () => 0.5,
    });
    await sharedCache.connect(200);
    closers.push(() => sharedCache.close());
    const gateway = await openGateway(
      { sources: [{ id: "a", name: "A", url: upstream.url("/a.xml"), section: "technology", refreshSeconds: 600 }] },
      { sharedCache, logger },
    );
    closers.push(gateway.close);
    await gateway.warmUp();
    const subscriber = await subscribeSse(gateway, "subscription { articleAdded { title } }");
    closers.push(subscriber.close);

    for (const items of [3, 4]) {
      body = rss("alone", items);
      await gateway.refreshSource("a");
      await gateway.store.catalog();
      await subscriber.waitFor(items - 2);
      const answer = await gateway.query("{ articles(first: 10) { totalCount } }");
      expect(answer.errors).toBeUndefined();
      expect(answer.data.articles.totalCount).toBe(items);
    }
    expect(subscriber.payloads.map((payload) => payload.data?.articleAdded.title)).toEqual(["Story 2 of alone", "Story 3 of alone"]);
    const warnings = lines.map((line) => JSON.parse(line)).filter((entry) => entry.level === 40 && entry.msg.startsWith("live:"));
    expect(warnings.map((entry) => entry.msg)).toEqual([
      "live: Redis unreachable, new articles go to this instance's subscribers only until it returns",
    ]);
  });
});
