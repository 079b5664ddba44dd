import { describe, expect, it } from "vitest";
import { parseBody } from "../../src/ingest/parse-body.ts";
import { parseXmlFeed } from "../../src/ingest/parse-xml.ts";
import type { RawFeed } from "../../src/model/raw-feed.ts";

/**
 * One test per fault real feeds showed (as miniflux names its tests): each
 * feed below is the smallest document with the quirk, written the way the
 * real feed that had it was written.
 */
const ATOM = "http://www.w3.org/2005/Atom";
const rss = (items: string, channel = "", rootAttributes = "") =>
  `<?xml version="1.0"?><rss version="2.0"${rootAttributes}><channel><title>T</title><link>https://example.com/</link>${channel}${items}</channel></rss>`;
const atom = (entries: string, feed = "", rootAttributes = "") =>
  `<?xml version="1.0"?><feed xmlns="${ATOM}"${rootAttributes}><title>T</title>${feed}${entries}</feed>`;
const item = async (xml: string, index = 0) => {
  const feed = await parseXmlFeed(xml);
  expect(feed.items.length, "items read").toBeGreaterThan(index);
  return feed.items[index]!;
};

describe("mixed content is read in document order", () => {
  it("Atom xhtml content keeps its text around its elements", async () => {
    const entry = await item(
      atom(
        `<entry><id>1</id><title>t</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">This is <b>XHTML</b> content.</div></content></entry>`,
      ),
    );
    expect(entry.contentHtml).toBe("This is <b>XHTML</b> content.");
  });

  it("an RSS description with unescaped inline elements keeps its order", async () => {
    const entry = await item(
      rss(
        `<item><title>t</title><description>A super time to test <a href="https://example.com/collar">Sentry's collar</a>!</description></item>`,
      ),
    );
    expect(entry.summaryHtml).toBe(`A super time to test <a href="https://example.com/collar">Sentry&#39;s collar</a>!`);
  });

  it("an xhtml title stays the title, its words in order", async () => {
    const entry = await item(
      atom(
        `<entry><id>1</id><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Less: <em>&lt;</em> and more</div></title><summary>S</summary></entry>`,
      ),
    );
    expect(entry.title).toBe("Less: <em>&lt;</em> and more");
    expect(entry.summaryHtml).toBe("S");
  });

  it("XHTML under a prefix is written as plain HTML elements", async () => {
    const entry = await item(
      atom(
        `<entry><id>1</id><title>t</title><content type="xhtml"><x:div xmlns:x="http://www.w3.org/1999/xhtml"><x:p>One <x:i>two</x:i></x:p><x:p>three</x:p></x:div></content></entry>`,
      ),
    );
    expect(entry.contentHtml).toBe("<p>One <i>two</i></p><p>three</p>");
  });

  it("a writer's unclosed <br> in a description does not swallow the text after it", async () => {
    const feed = await parseXmlFeed(rss(`<item><title>t</title><description>first<br>second<br>third</description></item>`));
    expect(feed.items[0]!.summaryHtml).toBe("first<br>second<br>third");
    expect(feed.warning).toMatch(/read leniently/);
  });

  it("mixed XHTML nested several levels keeps every run of text in place", async () => {
    const entry = await item(
      atom(
        `<entry><id>1</id><title>t</title><summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">a<p>b<span>c</span>d</p>e</div></summary></entry>`,
      ),
    );
    expect(entry.summaryHtml).toBe("a<p>b<span>c</span>d</p>e");
  });

  it("Atom content typed by a binary media type is base64 and is decoded", async () => {
    const entry = await item(
      atom(`<entry><id>1</id><title>t</title><content type="application/octet-stream">RW50cnkgQ29udGVudA==</content></entry>`),
    );
    expect(entry.contentHtml).toBe("Entry Content");
  });
});

