import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_FUTURE_MS } from "../../src/ingest/dates.ts";
import { decodeBody } from "../../src/ingest/decode.ts";
import { ingestBody, type IngestRequest } from "../../src/ingest/ingest-body.ts";
import { IngestPool } from "../../src/ingest/ingest-pool.ts";
import { readSource } from "../../src/ingest/read-source.ts";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import { NormalizedItemMemo } from "../../src/ingest/item-memo.ts";
import { normalizeFeed, type NormalizeContext } from "../../src/ingest/normalize.ts";
import { parseBody } from "../../src/ingest/parse-body.ts";
import { emptyRawItem } from "../../src/model/raw-feed.ts";
import { CORPUS_DIR, corpusFiles } from "../helpers/corpus.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";

const NOW = Date.parse("2026-11-28T12:00:00Z");
const CONTEXT: NormalizeContext = {
  sourceId: "s",
  defaultSection: "world",
  sections: [
    { slug: "world", name: "World" },
    { slug: "tech", name: "Technology" },
  ],
  feedUrl: "https://s.example/feed.xml",
  now: NOW,
};

function item(n: number, { title = `Story ${n}`, date = "Sat, 28 Nov 2026 09:00:00 GMT" } = {}): string {
  return `<item><title>${title}</title><link>https://s.example/${n}</link><guid>https://s.example/${n}</guid><pubDate>${date}</pubDate><description>&lt;p&gt;Body of story ${n}, &lt;b&gt;with markup&lt;/b&gt;.&lt;/p&gt;</description></item>`;
}

function feed(...items: string[]): string {
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>S</title><link>https://s.example/</link>${items.join("")}</channel></rss>`;
}

async function normalize(xml: string, memo: NormalizedItemMemo | null, context: NormalizeContext = CONTEXT) {
  return normalizeFeed((await parseBody(xml, "application/rss+xml", "auto")).feed, context, memo);
}

