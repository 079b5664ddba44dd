import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import type { Article } from "../../src/model/article.ts";

import { silentLogger } from "../../src/log/logger.ts";
import { bodyWordsOf, readingTimeOf } from "../../src/store/catalog/article-content.ts";
import { createRedis, serializeSnapshot, SharedCache, SNAPSHOT_FORMAT } from "../../src/store/source-cache/shared-cache.ts";
import { dropKeys, REDIS_URL, uniquePrefix } from "./cluster.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";
import { snapshotOf } from "../helpers/snapshots.ts";

const prefix = uniquePrefix("snapshot-format");
afterAll(() => dropKeys(prefix));

const config = parseSourcesConfig(
  {
    sections: [{ slug: "news", name: "News" }],
    sources: [{ id: "wire", name: "Wire", url: "https://wire.example/rss", section: "news", refreshSeconds: 60 }],
  },
  "/srv/sources.json",
);
const source = config.sources[0]!;
const words = Array.from({ length: 460 }, (_, i) => `word${i}`).join(" ");
const article: Article = {
  id: "a1",
  sourceId: "wire",
  guid: null,
  title: "A story",
  summary: "What it says.",
  rawBodyHtml: `<p>${words}</p>`,
  bodyBase: "https://wire.example/",
  bodyWords: null,
  url: "https://wire.example/a1",
  canonicalUrl: "https://wire.example/a1",
  author: null,
  publishedAt: new Date(Date.UTC(2026, 10, 1)),
  updatedAt: null,
  image: null,
  tags: [],
  section: "news",
  commentCount: null,
  authors: [],
  enclosures: [],
  language: null,
};
const snapshot = (tag: string, articles: Article[]): SourceSnapshot => snapshotOf("wire", articles, { contentHash: tag, format: "rss" });

