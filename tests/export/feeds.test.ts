import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSourcesFile } from "../../src/config/sources-file.ts";
import { createGateway } from "../../src/create-gateway.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { feedparser, type ParsedFeed } from "../helpers/feedparser.ts";
import { appFetch, IN_MEMORY_ORIGIN, openGateway } from "../helpers/app-fetch.ts";

/** Feeds out, read back by an independent reader (python feedparser) and checked against the GraphQL API. */
const DEMO = fileURLToPath(new URL("../../sources/default.json", import.meta.url));
const FORMATS = ["rss", "atom", "json"] as const;
const VERSIONS = { rss: "rss20", atom: "atom10", json: "json11" };

const SELECTIONS: { name: string; path: string; args: { first: number; section?: string; tag?: string; query?: string } }[] = [
  { name: "every section, default size", path: "all", args: { first: 20 } },
  { name: "a section", path: "technology", args: { first: 5, section: "technology" } },
  { name: "a tag", path: "all", args: { first: 100, tag: "batteries" } },
  { name: "a search", path: "all", args: { first: 10, query: "battery" } },
  { name: "a section, a tag and a search", path: "business", args: { first: 10, section: "business", tag: "EV", query: "sodium" } },
];

const API_QUERY = `query Same($first: Int, $section: String, $tag: String, $query: String) {
  articles(first: $first, section: $section, tag: $tag, query: $query) {
    edges { node { title url author tags image { url } section { name } } }
  }
}`;

function feedPath({ path, args }: (typeof SELECTIONS)[number], format: string): string {
  const params = new URLSearchParams();
  if (args.tag) params.set("tag", args.tag);
  if (args.query) params.set("q", args.query);
  if (args.first !== 20) params.set("limit", String(args.first));
  const query = params.toString();
  return `/feeds/${path}.${format}${query ? `?${query}` : ""}`;
}