describe("the memo of normalized items", () => {
  it("gives every article of the real-world corpus exactly as normalizing it afresh does, and the same feed hash", async () => {
    const memo = new NormalizedItemMemo();
    let articles = 0;
    for (const file of corpusFiles()) {
      const decoded = decodeBody(readFileSync(path.join(CORPUS_DIR, file)), null);
      const parsed = await parseBody(decoded.text, null, "auto").catch(() => null);
      if (!parsed) continue;
      const context = { ...CONTEXT, sourceId: file };
      const fresh = normalizeFeed(parsed.feed, context, null);
      const first = normalizeFeed(parsed.feed, context, memo);
      const second = normalizeFeed(parsed.feed, context, memo);
      expect(first).toEqual(fresh);
      expect(second).toEqual(fresh);
      articles += fresh.articles.length;
    }
    expect(articles).toBeGreaterThan(300);
    expect(memo.size).toBeGreaterThan(300);
  });

  it("hands back the article it made for an unchanged item, and makes a new one for an edited item", async () => {
    const memo = new NormalizedItemMemo();
    const first = await normalize(feed(item(1), item(2)), memo);
    const second = await normalize(feed(item(3), item(1), item(2, { title: "Story 2, updated" })), memo);
    expect(second.articles.map((a) => a.title)).toEqual(["Story 3", "Story 1", "Story 2, updated"]);
    expect(second.articles[1]).toBe(first.articles[0]);
    expect(second.articles[2]!.id).toBe(first.articles[1]!.id);
    expect(second.contentHash).not.toBe(first.contentHash);
    expect(second).toEqual(await normalize(feed(item(3), item(1), item(2, { title: "Story 2, updated" })), null));
  });

  it("keys on the settings too: the same item under another source or other sections is normalized again", async () => {
    const memo = new NormalizedItemMemo();
    const tagged = item(1).replace("</title>", "</title><category>Technology</category>");
    const first = await normalize(feed(tagged), memo);
    const otherSource = await normalize(feed(tagged), memo, { ...CONTEXT, sourceId: "t" });
    const noTech = await normalize(feed(tagged), memo, { ...CONTEXT, sections: [{ slug: "world", name: "World" }] });
    expect(first.articles[0]!.section).toBe("tech");
    expect(otherSource.articles[0]!.sourceId).toBe("t");
    expect(noTech.articles[0]!.section).toBe("world");
    expect(noTech.articles[0]!.tags).toEqual(["Technology"]);
  });

  it("never keeps a date clamped to the read's clock, and remakes an article whose date a clock set back would clamp", async () => {
    const memo = new NormalizedItemMemo();
    const farFuture = feed(item(1, { date: "Fri, 01 Jan 2027 00:00:00 GMT" }));
    const first = await normalize(farFuture, memo);
    expect(first.articles[0]!.publishedAt!.getTime()).toBe(NOW);
    expect(memo.size).toBe(0);
    const later = await normalize(farFuture, memo, { ...CONTEXT, now: NOW + 60_000 });
    expect(later.articles[0]!.publishedAt!.getTime()).toBe(NOW + 60_000);

    // Twelve hours ahead is within what publishers' clocks are allowed: kept as written.
    const soon = feed(item(2, { date: "Sun, 29 Nov 2026 00:00:00 GMT" }));
    await normalize(soon, memo);
    expect(memo.size).toBe(1);
    const setBack = NOW - MAX_FUTURE_MS;
    const again = await normalize(soon, memo, { ...CONTEXT, now: setBack });
    expect(again.articles[0]!.publishedAt!.getTime()).toBe(setBack);
  });

  it("keys on every field of the item, however its text is split between fields", () => {
    const base = {
      ...emptyRawItem(),
      title: "ab",
      link: "c",
      categories: ["x", "y"],
      images: [{ url: "https://i.example/1.png", width: 10 }],
    };
    const variants = [
      { ...base, title: "a", link: "bc" },
      { ...base, categories: ["xy"] },
      { ...base, categories: ["x"], authors: [{ name: "y", email: null, url: null }] },
      { ...base, authors: [{ name: null, email: "y", url: null }] },
      { ...base, enclosures: [{ url: "https://a.example/1.mp3", type: "audio/mpeg", length: null, duration: null }] },
      { ...base, language: "en" },
      { ...base, titleIsHtml: false },
      { ...base, images: [{ url: "https://i.example/1.png", height: 10 }] },
      { ...base, commentCount: 0 },
      { ...base, guid: "" },
    ];
    const keys = new Set([base, ...variants].map((item) => NormalizedItemMemo.key(item, "settings")));
    expect(keys.size).toBe(variants.length + 1);
    expect(NormalizedItemMemo.key(base, "other settings")).not.toBe(NormalizedItemMemo.key(base, "settings"));
    expect(NormalizedItemMemo.key({ ...base }, "settings")).toBe(NormalizedItemMemo.key(base, "settings"));
  });

  it("changes the feed's hash when only the clock changed an article (a date clamped to the read)", async () => {
    const farFuture = feed(item(1, { date: "Fri, 01 Jan 2027 00:00:00 GMT" }));
    const first = await normalize(farFuture, null);
    const later = await normalize(farFuture, null, { ...CONTEXT, now: NOW + 60_000 });
    expect(later.contentHash).not.toBe(first.contentHash);
    expect((await normalize(farFuture, null)).contentHash).toBe(first.contentHash);
  });

  it("keeps each source's last read only: an item that left the feed leaves the memo", async () => {
    const memo = new NormalizedItemMemo();
    await normalize(feed(item(1), item(2), item(3)), memo);
    expect(memo.size).toBe(3);
    const second = await normalize(feed(item(4), item(3)), memo);
    expect(memo.size).toBe(2);
    await normalize(feed(item(1)), memo, { ...CONTEXT, sourceId: "other" });
    expect(memo.size).toBe(3);
    // Item 3 of source "s" comes back from the memo; item 1 under "s" is made again.
    const third = await normalize(feed(item(3), item(1)), memo);
    expect(third.articles[0]).toBe(second.articles[1]);
  });

  it("is bounded by bytes, dropping the sources read least recently, and never keeps a source larger than itself", async () => {
    const memo = new NormalizedItemMemo({ maxBytes: 16 * 1024 });
    const one = await normalize(feed(item(1), item(2)), memo, { ...CONTEXT, sourceId: "a" });
    const perSource = memo.bytes;
    expect(perSource).toBeGreaterThan(0);
    const sources = Math.floor((16 * 1024) / perSource);
    for (let n = 0; n < sources + 3; n++) await normalize(feed(item(1), item(2)), memo, { ...CONTEXT, sourceId: `b${n}` });
    expect(memo.bytes).toBeLessThanOrEqual(16 * 1024);
    expect(memo.size).toBe(2 * sources);
    // Source "a" was read first: dropped, so its items are made afresh.
    const again = await normalize(feed(item(1), item(2)), memo, { ...CONTEXT, sourceId: "a" });
    expect(again.articles[0]).not.toBe(one.articles[0]);
    expect(again.articles[0]).toEqual(one.articles[0]);

    const huge = new NormalizedItemMemo({ maxBytes: 1024 });
    await normalize(feed(item(1), item(2), item(3)), huge);
    expect(huge.size).toBe(0);
  });
});