describe("namespaces are matched by URI, not by prefix", () => {
  it(".NET's a10:link and a10:author inside RSS are Atom's", async () => {
    const entry = await item(
      rss(
        `<item><guid isPermaLink="false">42</guid><a10:link href="https://example.com/a/42" /><a10:author><a10:name>Ann Writer</a10:name><a10:email>ann@example.com</a10:email></a10:author><title>t</title></item>`,
        "",
        ` xmlns:a10="${ATOM}"`,
      ),
    );
    expect(entry.link).toBe("https://example.com/a/42");
    expect(entry.authors).toEqual([{ name: "Ann Writer", email: "ann@example.com", url: null }]);
  });

  it("an Atom feed whose writer chose the prefix p0 is an Atom feed", async () => {
    const feed = await parseXmlFeed(
      `<p0:feed xmlns:p0="${ATOM}"><p0:title>Prefixed</p0:title><p0:entry><p0:id>urn:1</p0:id><p0:title>One</p0:title><p0:link href="https://example.com/1"/></p0:entry></p0:feed>`,
    );
    expect(feed.title).toBe("Prefixed");
    expect(feed.items.map((i) => [i.guid, i.title, i.link])).toEqual([["urn:1", "One", "https://example.com/1"]]);
  });

  it("an Atom link made the default namespace of one element inside RSS", async () => {
    const entry = await item(
      rss(`<item><title>t</title><link xmlns="${ATOM}" rel="alternate" href="https://example.com/default-ns" /></item>`),
    );
    expect(entry.link).toBe("https://example.com/default-ns");
  });

  it("Dublin Core under a writer's own prefix", async () => {
    const entry = await item(
      rss(
        `<item><title>t</title><purl:creator>Jo Doe</purl:creator><purl:date>2024-05-01T10:00:00Z</purl:date></item>`,
        "",
        ` xmlns:purl="http://purl.org/dc/elements/1.1/"`,
      ),
    );
    expect(entry.authors.map((a) => a.name)).toEqual(["Jo Doe"]);
    expect(entry.published).toBe("2024-05-01T10:00:00Z");
  });

  it("a familiar prefix bound to another vocabulary is not read as the familiar one", async () => {
    const entry = await item(
      rss(
        `<item><title>t</title><media:content url="https://example.com/not-an-image.png" /></item>`,
        "",
        ` xmlns:media="https://example.com/not-media-rss"`,
      ),
    );
    expect(entry.images).toEqual([]);
  });

  it("RSS 1.0 elements in the RSS 1.0 namespace under a prefix", async () => {
    const feed = await parseXmlFeed(
      `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:r="http://purl.org/rss/1.0/"><r:channel rdf:about="https://example.com/"><r:title>R</r:title><r:link>https://example.com/</r:link></r:channel><r:item rdf:about="https://example.com/1"><r:title>One</r:title><r:link>https://example.com/1</r:link></r:item></rdf:RDF>`,
    );
    expect(feed.title).toBe("R");
    expect(feed.items.map((i) => [i.title, i.link])).toEqual([["One", "https://example.com/1"]]);
  });
});