describe("feeds out (demo set)", () => {
  let base: string;
  let fetch: ReturnType<typeof appFetch>;
  let close: () => Promise<void>;
  const parsed = new Map<string, ParsedFeed>();
  const raw = new Map<string, { status: number; headers: Headers; body: string }>();
  const api = new Map<string, any[]>();

  beforeAll(async () => {
    const gateway = createGateway({ config: await loadSourcesFile(DEMO) });
    fetch = appFetch(gateway.app);
    base = IN_MEMORY_ORIGIN;
    close = gateway.shutdown;
    const paths = SELECTIONS.flatMap((s) => FORMATS.map((f) => feedPath(s, f)));
    for (const path of paths) {
      const response = await fetch(`${base}${path}`);
      raw.set(path, { status: response.status, headers: response.headers, body: await response.text() });
    }
    const results = await feedparser(paths.map((p) => ({ body: raw.get(p)!.body, contentType: raw.get(p)!.headers.get("content-type")! })));
    for (const [i, path] of paths.entries()) parsed.set(path, results[i]!);
    for (const selection of SELECTIONS) {
      const response = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: API_QUERY, variables: selection.args }),
      });
      const answer = (await response.json()) as { data: any; errors?: unknown };
      expect(answer.errors).toBeUndefined();
      api.set(
        selection.name,
        answer.data.articles.edges.map((e: any) => e.node),
      );
    }
  });
  afterAll(() => close?.());

  describe.each(SELECTIONS)("$name", (selection) => {
    it.each(FORMATS)("%s: read without a bozo flag, with the API's items in the API's order", (format) => {
      const path = feedPath(selection, format);
      const { status, headers } = raw.get(path)!;
      const feed = parsed.get(path)!;
      const expected = api.get(selection.name)!;
      expect(status).toBe(200);
      expect(headers.get("content-type")).toMatch(
        format === "rss" ? /^application\/rss\+xml/ : format === "atom" ? /^application\/atom\+xml/ : /^application\/feed\+json/,
      );
      expect(feed.bozoException).toBeNull();
      expect(feed.bozo).toBe(false);
      expect(feed.version).toBe(VERSIONS[format]);
      expect(expected.length).toBeGreaterThan(0);
      expect(feed.entries.map((e) => e.title)).toEqual(expected.map((a) => a.title));
      expect(feed.entries.map((e) => e.link)).toEqual(expected.map((a) => a.url));
      expect(feed.selfLinks).toContain(`${base}${path}`);
      feed.entries.forEach((entry, i) => {
        const article = expected[i];
        expect(entry.link).toMatch(/^https?:\/\//);
        expect(entry.id).toMatch(/^urn:newsgate:article:/);
        expect(entry.author).toBe(article.author);
        expect(entry.tags).toEqual(expect.arrayContaining(article.tags));
        // The section travels as a category too, by its name in every format.
        expect(entry.tags.length).toBe(article.tags.length + 1);
        expect(entry.tags).toContain(article.section.name);
        if (article.image) expect(entry.images).toContain(article.image.url);
        expect(entry.content.join("") || entry.summary).not.toMatch(/<script|javascript:|\son\w+=/i);
      });
    });
  });

  it("links every feed to a page a reader can use: the widget's page of its section, or of every section", async () => {
    for (const [path, page] of [
      ["/feeds/all.json", "/embed/all"],
      ["/feeds/technology.json?limit=5", "/embed/technology"],
    ] as const) {
      const feed = JSON.parse(await (await fetch(`${base}${path}`)).text());
      expect(feed.home_page_url).toBe(`${base}${page}`);
      const response = await fetch(feed.home_page_url, { headers: { accept: "text/html" }, redirect: "manual" });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect((await response.text()).match(/<article>/g)?.length ?? 0).toBeGreaterThan(0);
    }
  });

  it("writes authors, categories, images, plain-text JSON summaries and self links the way each format says", () => {
    const rss = raw.get("/feeds/technology.rss?limit=5")!.body;
    expect(rss).toContain("<dc:creator");
    expect(rss).toMatch(/<media:content xmlns:media="http:\/\/search\.yahoo\.com\/mrss\/" url="https:\/\/[^"]+\.jpg" medium="image"/);
    expect(rss).toMatch(/<enclosure length="0" type="image\/jpeg" url="https:/);
    expect(rss).toContain(`<atom:link href="${base}/feeds/technology.rss?limit=5" rel="self"`);
    const atom = raw.get("/feeds/technology.atom?limit=5")!.body;
    expect(atom).toContain(`<link rel="self" href="${base}/feeds/technology.atom?limit=5"/>`);
    expect(atom).toContain(`<category label="Technology &amp; Innovation" scheme="${base}/sections" term="Technology &amp; Innovation"/>`);
    const json = JSON.parse(raw.get("/feeds/technology.json?limit=5")!.body);
    expect(json.version).toBe("https://jsonfeed.org/version/1.1");
    expect(json.feed_url).toBe(`${base}/feeds/technology.json?limit=5`);
    expect(json.items[0].authors).toEqual([{ name: expect.any(String) }]);
    expect(json.items[0].author).toBeUndefined();
    expect(json.items.every((item: any) => item.summary === undefined || !/[<>]/.test(item.summary))).toBe(true);
    expect(json.items.every((item: any) => typeof item.content_html === "string" || typeof item.content_text === "string")).toBe(true);
  });

  it("sends ETag, Last-Modified and Cache-Control, and answers 304 to If-None-Match and If-Modified-Since", async () => {
    const path = `${base}/feeds/science.atom`;
    const first = await fetch(path);
    const body = await first.text();
    const etag = first.headers.get("etag")!;
    const lastModified = first.headers.get("last-modified")!;
    // A tag per encoding: fetch asks for compression, so the tag names the variant (".gz", ".br").
    expect(etag).toMatch(/^"[\w-]+(\.(gz|br))?"$/);
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);
    expect(first.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);

    const again = await fetch(path);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe(body);

    const byTag = await fetch(path, { headers: { "if-none-match": etag } });
    expect(byTag.status).toBe(304);
    expect(await byTag.text()).toBe("");
    expect(byTag.headers.get("etag")).toBe(etag);
    const byDate = await fetch(path, { headers: { "if-modified-since": lastModified } });
    expect(byDate.status).toBe(304);
    const older = await fetch(path, { headers: { "if-modified-since": new Date(Date.parse(lastModified) - 60_000).toUTCString() } });
    expect(older.status).toBe(200);
    const otherTag = await fetch(path, { headers: { "if-none-match": '"something-else"', "if-modified-since": lastModified } });
    expect(otherTag.status).toBe(200);
    // Another selection is another document.
    expect((await fetch(`${path}?limit=2`)).headers.get("etag")).not.toBe(etag);
    const head = await fetch(path, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe(etag);
  });

  it.each([
    ["/feeds/all.rss?limit=0", 400, /`limit` must be a whole number from 1 to 100/],
    ["/feeds/all.rss?limit=101", 400, /`limit` must be a whole number from 1 to 100/],
    ["/feeds/all.rss?limit=ten", 400, /`limit` must be a whole number/],
    ["/feeds/all.atom?tag=", 400, /`tag` must be a tag name of 1 to 100 characters/],
    ["/feeds/all.atom?tag=a&tag=b", 400, /`tag` is given 2 times; give it once/],
    [`/feeds/all.json?q=${"x".repeat(201)}`, 400, /`q` must be a search of 1 to 200 characters/],
    ["/feeds/all.json?source=nope", 400, /unknown source "nope"; known: wire-tech/],
    ["/feeds/sport.rss", 404, /unknown section "sport"; known: all, technology, startups, science, business/],
  ])("refuses %s with %i and says why", async (path, status, message) => {
    const response = await fetch(`${base}${path}`);
    expect(response.status).toBe(status);
    expect((await response.json()).error).toMatch(message);
  });

  it("is not a feed for other extensions or methods", async () => {
    expect((await fetch(`${base}/feeds/all.xml`)).status).not.toBe(200);
    const post = await fetch(`${base}/feeds/all.rss`, { method: "POST" });
    expect(post.status).toBe(405);
  });

  it("keeps an API key out of self links, and ignores parameters that are not the feed's", async () => {
    const json = await (await fetch(`${base}/feeds/startups.json?key=secret-key&limit=3&utm_source=x`)).json();
    expect(json.feed_url).toBe(`${base}/feeds/startups.json?limit=3`);
    expect(json.items).toHaveLength(3);
  });
});