describe("the ingest pool", () => {
  const pool = new IngestPool({ size: 2, minBytes: 0 });
  afterAll(() => pool.close());
  const request = (sourceId: string, xml: string): IngestRequest => ({
    body: Buffer.from(xml),
    contentType: "application/rss+xml",
    format: "auto",
    sourceId,
    defaultSection: "world",
    sections: CONTEXT.sections,
    feedUrl: "https://s.example/feed.xml",
    now: NOW,
  });

  it("sends a source back to the worker that read it last, which holds its items", async () => {
    const [a, b] = await Promise.all([pool.run(request("a", feed(item(1)))), pool.run(request("b", feed(item(2))))]);
    expect(a.threadId).not.toBe(b.threadId);
    const [b2, a2] = await Promise.all([pool.run(request("b", feed(item(2), item(3)))), pool.run(request("a", feed(item(1), item(4))))]);
    expect(a2.threadId).toBe(a.threadId);
    expect(b2.threadId).toBe(b.threadId);
    expect(a2.articles).toEqual((await ingestBody(request("a", feed(item(1), item(4))))).articles);
  });
});

describe("articles a source already holds", () => {
  const pool = new IngestPool({ size: 1, minBytes: 0 });
  afterAll(() => pool.close());
  const request = (xml: string): IngestRequest => ({
    body: Buffer.from(xml),
    contentType: "application/rss+xml",
    format: "auto",
    sourceId: "held",
    defaultSection: "world",
    sections: CONTEXT.sections,
    feedUrl: "https://s.example/feed.xml",
    now: NOW,
  });

  it("come back from a worker as the very objects held, not copies; new and edited ones are new", async () => {
    const first = await pool.run(request(feed(item(1), item(2))));
    expect(first.threadId).toBeGreaterThan(0);
    const xml = feed(item(3), item(1), item(2, { title: "Story 2, edited" }));
    const second = await pool.run(request(xml), { articles: first.articles, hashes: first.articleHashes });
    expect(second.articles[1]).toBe(first.articles[0]);
    expect(second.articles[2]).not.toBe(first.articles[1]);
    expect(second.articles).toEqual((await ingestBody(request(xml))).articles);
    expect(second.articleHashes).toHaveLength(3);

    // Without held articles every one is a copy made on the worker.
    const copied = await pool.run(request(xml));
    expect(copied.articles[1]).not.toBe(first.articles[0]);
    expect(copied.articles).toEqual(second.articles);
    expect(copied.contentHash).toBe(second.contentHash);
  });

  it("are never mixed up with another source's: a hash the source does not hold is read as usual", async () => {
    const other = await pool.run(request(feed(item(7))));
    const read = await pool.run(request(feed(item(8))), { articles: other.articles, hashes: other.articleHashes });
    expect(read.articles.map((a) => a.title)).toEqual(["Story 8"]);
  });
});

