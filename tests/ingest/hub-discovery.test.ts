import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { discoverHubs, linkHeaderHubs, MAX_HUBS } from "../../src/ingest/hub-discovery.ts";
import { ingestBody } from "../../src/ingest/ingest-body.ts";
import { readSource } from "../../src/ingest/read-source.ts";
import type { SourceConfig } from "../../src/config/sources-file.ts";

const SECTIONS = [{ slug: "technology", name: "Technology" }];

async function read(text: string, contentType: string) {
  return ingestBody({
    body: Buffer.from(text),
    contentType,
    format: "auto",
    sourceId: "s",
    defaultSection: "technology",
    sections: SECTIONS,
    feedUrl: "https://feeds.example/news.xml",
    now: Date.UTC(2026, 0, 2),
  });
}

describe("WebSub discovery", () => {
  it("reads hub and self links of an RSS channel by the Atom namespace, whatever its prefix", async () => {
    const rss = `<rss version="2.0" xmlns:x="http://www.w3.org/2005/Atom"><channel><title>T</title>
      <x:link rel="hub" href="https://hub.example/a"/><x:link rel="hub" href="https://hub.example/b"/>
      <x:link rel="self" href="https://feeds.example/self.xml"/>
      <link rel="hub">https://not-a-hub.example/</link>
      <item><title>One</title><link>https://news.example/1</link><x:link rel="hub" href="https://item-level.example/"/></item></channel></rss>`;
    const body = await read(rss, "application/rss+xml");
    expect(body.hubs).toEqual(["https://hub.example/a", "https://hub.example/b"]);
    expect(body.selfUrl).toBe("https://feeds.example/self.xml");
  });

  it("ignores an atom-prefixed link in another namespace", async () => {
    const rss = `<rss version="2.0" xmlns:atom="http://example.com/not-atom"><channel><title>T</title>
      <atom:link rel="hub" href="https://hub.example/"/></channel></rss>`;
    expect((await read(rss, "application/rss+xml")).hubs).toEqual([]);
  });

  it("reads an Atom feed's own links, not its entries'", async () => {
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>x</id>
      <link rel="self" href="/atom.xml"/><link rel="hub" href="https://pubsubhubbub.appspot.com/"/>
      <entry><title>E</title><id>e</id><link rel="hub" href="https://entry.example/"/></entry></feed>`;
    const body = await read(atom, "application/atom+xml");
    expect(body.hubs).toEqual(["https://pubsubhubbub.appspot.com/"]);
    expect(body.selfUrl).toBe("/atom.xml");
  });

  it("reads a JSON Feed's hubs and feed_url", async () => {
    const json = JSON.stringify({
      version: "https://jsonfeed.org/version/1.1",
      title: "T",
      feed_url: "https://feeds.example/feed.json",
      hubs: [{ type: "WebSub", url: "https://hub.example/" }, { type: "rssCloud" }, "junk"],
      items: [{ id: "1", title: "One", url: "https://news.example/1" }],
    });
    const body = await read(json, "application/feed+json");
    expect(body.hubs).toEqual(["https://hub.example/"]);
    expect(body.selfUrl).toBe("https://feeds.example/feed.json");
  });

  it("parses Link headers: several values, quoted relation lists, any case, and ignores one that does not parse", () => {
    expect(
      linkHeaderHubs('<https://hub.example/>; rel="hub self", <https://feeds.example/x>; rel=SELF, <https://h2.example/>; rel=Hub'),
    ).toEqual({
      hubs: ["https://hub.example/", "https://h2.example/"],
      selfUrl: "https://hub.example/",
    });
    expect(linkHeaderHubs('<https://a.example/,b>; rel="hub"')).toEqual({ hubs: ["https://a.example/,b"], selfUrl: null });
    expect(linkHeaderHubs("garbage <<<")).toEqual({ hubs: [], selfUrl: null });
    expect(linkHeaderHubs(null)).toEqual({ hubs: [], selfUrl: null });
  });

  it("prefers the Link header to the document, resolves relative URLs and keeps only http(s), at most MAX_HUBS", () => {
    const base = "https://feeds.example/dir/feed.xml";
    expect(discoverHubs({ hubs: ["https://doc-hub.example/"], selfUrl: "self.xml" }, '</hub>; rel="hub"', base)).toEqual({
      hubs: ["https://feeds.example/hub"],
      selfUrl: "https://feeds.example/dir/self.xml",
    });
    const many = ["ftp://x.example/", "javascript:alert(1)", ...Array.from({ length: 9 }, (_, i) => `https://h${i}.example/`)];
    const found = discoverHubs({ hubs: [...many, "https://h0.example/"] }, null, base);
    expect(found.hubs).toHaveLength(MAX_HUBS);
    expect(found.hubs[0]).toBe("https://h0.example/");
    expect(found.selfUrl).toBeNull();
  });

  it("finds the hub of a real feed (Medium, through readSource) and keeps it on the snapshot", async () => {
    const body = await readFile(new URL("../fixtures/corpus/feeds/feed-extractor/medium-feed.xml", import.meta.url));
    const source = { id: "m", url: "https://medium.com/feed/x", location: new URL("https://medium.com/feed/x") } as SourceConfig;
    const snapshot = await readSource(
      { ...source, format: "auto", section: "technology", maxItems: 100, maxBytes: 1e7, timeoutMs: 1000 } as SourceConfig,
      { sections: SECTIONS, rootDir: "/" },
      {
        now: Date.now,
        ingest: (request) => ingestBody(request),
        fetchFeed: async () => ({
          kind: "fetched",
          body,
          contentType: "application/rss+xml",
          freshForMs: null,
          etag: null,
          lastModified: null,
          finalUrl: new URL("https://medium.com/feed/x"),
          link: null,
        }),
      },
    );
    expect(snapshot.ok).toBe(true);
    expect(snapshot.hubs).toEqual(["http://medium.superfeedr.com/"]);
    expect(snapshot.selfUrl).toBe("https://medium.com/@ameliakusiak/feed");
  });
});
