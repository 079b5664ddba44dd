import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Article } from "../../src/model/article.ts";
import { feedparser, type ParsedFeed } from "../helpers/feedparser.ts";
import { article, openGatewayWithArticles } from "../helpers/stored-articles.ts";

/**
 * Enclosures, authors and language in the partner feeds, read back by python feedparser (RSS, Atom) and
 * the JSON Feed 1.1 rules, through a real gateway fed stored snapshots (see stored-articles.ts).
 */
const FORMATS = ["rss", "atom", "json"] as const;
const at = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 2 * 24 * 3600 * 1000);

const EPISODE = article({
  id: "ep1",
  sourceId: "pod",
  section: "technology",
  publishedAt: at(5),
  language: "en-US",
  author: "Ann Lee",
  authors: [
    { name: "Ann Lee", url: "https://pod.example/people/ann?x=1&y=2", email: "ann@pod.example.org" },
    { name: "Bo Ng", url: null, email: null },
  ],
  enclosures: [
    { url: "https://cdn.pod.example/ep1.mp3?token=a&b=c", type: "audio/mpeg", length: 3_000_000_000, durationSeconds: 3723 },
    { url: "https://cdn.pod.example/ep1.mp4", type: "video/mp4", length: null, durationSeconds: null },
  ],
  image: { url: "https://cdn.pod.example/ep1.jpg", alt: null, width: null, height: null },
});
// Only an address for its author, and a media file of no stated type or size.
const NOTE = article({
  id: "ep2",
  sourceId: "pod",
  section: "technology",
  publishedAt: at(4),
  language: "fr",
  authors: [{ name: null, url: null, email: "desk@pod.example.org" }],
  enclosures: [{ url: "https://cdn.pod.example/ep2.bin", type: null, length: null, durationSeconds: 61.4 }],
});
// What a stored copy could hold but no feed may carry: markup in names, a type that would break out of its attribute, a non-http URL.
const HOSTILE = article({
  id: "ep3",
  sourceId: "pod",
  section: "technology",
  publishedAt: at(3),
  language: null,
  authors: [{ name: "Eve <script>alert(1)</script> \u0007", url: "javascript:alert(1)", email: 'eve@x.org"><script>' }],
  enclosures: [
    { url: "javascript:alert(1)", type: "audio/mpeg", length: 10, durationSeconds: null },
    { url: "https://cdn.pod.example/ep3.ogg", type: 'audio/ogg" onload="alert(1)', length: 20, durationSeconds: null },
  ],
});
// Nothing but a byline: no authors list, no media.
const PLAIN = article({ id: "ep4", sourceId: "pod", section: "technology", publishedAt: at(2), author: "Old Byline" });
const ARTICLES: Article[] = [EPISODE, NOTE, HOSTILE, PLAIN];

