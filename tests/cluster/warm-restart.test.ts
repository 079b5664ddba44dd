import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { FeedCache } from "../../src/store/source-cache/feed-cache.ts";
import { createRedis, serializeSnapshot, SharedCache } from "../../src/store/source-cache/shared-cache.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { snapshotOf } from "../helpers/snapshots.ts";
import { article } from "../helpers/stored-articles.ts";
import { dropKeys, REDIS_URL, startMember, uniquePrefix, writeSources, type Member } from "./cluster.ts";

const members: Member[] = [];
const prefix = uniquePrefix("warm-restart");
afterAll(async () => {
  for (const member of members.splice(0)) member.child.kill("SIGKILL");
  await dropKeys(prefix);
});

/** A front page as a reader gets it (bench/cold-start-server.ts's complete answer), and every source's state. */
const FRONT_PAGE =
  "{ articles(first: 20) { totalCount edges { node { id title summary readingTimeMinutes publishedAt section { name } } } } sources { id status { ok } } }";
/** Enough sources and text that every copy, asked of Redis at once, is megabytes (about 8 MiB in all). */
const SOURCES = Array.from({ length: 40 }, (_, i) => `source${i}`);
const ITEMS = 100;
const BODY = "<p>Words of a long story, told at length. </p>".repeat(40);

interface FrontPage {
  articles: { totalCount: number; edges: { node: { readingTimeMinutes: number } }[] };
  sources: { id: string; status: { ok: boolean } | null }[];
}

/** An RSS feed of ITEMS full-content stories whose ids and titles carry `tag`. */
function longFeed(tag: string): string {
  const items = Array.from(
    { length: ITEMS },
    (_, n) =>
      `<item><guid>${tag}-${n}</guid><title>Story ${n} of ${tag}</title><link>https://news.example/${tag}/${n}</link><pubDate>${new Date(Date.UTC(2026, 0, 1, 0, n)).toUTCString()}</pubDate><description>About ${tag} number ${n}.</description><content:encoded><![CDATA[${BODY}]]></content:encoded></item>`,
  ).join("");
  return `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>${tag}</title><link>https://news.example/</link>${items}</channel></rss>`;
}

/** Every source's articles, every source ok, and a full page of stories with their reading time. */
function isComplete(page: FrontPage | undefined): page is FrontPage {
  return (
    page !== undefined &&
    page.articles.totalCount === SOURCES.length * ITEMS &&
    page.sources.every((source) => source.status?.ok === true) &&
    page.articles.edges.length === 20 &&
    page.articles.edges.every((edge) => edge.node.readingTimeMinutes >= 1)
  );
}

/** The member's first complete front page, asked without pause from the moment it listens. */
async function firstCompletePage(member: Member): Promise<FrontPage> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await member.query<FrontPage>(FRONT_PAGE);
    if (isComplete(answer.data)) return answer.data;
    if (Date.now() > deadline) throw new Error(`no complete front page within 10 s: ${JSON.stringify(answer).slice(0, 500)}`);
    await sleep(10);
  }
}

describe("an instance started while another has stored every source in Redis", () => {
  it("answers the same complete front page from the shared snapshots without reading any upstream, also when restarted", async () => {
    const upstream = await startFixtureServer(
      Object.fromEntries(SOURCES.map((tag) => [`/${tag}.xml`, serveBody(longFeed(tag), "application/rss+xml")])),
    );
    try {
      // Long enough that no snapshot goes stale during the test: every read after A's first is a restart's.
      const file = await writeSources(
        SOURCES.map((tag, i) => ({
          id: tag,
          name: tag,
          url: upstream.url(`/${tag}.xml`),
          section: i % 2 ? "science" : "technology",
          refreshSeconds: 600,
        })),
      );
      const a = await startMember(file, prefix);
      members.push(a);
      const pageA = await firstCompletePage(a);
      expect(SOURCES.map((tag) => upstream.hits(`/${tag}.xml`))).toEqual(SOURCES.map(() => 1));
      upstream.resetHits();

      let t = Date.now();
      const b = await startMember(file, prefix);
      members.push(b);
      const listenMs = Date.now() - t;
      t = Date.now();
      expect(await firstCompletePage(b)).toEqual(pageA);
      console.log(`warm start: listening after ${listenMs} ms, first complete page ${Date.now() - t} ms later`);
      expect(upstream.totalHits()).toBe(0);

      b.child.kill("SIGKILL");
      const restarted = await startMember(file, prefix);
      members.push(restarted);
      expect(await firstCompletePage(restarted)).toEqual(pageA);
      // The refresher's first round is done too: nothing read upstream since A's start.
      await sleep(300);
      expect(upstream.totalHits()).toBe(0);
      expect(restarted.stderr()).not.toMatch(/reading the source itself|took over a stale lock/);
    } finally {
      await upstream.close();
    }
  });
});