describe("recoverable documents are recovered; cut-off ones keep only complete items", () => {
  it("a Mastodon feed missing </channel> keeps every item", async () => {
    const xml = `<?xml version="1.0"?><rss version="2.0"><channel><title>M</title><item><guid>https://social.example/1</guid><description>one</description></item><item><guid>https://social.example/2</guid><description>two</description></item></rss>`;
    const feed = await parseXmlFeed(xml);
    expect(feed.items.map((i) => i.guid)).toEqual(["https://social.example/1", "https://social.example/2"]);
    expect(feed.warning).toMatch(/<channel> is not closed/);
  });

  it("an unclosed iTunes element inside an item closes with its item", async () => {
    const xml = rss(
      `<item><title>Ep 1</title><itunes:image href="https://example.com/1.jpg"></item><item><title>Ep 2</title></item>`,
      "",
      ` xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"`,
    );
    const feed = await parseXmlFeed(xml);
    expect(feed.items.map((i) => i.title)).toEqual(["Ep 1", "Ep 2"]);
    expect(feed.items[0]!.images).toEqual([{ url: "https://example.com/1.jpg" }]);
  });

  it("items after an unclosed iTunes category are the channel's items, not the category's", async () => {
    const xml = rss(
      `<itunes:category text="Technology"><itunes:category text="Gadgets"/><item><title>One</title></item><item><title>Two</title></item>`,
      "",
      ` xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"`,
    );
    const feed = await parseXmlFeed(xml);
    expect(feed.items.map((i) => i.title)).toEqual(["One", "Two"]);
    expect(feed.warning).toMatch(/<itunes:category> is not closed/);
  });

  it("a document cut off mid-item keeps its complete items and leaves the unfinished one out", async () => {
    const whole = rss(
      `<item><title>whole</title><link>https://example.com/whole</link></item><item><title>cut off</title><link>https://exa`,
    );
    const cut = whole.slice(0, whole.lastIndexOf("https://exa") + "https://exa".length);
    const feed = await parseXmlFeed(cut);
    expect(feed.items.map((i) => i.title)).toEqual(["whole"]);
    expect(feed.warning).toMatch(/cut off inside an item: the 1 complete item kept, the unfinished one left out/);
  });

  it("a document cut off inside its last end tag still says it was cut off", async () => {
    const feed = await parseXmlFeed(rss(`<item><title>one</title></item>`).replace(/<\/rss>$/, "</rss"));
    expect(feed.items).toHaveLength(1);
    expect(feed.warning).toMatch(/ends inside a tag/);
  });

  it("a stray end tag is skipped", async () => {
    const feed = await parseXmlFeed(rss(`<item><title>one</title></b></item>`));
    expect(feed.items.map((i) => i.title)).toEqual(["one"]);
    expect(feed.warning).toMatch(/<\/b> closes nothing/);
  });

  it("a bare & in a link stays an &", async () => {
    const feed = await parseXmlFeed(rss(`<item><title>t</title><link>https://example.com/?a=1&b=2</link></item>`));
    expect(feed.items[0]!.link).toBe("https://example.com/?a=1&b=2");
    expect(feed.warning).toMatch(/bare &/);
  });

  it("HTML's named entities read as their characters, an unknown one stays as written", async () => {
    const feed = await parseXmlFeed(rss(`<item><title>caf&eacute;&nbsp;au &bogus; lait</title></item>`));
    expect(feed.items[0]!.title).toBe("café\u00a0au &bogus; lait");
  });

  it("a document with a thousand different faults names the first eight and counts the rest", async () => {
    const stray = Array.from({ length: 1000 }, (_, n) => `</x${n}>`).join("");
    const feed = await parseXmlFeed(rss(`<item><title>t</title>${stray}</item>`));
    expect(feed.items).toHaveLength(1);
    const named = feed.warning!.match(/<\/x\d+> closes nothing open/g) ?? [];
    expect(named).toHaveLength(8);
    expect(feed.warning).toMatch(/; and 99\d more\)$/);
  });

  it("a well-formed feed reads without a warning", async () => {
    const feed = await parseXmlFeed(rss(`<item><title>a &amp; b</title><description><![CDATA[<p>x</p>]]></description></item>`));
    expect(feed.warning).toBeNull();
    expect(feed.items[0]!.summaryHtml).toBe("<p>x</p>");
  });

  it("nesting past the limit is refused with a code", async () => {
    await expect(parseXmlFeed(rss(`<item>${"<x>".repeat(300)}</item>`))).rejects.toMatchObject({
      code: "PARSE_ERROR",
      message: expect.stringContaining("nests deeper"),
    });
  });
});

describe("podcast and media fields", () => {
  const ITUNES = ` xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:media="http://search.yahoo.com/mrss/"`;

  it("an episode with only iTunes' summary has it as its summary", async () => {
    const entry = await item(
      rss(
        `<item><title>Ep</title><itunes:summary>What we talk about</itunes:summary><itunes:subtitle>Short</itunes:subtitle></item>`,
        "",
        ITUNES,
      ),
    );
    expect(entry.summaryHtml).toBe("What we talk about");
  });

  it("an episode with only iTunes' subtitle has it as its summary", async () => {
    const entry = await item(rss(`<item><title>Ep</title><itunes:subtitle>Short</itunes:subtitle></item>`, "", ITUNES));
    expect(entry.summaryHtml).toBe("Short");
  });

  it("an episode's enclosure keeps its type, length and iTunes duration", async () => {
    const entry = await item(
      rss(
        `<item><title>Ep</title><enclosure url="https://cdn.example/ep1.mp3" length="12345678" type="audio/mpeg"/><itunes:duration>1:02:03</itunes:duration></item>`,
        "",
        ITUNES,
      ),
    );
    expect(entry.enclosures).toEqual([{ url: "https://cdn.example/ep1.mp3", type: "audio/mpeg", length: "12345678", duration: "1:02:03" }]);
  });

  it("Atom enclosure links and Media RSS video are enclosures; images stay images", async () => {
    const entry = await item(
      atom(
        `<entry><id>1</id><title>t</title><link rel="enclosure" href="https://cdn.example/a.ogg" type="audio/ogg" length="99"/><media:content url="https://cdn.example/v.mp4" type="video/mp4" fileSize="5" duration="61"/><media:content url="https://cdn.example/i.jpg" medium="image"/></entry>`,
        "",
        ` xmlns:media="http://search.yahoo.com/mrss/"`,
      ),
    );
    expect(entry.enclosures).toEqual([
      { url: "https://cdn.example/a.ogg", type: "audio/ogg", length: "99", duration: null },
      { url: "https://cdn.example/v.mp4", type: "video/mp4", length: "5", duration: "61" },
    ]);
    expect(entry.images.map((i) => i.url)).toEqual(["https://cdn.example/i.jpg"]);
  });

  it("a YouTube entry's title and description in media:group", async () => {
    const entry = await item(
      atom(
        `<entry><id>yt:video:1</id><media:group><media:title>Video title</media:title><media:description>About the video</media:description></media:group></entry>`,
        "",
        ` xmlns:media="http://search.yahoo.com/mrss/"`,
      ),
    );
    expect(entry.title).toBe("Video title");
    expect(entry.summaryHtml).toBe("About the video");
  });
});