describe("feeds out with media, authors and language", () => {
  let gateway: Awaited<ReturnType<typeof openGatewayWithArticles>>;
  const bodies = new Map<string, string>();
  const parsed = new Map<string, ParsedFeed>();

  beforeAll(async () => {
    gateway = await openGatewayWithArticles("feed-media", [{ id: "pod", section: "technology", articles: ARTICLES }]);
    for (const format of FORMATS) {
      const response = await gateway.fetch(`/feeds/technology.${format}`);
      expect(response.status).toBe(200);
      bodies.set(format, await response.text());
    }
    const contentTypes = { rss: "application/rss+xml", atom: "application/atom+xml", json: "application/feed+json" };
    const results = await feedparser(FORMATS.map((f) => ({ body: bodies.get(f)!, contentType: contentTypes[f] })));
    for (const [i, f] of FORMATS.entries()) parsed.set(f, results[i]!);
  });
  afterAll(() => gateway?.close());

  it.each(FORMATS)("%s: reads without a bozo flag, the items in the API's order, nothing that runs", (format) => {
    const feed = parsed.get(format)!;
    expect(feed.bozoException).toBeNull();
    expect(feed.entries.map((e) => e.link)).toEqual(ARTICLES.map((a) => a.url));
    expect(bodies.get(format)).not.toMatch(/javascript:|onload|\u0007/i);
    // JSON Feed's names are plain text (a reader escapes them as any text); XML's are escaped here.
    if (format !== "json") expect(bodies.get(format)).not.toMatch(/<script/i);
  });

  it("RSS: the first media file as the one enclosure, a dc:creator per author, the first address as <author>", () => {
    const [episode, note, hostile, plain] = parsed.get("rss")!.entries;
    expect(episode!.enclosures).toEqual([
      { href: "https://cdn.pod.example/ep1.mp3?token=a&b=c", type: "audio/mpeg", length: "3000000000" },
    ]);
    // RSS's enclosure needs a type and a length: unknown ones are said so.
    expect(note!.enclosures).toEqual([{ href: "https://cdn.pod.example/ep2.bin", type: "application/octet-stream", length: "0" }]);
    // The non-http file is left out; a type that is not one is replaced.
    expect(hostile!.enclosures).toEqual([{ href: "https://cdn.pod.example/ep3.ogg", type: "application/octet-stream", length: "20" }]);
    expect(plain!.enclosures).toEqual([]);
    expect(episode!.authors.map((a) => a.name)).toEqual(expect.arrayContaining(["Ann Lee", "Bo Ng"]));
    expect(episode!.authors).toContainEqual(expect.objectContaining({ name: "Ann Lee", email: "ann@pod.example.org" }));
    expect(plain!.author).toBe("Old Byline");
    const rss = bodies.get("rss")!;
    expect(rss).toContain("<author>ann@pod.example.org (Ann Lee)</author>");
    expect(rss).toContain("<author>desk@pod.example.org</author>");
    expect(rss.match(/<dc:creator[^>]*>(Ann Lee|Bo Ng)<\/dc:creator>/g)).toHaveLength(2);
    // An address that is not one is not written; the name is, as text.
    expect(rss).not.toContain("eve@x.org");
    expect(rss).toContain("Eve &lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("Atom: an enclosure link per media file with its own type and length, an <author> per author with name, email and uri", () => {
    const [episode, note, hostile, plain] = parsed.get("atom")!.entries;
    const media = (entry: ParsedFeed["entries"][number]) => entry.enclosures.filter((e) => !e.href.endsWith(".jpg"));
    expect(media(episode!)).toEqual([
      { href: "https://cdn.pod.example/ep1.mp3?token=a&b=c", type: "audio/mpeg", length: "3000000000" },
      { href: "https://cdn.pod.example/ep1.mp4", type: "video/mp4", length: null },
    ]);
    // The image is still an enclosure of its own, as before.
    expect(episode!.enclosures.map((e) => e.href)).toContain("https://cdn.pod.example/ep1.jpg");
    // Typed even when the source said nothing: readers take an untyped link for a web page.
    expect(media(note!)).toEqual([{ href: "https://cdn.pod.example/ep2.bin", type: "application/octet-stream", length: null }]);
    expect(media(hostile!)).toEqual([{ href: "https://cdn.pod.example/ep3.ogg", type: "application/octet-stream", length: "20" }]);
    expect(media(plain!)).toEqual([]);
    expect(episode!.authors.map((a) => a.name)).toEqual(["Ann Lee", "Bo Ng"]);
    expect(episode!.authors[0]).toEqual({ name: "Ann Lee", email: "ann@pod.example.org", href: "https://pod.example/people/ann?x=1&y=2" });
    // Atom needs a name: an author known by address alone is named by it.
    expect(note!.authors[0]).toMatchObject({ name: "desk@pod.example.org", email: "desk@pod.example.org" });
    expect(plain!.authors.map((a) => a.name)).toEqual(["Old Byline"]);
    const atom = bodies.get("atom")!;
    // Feedparser carries one author's address over to the next; the document gives Bo Ng none.
    expect(atom).toMatch(/<author>\s*<name>Bo Ng<\/name>\s*<\/author>/);
    expect(atom).not.toContain("contributor");
  });

  it("JSON Feed: attachments, authors (name and url) and each item's language", () => {
    const json = JSON.parse(bodies.get("json")!);
    const [episode, note, hostile, plain] = json.items;
    expect(episode.attachments).toEqual([
      {
        url: "https://cdn.pod.example/ep1.mp3?token=a&b=c",
        mime_type: "audio/mpeg",
        size_in_bytes: 3_000_000_000,
        duration_in_seconds: 3723,
      },
      { url: "https://cdn.pod.example/ep1.mp4", mime_type: "video/mp4" },
    ]);
    expect(episode.authors).toEqual([{ name: "Ann Lee", url: "https://pod.example/people/ann?x=1&y=2" }, { name: "Bo Ng" }]);
    expect(episode.language).toBe("en-US");
    expect(note.attachments).toEqual([
      { url: "https://cdn.pod.example/ep2.bin", mime_type: "application/octet-stream", duration_in_seconds: 61 },
    ]);
    // JSON Feed has no e-mail field: an author known by address alone is left out.
    expect(note.authors).toBeUndefined();
    expect(note.language).toBe("fr");
    expect(hostile.attachments).toEqual([
      { url: "https://cdn.pod.example/ep3.ogg", mime_type: "application/octet-stream", size_in_bytes: 20 },
    ]);
    expect(hostile.authors).toEqual([{ name: "Eve <script>alert(1)</script>" }]);
    expect(hostile.language).toBeUndefined();
    expect(plain.attachments).toBeUndefined();
    expect(plain.authors).toEqual([{ name: "Old Byline" }]);
  });

  it("carries what the API shows for the same articles", async () => {
    const { data, errors } = await gateway.query(
      `{ articles(section: "technology") { edges { node { url language authors { name } enclosures { url type length } } } } }`,
    );
    expect(errors).toBeUndefined();
    const api = data.articles.edges.map((e: any) => e.node);
    const json = JSON.parse(bodies.get("json")!);
    api.forEach((node: any, i: number) => {
      const item = json.items[i];
      expect(item.url).toBe(node.url);
      expect(item.language ?? null).toBe(node.language);
      expect((item.attachments ?? []).map((a: any) => a.url)).toEqual(node.enclosures.map((e: any) => e.url));
    });
    // The API leaves out what the feeds leave out: a media file that is not at an http(s) URL.
    expect(api[2].enclosures).toEqual([{ url: "https://cdn.pod.example/ep3.ogg", type: 'audio/ogg" onload="alert(1)', length: 20 }]);
  });
});