describe("snapshots shared through Redis", () => {
  it("are stored under a key naming their format, and one of another format is never served nor waited for", async () => {
    const redis = new Redis(REDIS_URL);
    const instance = new SharedCache({ redis: createRedis(REDIS_URL), prefix, logger: silentLogger(), random: () => 0.5 });
    try {
      await instance.connect();
      // An instance of the earlier version stored its copy (reading times, counted words) under the unversioned key.
      const { bodyWords: _words, ...earlierArticle } = article;
      await redis.set(
        `${prefix}feed:wire`,
        serializeSnapshot(snapshot("earlier", [{ ...earlierArticle, bodyWords: 460, readingTimeMinutes: 2 } as Article])),
        "PX",
        60_000,
      );
      // An instance of format 2 stored its copy without authors, enclosures or language, under its own key.
      const { authors: _authors, enclosures: _enclosures, language: _language, ...format2Article } = article;
      await redis.set(`${prefix}feed-v2:wire`, serializeSnapshot(snapshot("format-2", [format2Article as Article])), "PX", 60_000);
      // And one is reading the source again: its lock is its version's, not this one's.
      await redis.set(`${prefix}lock:wire`, "earlier:token", "PX", 60_000);
      const upstreamReads: string[] = [];
      const locksDuringRead: (string | null)[] = [];
      const load = instance.wrapLoad(async () => {
        upstreamReads.push("wire");
        locksDuringRead.push(await redis.get(`${prefix}lock:wire`), (await redis.get(instance.lockKey("wire")))?.split(":")[0] ?? null);
        return snapshot("current", [{ ...article }]);
      });

      const first = await load(source, undefined);
      expect(upstreamReads).toEqual(["wire"]); // neither earlier format's copy was taken
      expect(SNAPSHOT_FORMAT).toBe(3);
      expect(locksDuringRead).toEqual(["earlier:token", String(process.pid)]); // read under its own lock, the other left alone
      expect(instance.lockKey("wire")).toBe(`${prefix}lock-v${SNAPSHOT_FORMAT}:wire`);
      expect(first.contentHash).toBe("current");
      expect(instance.snapshotKey("wire")).toBe(`${prefix}feed-v${SNAPSHOT_FORMAT}:wire`);
      expect(await redis.exists(instance.snapshotKey("wire"))).toBe(1);

      // Another instance of this version takes the copy, its words still uncounted, and counts them alike.
      const again = await load(source, undefined);
      expect(upstreamReads).toEqual(["wire"]);
      const [shared] = again.articles;
      expect(shared!.bodyWords).toBeNull();
      expect(bodyWordsOf(shared!)).toBe(460);
      expect(readingTimeOf(shared!)).toBe(2);
    } finally {
      redis.disconnect();
      await instance.close();
    }
  });

  it("are not served when what the key holds is not one: the instance reads upstream and stores its own", async () => {
    const redis = new Redis(REDIS_URL);
    const logger = silentLogger();
    const warnings: unknown[] = [];
    logger.warn = ((...args: unknown[]) => void warnings.push(args)) as typeof logger.warn;
    const instance = new SharedCache({ redis: createRedis(REDIS_URL), prefix, logger, random: () => 0.5 });
    try {
      await instance.connect();
      const good = snapshot("good", [{ ...article }]);
      const { articles: _articles, ...withoutArticles } = good;
      const stored = [
        "not json {",
        "null",
        "[1, 2]",
        JSON.stringify({ ...withoutArticles }),
        serializeSnapshot({ ...good, sourceId: "another" }),
        serializeSnapshot({ ...good, articles: [{ ...article, title: 7 } as unknown as Article] }),
        serializeSnapshot({ ...good, articles: [{ ...article, tags: "x" } as unknown as Article] }),
        serializeSnapshot({ ...good, contentHash: 12 as unknown as string }),
        // Stored by a version before authors, enclosures and language (or with them of the wrong types).
        ...(["authors", "enclosures", "language"] as const).map((field) => {
          const { [field]: _dropped, ...older } = article;
          return serializeSnapshot({ ...good, articles: [older as Article] });
        }),
        ...[
          { authors: [{ name: 7, url: null, email: null }] },
          { authors: [{ name: "Ann" }] },
          { authors: ["Ann"] },
          { authors: "Ann" },
          { enclosures: [{ url: null, type: null, length: null, durationSeconds: null }] },
          { enclosures: [{ url: "https://wire.example/a.mp3", type: null, length: "3000000000", durationSeconds: null }] },
          { enclosures: [{ url: "https://wire.example/a.mp3", type: 5, length: null, durationSeconds: null }] },
          { enclosures: [{ url: "https://wire.example/a.mp3", type: null, length: null }] },
          { enclosures: {} },
          { language: 5 },
        ].map((wrong) => serializeSnapshot({ ...good, articles: [{ ...article, ...wrong } as unknown as Article] })),
      ];
      let reads = 0;
      const load = instance.wrapLoad(async () => {
        reads++;
        return snapshot(`upstream-${reads}`, [{ ...article }]);
      });
      for (const [n, text] of stored.entries()) {
        await redis.set(instance.snapshotKey("wire"), text, "PX", 60_000);
        const got = await load(source, undefined);
        expect([n, got.contentHash]).toEqual([n, `upstream-${n + 1}`]);
        // Its own good copy replaced the bad one.
        expect(await redis.get(instance.snapshotKey("wire"))).toContain(`"upstream-${n + 1}"`);
      }
      // Said every time one is found (a load looks again once it holds the lock), and counted for /metrics.
      expect(warnings.length).toBeGreaterThanOrEqual(stored.length);
      expect(instance.errors.get("snapshot")).toBe(warnings.length);
      // A good copy is still taken.
      await redis.set(instance.snapshotKey("wire"), serializeSnapshot(good), "PX", 60_000);
      expect((await load(source, undefined)).contentHash).toBe("good");
    } finally {
      redis.disconnect();
      await instance.close();
    }
  });

  it("carry authors, enclosures and language: a copy read back by another instance equals the one stored", async () => {
    const writer = new SharedCache({
      redis: createRedis(REDIS_URL),
      prefix: `${prefix}round-trip:`,
      logger: silentLogger(),
      random: () => 0.5,
    });
    const reader = new SharedCache({
      redis: createRedis(REDIS_URL),
      prefix: `${prefix}round-trip:`,
      logger: silentLogger(),
      random: () => 0.5,
    });
    try {
      await Promise.all([writer.connect(), reader.connect()]);
      const podcast: Article = {
        ...article,
        id: "ep1",
        author: "Ann Lee",
        authors: [
          { name: "Ann Lee", url: "https://wire.example/people/ann", email: "ann@wire.example" },
          { name: null, url: "https://wire.example/people/desk", email: null },
        ],
        enclosures: [
          { url: "https://cdn.wire.example/ep1.mp3", type: "audio/mpeg", length: 3_000_000_000, durationSeconds: 3723 },
          { url: "https://cdn.wire.example/ep1.mp4", type: null, length: null, durationSeconds: null },
        ],
        language: "en-US",
      };
      const stored = snapshot("podcast", [podcast, { ...article }]);
      let reads = 0;
      const got = await writer.wrapLoad(async () => {
        reads++;
        return stored;
      })(source, undefined);
      expect(got).toBe(stored);
      const shared = await reader.wrapLoad(async () => {
        reads++;
        return snapshot("upstream", []);
      })(source, undefined);
      expect(reads).toBe(1);
      expect(shared.contentHash).toBe("podcast");
      expect(shared.articles).toEqual([podcast, article]);
      expect(shared.articles[0]!.enclosures[0]!.length).toBe(3_000_000_000);
      expect(shared.articles[0]!.publishedAt).toBeInstanceOf(Date);
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