describe("feeds out from a hostile source", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;

  const HOSTILE = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Hostile</title><link>https://hostile.example/</link><description>x</description>
<item>
  <title>Bits ]]&gt; and ]]&gt; again &amp; 5 &lt; 6</title>
  <link>https://hostile.example/a?x=1&amp;y=2</link>
  <guid>hostile-1</guid>
  <pubDate>Mon, 16 Nov 2026 10:00:00 GMT</pubDate>
  <author>mallory@hostile.example (Mallory &lt;M&gt;)</author>
  <category>a&lt;b &amp; "c"</category>
  <description><![CDATA[<p onclick="alert(1)">Summary with <script>alert(1)</script> markup</p>]]></description>
  <content:encoded><![CDATA[<p>Body <a href="javascript:alert(1)">link</a> <img src="https://hostile.example/i.png" onerror="alert(1)"> ]]]]><![CDATA[> <iframe src="https://evil.example/"></iframe><svg onload="alert(1)"></svg><style>body{}</style></p>]]></content:encoded>
  <media:content url="https://hostile.example/img?id=1&amp;size=2" medium="image"/>
</item>
</channel></rss>`;

  // JSON may carry what XML cannot: control characters, lone surrogates.
  const HOSTILE_JSON = JSON.stringify({
    version: "https://jsonfeed.org/version/1.1",
    title: "Hostile JSON",
    items: [
      {
        id: "hostile-json-1",
        url: "https://hostile.example/b",
        title: "Control \u0001 and \ud800 characters ]]>",
        date_published: "2026-11-15T10:00:00Z",
        content_html: "<p>Text ]]> with \u0008 a backspace<script>alert(2)</script></p>",
        tags: ["x\u0002y", "<b>tag</b>"],
        authors: [{ name: "Eve \u0007" }],
      },
    ],
  });

  beforeAll(async () => {
    upstream = await startFixtureServer({
      "/hostile.rss": serveBody(HOSTILE, "application/rss+xml"),
      "/hostile.json": serveBody(HOSTILE_JSON, "application/feed+json"),
    });
    gateway = await openGateway(
      {
        sources: [
          { id: "hostile", name: "Hostile", url: upstream.url("/hostile.rss"), section: "technology" },
          { id: "hostile-json", name: "Hostile JSON", url: upstream.url("/hostile.json"), section: "technology" },
        ],
      },
      { publicUrl: "https://news.example/gateway" },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("writes well-formed documents with nothing that runs, and the API's title", async () => {
    const answer = await gateway.query(`{ articles { edges { node { title url } } } sources { status { ok } } }`);
    expect(answer.data.sources).toEqual([{ status: { ok: true } }, { status: { ok: true } }]);
    const articles = answer.data.articles.edges.map((e: any) => e.node);
    const responses = await Promise.all(FORMATS.map((f) => gateway.fetch(`/feeds/technology.${f}`)));
    const bodies = await Promise.all(responses.map((r) => r.text()));
    const feeds = await feedparser(bodies.map((body, i) => ({ body, contentType: responses[i]!.headers.get("content-type")! })));
    feeds.forEach((feed, i) => {
      expect(feed.bozoException, FORMATS[i]).toBeNull();
      expect(feed.entries.map((e) => e.link)).toEqual(articles.map((a: any) => a.url));
      // Self links name the configured public URL, not the Host the request came to.
      expect(feed.selfLinks[0]).toBe(`https://news.example/gateway/feeds/technology.${FORMATS[i]}`);
    });
    // Atom titles are typed html (feedparser hands them over as HTML, to be shown as such); JSON's are plain text.
    // Either way they read as the API's title without the characters XML cannot carry.
    const shown = articles.map((a: any) => a.title.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]|[\ud800-\udfff]/g, ""));
    const fromHtml = (html: string) =>
      html
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, "&");
    expect(feeds[1]!.entries.map((e) => fromHtml(e.title))).toEqual(shown);
    expect(feeds[2]!.entries.map((e) => e.title)).toEqual(shown);
    for (const body of bodies) {
      expect(body).not.toMatch(/<script|<iframe|<svg|<style|javascript:|onerror|onclick|onload|[\u0000-\u0008\u000b\u000c\u000e-\u001f]/i);
    }
    expect(bodies[0]).toContain('url="https://hostile.example/img?id=1&amp;size=2"');
  });
});