describe("text fields and links", () => {
  it("of several alternate links, the web one wins over a gemini: one", async () => {
    const entry = await item(
      atom(
        `<entry><id>1</id><title>t</title><link rel="alternate" href="gemini://example.com/post"/><link rel="alternate" href="https://example.com/post"/></entry>`,
      ),
    );
    expect(entry.link).toBe("https://example.com/post");
  });

  it("links of other relations (current, self, related) are never the page", async () => {
    const feed = await parseXmlFeed(
      atom(
        `<entry><id>urn:1</id><title>t</title><link rel="self" href="https://example.com/feed/entries/1"/><link rel="related" href="https://elsewhere.example/"/></entry>`,
        `<link rel="current" href="https://example.com/feed/"/><link rel="self" href="https://example.com/feed/"/>`,
      ),
    );
    expect(feed.link).toBeNull();
    expect(feed.items[0]!.link).toBeNull();
  });

  it("an Atom entry document is read as a feed of that one entry", async () => {
    const { format, feed } = await parseBody(
      `<?xml version="1.0"?><entry xmlns="${ATOM}"><id>urn:e</id><title>Lone entry</title><link href="https://example.com/e"/></entry>`,
      "application/atom+xml",
      "auto",
    );
    expect(format).toBe("atom");
    expect(feed.items.map((i) => [i.guid, i.title, i.link])).toEqual([["urn:e", "Lone entry", "https://example.com/e"]]);
  });

  it("an RSS author is kept as written, for normalizing to read apart", async () => {
    const entry = await item(rss(`<item><title>t</title><author>writer@example.com (Writer)</author></item>`));
    expect(entry.authors).toEqual([{ name: "writer@example.com (Writer)", email: null, url: null }]);
  });

  it("Atom authors keep their name, e-mail and page; the feed's authors are the feed's", async () => {
    const feed = await parseXmlFeed(
      atom(
        `<entry><id>1</id><title>t</title><author><name>A</name><email>a@example.com</email><uri>https://example.com/a</uri></author><author><name>B</name></author></entry>`,
        `<author><name>Feed Owner</name></author>`,
      ),
    );
    expect(feed.items[0]!.authors).toEqual([
      { name: "A", email: "a@example.com", url: "https://example.com/a" },
      { name: "B", email: null, url: null },
    ]);
    expect(feed.authors).toEqual([{ name: "Feed Owner", email: null, url: null }]);
  });

  it("an Atom feed wrapped in an XHTML page is read as that feed", async () => {
    const page = `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>Page</title></head><body><feed xmlns="${ATOM}"><title>Inner</title><entry><id>urn:1</id><title>Wrapped</title><link href="https://example.com/w"/></entry></feed></body></html>`;
    const { format, feed } = await parseBody(page, "application/xhtml+xml", "auto");
    expect(format).toBe("atom");
    expect(feed.title).toBe("Inner");
    expect(feed.items.map((i) => i.title)).toEqual(["Wrapped"]);
  });

  it("an HTML page that holds no feed is still refused", async () => {
    await expect(parseBody(`<!DOCTYPE html><html><body><p>not a feed</p></body></html>`, "text/html", "auto")).rejects.toMatchObject({
      code: "UNSUPPORTED_FORMAT",
    });
  });
});

describe("languages", () => {
  it("xml:lang on the feed, on an item, and RSS's <language>", async () => {
    const feed: RawFeed = await parseXmlFeed(
      atom(`<entry xml:lang="fr-CA"><id>1</id><title>t</title></entry><entry><id>2</id><title>u</title></entry>`, "", ` xml:lang="en-US"`),
    );
    expect(feed.language).toBe("en-US");
    expect(feed.items.map((i) => i.language)).toEqual(["fr-CA", null]);
    const channel = await parseXmlFeed(
      rss(
        `<item><title>t</title><dc:language>de</dc:language></item>`,
        "<language>nl-be</language>",
        ` xmlns:dc="http://purl.org/dc/elements/1.1/"`,
      ),
    );
    expect(channel.language).toBe("nl-be");
    expect(channel.items[0]!.language).toBe("de");
  });
});