describe("a starting instance's first read of many large copies", () => {
  it("takes every copy from Redis in one read bounded by its size, where a call per source, all at once, would miss its deadline", async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `big${i}`);
    const config = parseSourcesConfig(
      {
        sections: [{ slug: "technology", name: "Technology" }],
        sources: ids.map((id) => ({ id, name: id, url: `https://${id}.example/rss`, section: "technology", refreshSeconds: 600 })),
      },
      "/srv/sources.json",
    );
    // About 200 KB a copy, 8 MB in all: more than one deadline of 100 ms carries.
    const body = "<p>Words of a long story, told at length. </p>".repeat(45);
    const starting = new SharedCache({
      redis: createRedis(REDIS_URL),
      prefix,
      logger: silentLogger(),
      random: () => 0.5,
      callTimeoutMs: 100,
    });
    const redis = new Redis(REDIS_URL);
    for (const id of ids) {
      const articles = Array.from({ length: 100 }, (_, n) => article({ id: `${id}-${n}`, sourceId: id, rawBodyHtml: body }));
      await redis.set(starting.snapshotKey(id), serializeSnapshot(snapshotOf(id, articles)), "PX", 600_000);
    }
    redis.disconnect();
    try {
      await starting.connect();
      const upstreamReads: string[] = [];
      const feedCache = new FeedCache({
        random: () => 0.5,
        load: starting.wrapLoad(async (source) => {
          upstreamReads.push(source.id);
          return snapshotOf(source.id, []);
        }),
      });
      starting.prefetch(ids);
      const snapshots = await feedCache.getAll(config.sources);
      expect(upstreamReads).toEqual([]);
      expect(starting.failures).toBe(0);
      expect(snapshots.map((snapshot) => snapshot.articles.length)).toEqual(ids.map(() => 100));
    } finally {
      await starting.close();
    }
  });
});

describe("what a starting instance learns from its prefetch", () => {
  // main.ts starts the parser threads only when this count is above 0: a restart that finds every copy needs none.
  it("counts the sources Redis held no copy of: none when it held them all, the missing ones otherwise, every one unconnected", async () => {
    const cache = new SharedCache({ redis: createRedis(REDIS_URL), prefix, logger: silentLogger(), random: () => 0.5 });
    const unconnected = new SharedCache({ redis: createRedis(REDIS_URL), prefix, logger: silentLogger(), random: () => 0.5 });
    const redis = new Redis(REDIS_URL);
    try {
      for (const id of ["held-a", "held-b"])
        await redis.set(
          cache.snapshotKey(id),
          serializeSnapshot(snapshotOf(id, [article({ id: `${id}-1`, sourceId: id })])),
          "PX",
          600_000,
        );
      await cache.connect();
      expect(await cache.prefetch(["held-a", "held-b"])).toBe(0);
      expect(await cache.prefetch(["held-a", "never-stored", "held-b", "also-missing"])).toBe(2);
      expect(await cache.prefetch([])).toBe(0);
      // Never connected: nothing is read, so every source will be read upstream.
      expect(await unconnected.prefetch(["held-a", "held-b"])).toBe(2);
    } finally {
      redis.disconnect();
      await cache.close();
      await unconnected.close();
    }
  });
});