describe("a source read twice", () => {
  const pool = new IngestPool();
  afterAll(() => pool.close());
  it("keeps the objects of its unchanged stories, so the serving thread holds one copy of each", async () => {
    const config = parseSourcesConfig(
      { sections: CONTEXT.sections, sources: [{ id: "twice", name: "Twice", url: "https://s.example/feed.xml", section: "world" }] },
      "/tmp/sources.json",
    );
    let body = feed(item(1), item(2));
    const fetchFeed = async () => ({
      kind: "fetched" as const,
      body: Buffer.from(body),
      contentType: "application/rss+xml",
      freshForMs: null,
      etag: null,
      lastModified: null,
      finalUrl: new URL("https://s.example/feed.xml"),
    });
    const read = (previous?: SourceSnapshot) =>
      readSource(
        config.sources[0]!,
        { sections: config.sections, rootDir: "/tmp" },
        { fetchFeed, now: () => NOW, ingest: pool.run.bind(pool) },
        previous,
      );
    const first = await read();
    body = feed(item(3), item(1), item(2));
    const second = await read(first);
    expect(second.articles.map((a) => a.title)).toEqual(["Story 3", "Story 1", "Story 2"]);
    expect(second.articles[1]).toBe(first.articles[0]);
    expect(second.articles[2]).toBe(first.articles[1]);
    expect(second.articleHashes).toHaveLength(3);
    expect(second.contentHash).not.toBe(first.contentHash);
  });

  it("keeps its articles' hashes through a failed read, with the articles it keeps", async () => {
    const config = parseSourcesConfig(
      { sections: CONTEXT.sections, sources: [{ id: "flaky", name: "Flaky", url: "https://s.example/feed.xml", section: "world" }] },
      "/tmp/sources.json",
    );
    let fail = false;
    const fetchFeed = async () => {
      if (fail) throw new Error("connection reset");
      return {
        kind: "fetched" as const,
        body: Buffer.from(feed(item(1), item(2))),
        contentType: "application/rss+xml",
        freshForMs: null,
        etag: null,
        lastModified: null,
        finalUrl: new URL("https://s.example/feed.xml"),
      };
    };
    const read = (previous?: SourceSnapshot) =>
      readSource(
        config.sources[0]!,
        { sections: config.sections, rootDir: "/tmp" },
        { fetchFeed, now: () => NOW, ingest: pool.run.bind(pool) },
        previous,
      );
    const good = await read();
    fail = true;
    const failed = await read(good);
    expect(failed.ok).toBe(false);
    expect(failed.articles).toBe(good.articles);
    expect(failed.articleHashes).toEqual(good.articleHashes);
    expect(failed.articleHashes).toHaveLength(2);
  });
});

describe("warming the ingest pool", () => {
  it("starts every worker at once, and a warmed worker reads the first large body", async () => {
    const pool = new IngestPool({ size: 2, minBytes: 0 });
    try {
      expect(pool.threads).toBe(0);
      pool.warm();
      expect(pool.threads).toBe(2);
      const read = await pool.run({
        body: Buffer.from(feed(item(1))),
        contentType: "application/rss+xml",
        format: "auto",
        sourceId: "w",
        defaultSection: "world",
        sections: CONTEXT.sections,
        feedUrl: "https://s.example/feed.xml",
        now: NOW,
      });
      expect(read.threadId).toBeGreaterThan(0);
      expect(pool.threads).toBe(2);
    } finally {
      await pool.close();
    }
    pool.warm();
    expect(pool.threads).toBe(0);
  });
});
