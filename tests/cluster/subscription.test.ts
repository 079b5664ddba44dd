import type { IncomingMessage, ServerResponse } from "node:http";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { SNAPSHOT_FORMAT } from "../../src/store/source-cache/shared-cache.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { subscribeSse, type SseSubscription } from "../live/sse-client.ts";
import { dropKeys, REDIS_URL, rss, startMember, uniquePrefix, writeSources, type Member } from "./cluster.ts";

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ADDED = "subscription ($section: String) { articleAdded(section: $section) { id title sources { sourceId } } }";

describe("articleAdded across a cluster sharing Redis", () => {
  it("delivers an article first seen by instance B to subscribers on every instance, exactly once each", async () => {
    let body = rss("live", 3);
    // Each instance reads the feed under its own query string, so the test knows which one read it.
    const reads: { via: string; body: string; at: number }[] = [];
    const upstream = await startFixtureServer({
      "/live.xml": (req: IncomingMessage, res: ServerResponse) => {
        reads.push({ via: new URL(req.url!, "http://x").searchParams.get("via")!, body, at: Date.now() });
        res.writeHead(200, { "content-type": "application/rss+xml" }).end(body);
      },
    });
    cleanups.push(upstream.close);
    const prefix = uniquePrefix("subscription");
    cleanups.push(() => dropKeys(prefix));
    // B reads the feed every second; A and C would wait ten minutes, so they learn of changes only through Redis.
    const source = (via: string, refreshSeconds: number) => ({
      id: "live",
      name: "Live",
      url: upstream.url(`/live.xml?via=${via}`),
      section: "technology",
      refreshSeconds,
    });
    const [fileA, fileB, fileC] = await Promise.all([
      writeSources([source("a", 600)]),
      writeSources([source("b", 1)]),
      writeSources([source("c", 600)]),
    ]);
    const b = await startMember(fileB, prefix);
    const [a, c] = await Promise.all([startMember(fileA, prefix), startMember(fileC, prefix)]);
    const members: Record<string, Member> = { a, b, c };
    cleanups.push(() =>
      Object.values(members).forEach((member) => {
        member.child.kill();
      }),
    );
    const holds = async (member: Member, title: string) =>
      ((await member.query(`{ articles(first: 20) { edges { node { title } } } }`)).data?.articles.edges ?? []).some(
        (edge: any) => edge.node.title === title,
      );
    const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    for (const member of Object.values(members)) await waitUntil("every instance serves the feed", () => holds(member, "Story 2 of live"));

    // Every message on the cluster's channel, as Redis carries it.
    const listener = new Redis(REDIS_URL);
    const redis = new Redis(REDIS_URL);
    cleanups.push(
      () => listener.disconnect(),
      () => redis.disconnect(),
    );
    const announced: { id: string }[] = [];
    listener.on("message", (_channel, message) => announced.push(JSON.parse(message)));
    await listener.subscribe(`${prefix}article-added`);

    const subscribers: Record<string, SseSubscription> = {
      a: await subscribeSse(a.url, ADDED),
      aTechnology: await subscribeSse(a.url, ADDED, { section: "technology" }),
      b: await subscribeSse(b.url, ADDED),
      c: await subscribeSse(c.url, ADDED),
    };
    cleanups.unshift(() =>
      Object.values(subscribers).forEach((subscriber) => {
        subscriber.close();
      }),
    );
    const instanceOf = (name: string) => members[name[0]!]!;

    /** Changes the feed and waits until every subscriber got `count` articles; when instance B read the change. */
    const publish = async (count: number, items: number) => {
      body = rss("live", items);
      const changedAt = Date.now();
      // Whichever instance stored the feed in Redis last, its copy goes: B's next read (within a second) is upstream's.
      await redis.del(`${prefix}feed-v${SNAPSHOT_FORMAT}:live`);
      await Promise.all(Object.values(subscribers).map((subscriber) => subscriber.waitFor(count, 30_000)));
      const read = reads.find((r) => r.at >= changedAt && r.body === body)!;
      return { read, received: Date.now() };
    };

    const first = await publish(1, 4);
    // The marker: once every instance serves the first story, a second change can only be announced after it.
    for (const member of Object.values(members))
      await waitUntil("every instance serves the new story", () => holds(member, "Story 3 of live"));
    await publish(2, 5);
    const newReads = reads.filter((r) => r.at >= first.read.at);
    console.log(
      `subscription: instance B read the new story upstream; every subscriber (A, A by section, B, C) had it within ${first.received - first.read.at} ms of that read; ${announced.length} messages on the channel for 2 stories`,
    );

    expect(first.read.via).toBe("b");
    expect(new Set(newReads.map((r) => r.via))).toEqual(new Set(["b"]));
    for (const [name, subscriber] of Object.entries(subscribers)) {
      expect(
        subscriber.payloads.map((payload) => payload.data?.articleAdded.title ?? payload),
        `subscriber ${name} on ${instanceOf(name).url}`,
      ).toEqual(["Story 3 of live", "Story 4 of live"]);
    }
    expect(announced).toHaveLength(2);
    const ids = subscribers.a!.payloads.map((payload) => payload.data.articleAdded.id);
    for (const subscriber of Object.values(subscribers))
      expect(subscriber.payloads.map((payload) => payload.data.articleAdded.id)).toEqual(ids);
  }, 120_000);
});
