import { describe, expect, it } from "vitest";
import type { Article } from "../../src/model/article.ts";
import { durationSeconds, enclosureLength, mimeType } from "../../src/ingest/enclosures.ts";
import { NormalizedItemMemo } from "../../src/ingest/item-memo.ts";
import { normalizeLanguage } from "../../src/ingest/language.ts";
import { normalizeFeed, normalizeItem, type NormalizeContext } from "../../src/ingest/normalize.ts";
import { parseJsonFeed, parseMappedJson } from "../../src/ingest/parse-json.ts";
import { emptyRawItem, type RawAuthor, type RawEnclosure, type RawFeed, type RawItem } from "../../src/model/raw-feed.ts";
import { mergeArticles } from "../../src/store/catalog/merge.ts";

const NOW = Date.parse("2026-11-28T12:00:00Z");
const CONTEXT: NormalizeContext = {
  sourceId: "s",
  defaultSection: "world",
  sections: [{ slug: "world", name: "World" }],
  feedUrl: "https://s.example/feed.xml",
  now: NOW,
};

const rawItem = (over: Partial<RawItem>): RawItem => ({ ...emptyRawItem(), title: "A story", link: "https://s.example/story", ...over });
const rawFeed = (items: RawItem[], over: Partial<RawFeed> = {}): RawFeed => ({
  title: "S",
  link: "https://s.example/",
  base: null,
  warning: null,
  ttlMinutes: null,
  language: null,
  authors: [],
  items,
  ...over,
});
const one = (item: Partial<RawItem>, feed: Partial<RawFeed> = {}): Article => {
  const raw = rawItem(item);
  return normalizeItem(raw, rawFeed([raw], feed), CONTEXT)!;
};
const author = (name: string | null, email: string | null = null, url: string | null = null): RawAuthor => ({ name, email, url });
const enclosure = (url: string, over: Partial<RawEnclosure> = {}): RawEnclosure => ({
  url,
  type: null,
  length: null,
  duration: null,
  ...over,
});

describe("authors as real feeds write them", () => {
  it("an RSS author written 'e-mail (Name)' shows the name and keeps the e-mail", () => {
    const article = one({ authors: [author("writer@example.com (Writer)")] });
    expect(article.authors).toEqual([{ name: "Writer", email: "writer@example.com", url: null }]);
    expect(article.author).toBe("Writer");
  });

  it("a mail-style 'Name <e-mail>' author shows the name", () => {
    expect(one({ authors: [author("Writer <writer@example.com>")] }).authors).toEqual([
      { name: "Writer", email: "writer@example.com", url: null },
    ]);
    expect(one({ authors: [author("Writer (writer@example.com)")] }).authors).toEqual([
      { name: "Writer", email: "writer@example.com", url: null },
    ]);
  });

  it("an author given only as an e-mail address is an e-mail, never a byline", () => {
    const article = one({ authors: [author("writer@example.com")] });
    expect(article.authors).toEqual([{ name: null, email: "writer@example.com", url: null }]);
    expect(article.author).toBeNull();
  });

  it("an e-mail given apart from the name is kept with it", () => {
    expect(one({ authors: [author("Writer", "writer@example.com")] }).authors).toEqual([
      { name: "Writer", email: "writer@example.com", url: null },
    ]);
  });

  it("author names with entities, markup and stray whitespace read as plain text", () => {
    expect(one({ authors: [author("  Ren&eacute;e\n  <b>Dupr&eacute;</b> ")] }).author).toBe("Renée Dupré");
  });

  it("an item with several authors has the first one's name as its byline, not a join of all", () => {
    const article = one({ authors: [author("Ada Reporter"), author("Bo Editor")] });
    expect(article.author).toBe("Ada Reporter");
    expect(article.authors.map((a) => a.name)).toEqual(["Ada Reporter", "Bo Editor"]);
  });

  it("an item that names no author has the feed's", () => {
    expect(one({}, { authors: [author("Feed Desk")] }).authors).toEqual([{ name: "Feed Desk", email: null, url: null }]);
    expect(one({ authors: [author("Own Writer")] }, { authors: [author("Feed Desk")] }).author).toBe("Own Writer");
  });

  it("the same author listed twice (in another case) is listed once, and empty authors are dropped", () => {
    const article = one({ authors: [author("Ada Reporter"), author("ADA REPORTER"), author("   "), author(null), author("<i></i>")] });
    expect(article.authors).toEqual([{ name: "Ada Reporter", email: null, url: null }]);
  });

  it("a newsroom listed as every item's authors is cut at 20, and a name that is a whole paragraph is cut", () => {
    const article = one({ authors: Array.from({ length: 50 }, (_, n) => author(`Writer ${n}`)).concat(author("word ".repeat(200))) });
    expect(article.authors).toHaveLength(20);
    expect(one({ authors: [author("word ".repeat(200))] }).author!.length).toBeLessThanOrEqual(201);
  });

  it("an author's page is an absolute http(s) link, resolved against the item's bases; other schemes are dropped", () => {
    expect(one({ authors: [author("Ada", null, "/people/ada")] }).authors[0]!.url).toBe("https://s.example/people/ada");
    expect(one({ authors: [author("Ada", null, "javascript:alert(1)")] }).authors[0]).toEqual({ name: "Ada", email: null, url: null });
  });

  it("an e-mail that is not an address is dropped, the name kept", () => {
    expect(one({ authors: [author("Ada", "not an address")] }).authors).toEqual([{ name: "Ada", email: null, url: null }]);
  });
});

describe("enclosures as real feeds write them", () => {
  it("a podcast episode's relative enclosure URL resolves like its link, and non-http(s) ones are dropped", () => {
    const article = one({
      base: "https://cdn.s.example/audio/",
      enclosures: [enclosure("ep1.mp3", { type: "audio/mpeg", length: "1234" }), enclosure("javascript:alert(1)"), enclosure("")],
    });
    expect(article.enclosures).toEqual([
      { url: "https://cdn.s.example/audio/ep1.mp3", type: "audio/mpeg", length: 1234, durationSeconds: null },
    ]);
  });

  it.each([["0"], [""], ["-5"], ["12 MB"], ["1.5"], ["1e9"], ["99999999999999999999"]])(
    "an enclosure length of %j is unknown",
    (length) => {
      expect(enclosureLength(length)).toBeNull();
    },
  );

  it.each([
    ["3600", 3600],
    ["1:02:03", 3723],
    ["62:03", 3723],
    ["1:02:03.5", 3723],
    ["00:45", 45],
    [" 90 ", 90],
    ["3600.9", 3600],
  ])("an itunes:duration of %j is %i seconds", (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });

  it.each([["0"], ["00:00:00"], [""], ["abc"], ["1:75:00"], ["1:2:3:4"], ["-30"], ["1h 2m"]])(
    "an itunes:duration of %j is unknown",
    (text) => {
      expect(durationSeconds(text)).toBeNull();
    },
  );

  it("a MIME type is lower-cased without its parameters; a file extension is not a type", () => {
    expect(mimeType("Audio/MPEG; charset=binary")).toBe("audio/mpeg");
    expect(mimeType("mp3")).toBeNull();
    expect(mimeType("audio/")).toBeNull();
  });

  it("the same file named by <enclosure> and media:content is one enclosure with what each says", () => {
    const article = one({
      enclosures: [
        enclosure("https://cdn.s.example/ep.mp3", { type: "audio/mpeg" }),
        enclosure("https://cdn.s.example/ep.mp3", { length: "99", duration: "1:00" }),
      ],
    });
    expect(article.enclosures).toEqual([{ url: "https://cdn.s.example/ep.mp3", type: "audio/mpeg", length: 99, durationSeconds: 60 }]);
  });

  it("an item with hundreds of media files keeps 20", () => {
    expect(one({ enclosures: Array.from({ length: 300 }, (_, n) => enclosure(`https://cdn.s.example/${n}.jpg`)) }).enclosures).toHaveLength(
      20,
    );
  });

  it("an item without media shares one empty list", () => {
    expect(one({}).enclosures).toBe(one({ title: "Another" }).enclosures);
    expect(one({}).authors).toBe(one({ title: "Another" }).authors);
  });
});

describe("languages as real feeds write them", () => {
  it.each([
    ["EN-us", "en-US"],
    ["en_US", "en-US"],
    ["zh-hant-tw", "zh-Hant-TW"],
    ["fr", "fr"],
    ["en-US, fr", "en-US"],
  ])("the language %j reads %j", (text, tag) => expect(normalizeLanguage(text)).toBe(tag));

  it.each([["English"], ["*"], ["x-pig-latin"], [""], ["und"], ["en--US"], ["12"]])("the language %j is no language tag", (text) => {
    expect(normalizeLanguage(text)).toBeNull();
  });

  it("an item's language wins over its feed's, and one that is not a tag gives way to the feed's", () => {
    expect(one({ language: "de-de" }, { language: "en-us" }).language).toBe("de-DE");
    expect(one({}, { language: "en-us" }).language).toBe("en-US");
    expect(one({ language: "Deutsch" }, { language: "en-us" }).language).toBe("en-US");
    expect(one({}).language).toBeNull();
  });
});

describe("what a feed's items are", () => {
  const ids = (articles: Article[]) => articles.map((a) => a.id);

  it("a daily page with one #anchor per post keeps every post", () => {
    const items = Array.from({ length: 50 }, (_, n) => rawItem({ title: `Post ${n}`, link: `https://s.example/2026/11/28#post-${n}` }));
    const { articles } = normalizeFeed(rawFeed(items), CONTEXT);
    expect(articles).toHaveLength(50);
    expect(new Set(ids(articles)).size).toBe(50);
    // And the catalog keeps them as 50 stories.
    expect(mergeArticles(articles)).toHaveLength(50);
  });

  it("podcast episodes without links of their own stay distinct episodes, shown under the feed's home page but never merged by it", () => {
    const items = Array.from({ length: 5 }, (_, n) =>
      rawItem({ title: `Episode ${n}`, link: null, guid: `episode-${n}`, enclosures: [enclosure(`https://cdn.s.example/${n}.mp3`)] }),
    );
    const { articles } = normalizeFeed(rawFeed(items), CONTEXT);
    expect(articles).toHaveLength(5);
    expect(articles.every((a) => a.url === "https://s.example/")).toBe(true);
    expect(new Set(articles.map((a) => a.canonicalUrl)).size).toBe(5);
    expect(new Set(ids(articles)).size).toBe(5);
    // Another source whose item links to the podcast's home page is another story.
    const home = normalizeItem(rawItem({ title: "Our podcast", link: "https://s.example/" }), rawFeed([]), {
      ...CONTEXT,
      sourceId: "other",
    })!;
    expect(mergeArticles([...articles, home])).toHaveLength(6);
  });

  it("items under one link with different guids (a live blog's updates) stay distinct, with ids that do not depend on their order", () => {
    const items = [1, 2, 3].map((n) => rawItem({ title: `Update ${n}`, link: "https://s.example/live", guid: `live-${n}` }));
    const forward = normalizeFeed(rawFeed(items), CONTEXT).articles;
    const backward = normalizeFeed(rawFeed([...items].reverse()), CONTEXT).articles;
    expect(forward).toHaveLength(3);
    expect(new Set(ids(forward)).size).toBe(3);
    expect(ids(backward)).toEqual(ids(forward).reverse());
  });

  it("items under one link without guids but with different titles stay distinct", () => {
    const items = ["Morning", "Evening"].map((title) => rawItem({ title, link: "https://s.example/briefing" }));
    expect(normalizeFeed(rawFeed(items), CONTEXT).articles.map((a) => a.title)).toEqual(["Morning", "Evening"]);
  });

  it("a feed that gives every item the same guid keeps items with different links", () => {
    const items = [1, 2].map((n) => rawItem({ title: `Story ${n}`, link: `https://s.example/${n}`, guid: "post" }));
    expect(normalizeFeed(rawFeed(items), CONTEXT).articles).toHaveLength(2);
  });

  it("an item written twice (same guid, link and title, or no guid and the same link and title) keeps its first copy", () => {
    const sameGuid = [
      rawItem({ guid: "g1", title: "Same", summaryHtml: "first copy" }),
      rawItem({ guid: "g1", title: "Same", summaryHtml: "second copy" }),
    ];
    expect(normalizeFeed(rawFeed(sameGuid), CONTEXT).articles.map((a) => a.summary)).toEqual(["first copy"]);
    const sameLink = [rawItem({ summaryHtml: "one" }), rawItem({ summaryHtml: "two" })];
    expect(normalizeFeed(rawFeed(sameLink), CONTEXT).articles.map((a) => a.summary)).toEqual(["one"]);
    const noLink = [rawItem({ link: null, published: "2026-11-27" }), rawItem({ link: null, published: "2026-11-27" })];
    expect(normalizeFeed(rawFeed(noLink), CONTEXT).articles).toHaveLength(1);
  });

  it("a FeedBurner proxy that gives four stories one guid and one link keeps four stories", () => {
    const proxied = ["Single-Session Primary Schools", "Work Plan Seminar 2009", "Recognising School Achievements"].map((title) =>
      rawItem({ guid: "http://www.moe.gov.sg/media/spotlight/", link: "http://feedproxy.google.com/~r/spotlight/~3/vnNsA4Hdk6U/", title }),
    );
    const articles = normalizeFeed(rawFeed(proxied), CONTEXT).articles;
    expect(articles.map((a) => a.title)).toEqual([
      "Single-Session Primary Schools",
      "Work Plan Seminar 2009",
      "Recognising School Achievements",
    ]);
    expect(new Set(ids(articles)).size).toBe(3);
    // Their ids do not depend on the order the feed lists them in.
    expect(new Set(ids(normalizeFeed(rawFeed([...proxied].reverse()), CONTEXT).articles))).toEqual(new Set(ids(articles)));
  });

  it("ids stay the same from one read to the next, with or without the memo, when new items arrive", () => {
    const memo = new NormalizedItemMemo();
    const items = [1, 2].map((n) => rawItem({ title: `Update ${n}`, link: "https://s.example/live", guid: `live-${n}` }));
    const first = normalizeFeed(rawFeed(items), CONTEXT, memo);
    const second = normalizeFeed(
      rawFeed([rawItem({ title: "Update 3", link: "https://s.example/live", guid: "live-3" }), ...items]),
      CONTEXT,
      memo,
    );
    expect(ids(second.articles).slice(1)).toEqual(ids(first.articles));
    expect(second).toEqual(
      normalizeFeed(rawFeed([rawItem({ title: "Update 3", link: "https://s.example/live", guid: "live-3" }), ...items]), CONTEXT),
    );
    // An item whose id was set apart is a distinct article in the hashes too.
    expect(new Set(second.articleHashes).size).toBe(3);
  });

  it("a story two sources carry under the same link keeps one id in both", () => {
    const a = one({ link: "https://wire.example/x" });
    const b = normalizeItem(rawItem({ link: "https://wire.example/x?utm_source=rss" }), rawFeed([]), { ...CONTEXT, sourceId: "other" })!;
    expect(a.id).toBe(b.id);
  });

  it("bad input never crashes normalizing", () => {
    const junk = rawItem({
      authors: [author("<<<@@@>>>", "@", "http://[::1"), author("(((", "a@b (c)"), author("\u0000\u0085")],
      enclosures: [enclosure("http://[bad", { type: "////", length: "∞", duration: ":::" }), enclosure(" ", { duration: "9".repeat(400) })],
      language: "-".repeat(1000),
    });
    expect(() => normalizeFeed(rawFeed([junk, junk], { language: "\u0000", authors: [author("&#0;")] }), CONTEXT)).not.toThrow();
  });
});

describe("JSON Feed as real feeds write it", () => {
  const jsonFeed = (items: unknown[], feed: Record<string, unknown> = {}) =>
    parseJsonFeed({ version: "https://jsonfeed.org/version/1.1", home_page_url: "https://j.example/", items, ...feed });
  const article = (item: Record<string, unknown>, feed: Record<string, unknown> = {}) =>
    normalizeFeed(jsonFeed([{ id: "1", url: "https://j.example/1", ...item }], feed), CONTEXT).articles[0]!;

  it("a JSON Feed title with HTML entities reads as the text they stand for, decoded once", () => {
    expect(article({ title: "&#8216;Jokes&#8217; &amp; more" }).title).toBe("‘Jokes’ & more");
    expect(article({ title: "AT&T &amp;amp; friends" }).title).toBe("AT&T &amp; friends");
  });

  it("a JSON Feed title that mentions a tag keeps it as text", () => {
    expect(article({ title: "Use the <meta> tag" }).title).toBe("Use the <meta> tag");
  });

  it("a JSON Feed summary with HTML entities reads as the text they stand for", () => {
    expect(article({ title: "T", summary: "Fish &amp; chips &#8211; cheap" }).summary).toBe("Fish & chips – cheap");
  });

  it("JSON Feed 1.1 authors (avatar ignored) and 1.0 author are the item's, else the feed's", () => {
    expect(
      article({ title: "T", authors: [{ name: "Ada", url: "https://j.example/ada", avatar: "https://j.example/ada.png" }] }).authors,
    ).toEqual([{ name: "Ada", email: null, url: "https://j.example/ada" }]);
    expect(article({ title: "T", author: { name: "Bo" } }).author).toBe("Bo");
    expect(article({ title: "T" }, { authors: [{ name: "Desk" }] }).author).toBe("Desk");
  });

  it("JSON Feed item and feed language", () => {
    expect(article({ title: "T", language: "fr-ca" }, { language: "en-US" }).language).toBe("fr-CA");
    expect(article({ title: "T" }, { language: "en_gb" }).language).toBe("en-GB");
  });

  it("JSON Feed attachments are enclosures; an image attachment is also the picture", () => {
    const a = article({
      title: "T",
      attachments: [
        { url: "/ep.m4a", mime_type: "audio/x-m4a", size_in_bytes: 89970236, duration_in_seconds: 6629 },
        { url: "https://j.example/cover.jpg", mime_type: "image/jpeg", size_in_bytes: 0 },
        { mime_type: "audio/mpeg" },
      ],
    });
    expect(a.enclosures).toEqual([
      { url: "https://j.example/ep.m4a", type: "audio/x-m4a", length: 89970236, durationSeconds: 6629 },
      { url: "https://j.example/cover.jpg", type: "image/jpeg", length: null, durationSeconds: null },
    ]);
    expect(a.image?.url).toBe("https://j.example/cover.jpg");
  });

  it("a mapped JSON API's author strings are read as RSS authors are", () => {
    const feed = parseMappedJson(
      { results: [{ id: 1, title: "T", url: "https://m.example/1", by: ["writer@example.com (Writer)", "Ed <ed@example.com>"] }] },
      { items: "results", id: "id", title: "title", url: "url", author: "by" },
    );
    const [a] = normalizeFeed(feed, CONTEXT).articles;
    expect(a!.authors).toEqual([
      { name: "Writer", email: "writer@example.com", url: null },
      { name: "Ed", email: "ed@example.com", url: null },
    ]);
    expect(a!.author).toBe("Writer");
  });

  it("bad JSON Feed values never crash", () => {
    expect(() =>
      normalizeFeed(
        jsonFeed(
          [
            {
              id: 1,
              title: 5,
              language: ["x"],
              authors: "Ada",
              attachments: [null, 5, { url: 7 }, { url: "x", size_in_bytes: "big", duration_in_seconds: -1 }],
            },
          ],
          { language: 3, authors: [null] },
        ),
        CONTEXT,
      ),
    ).not.toThrow();
  });
});

describe("the memo's size", () => {
  it("counts the authors and enclosures of the articles it keeps", () => {
    const plain = new NormalizedItemMemo();
    normalizeFeed(rawFeed([rawItem({})]), CONTEXT, plain);
    const rich = new NormalizedItemMemo();
    normalizeFeed(
      rawFeed([rawItem({ authors: [author("A".repeat(100))], enclosures: [enclosure(`https://s.example/${"e".repeat(1000)}.mp3`)] })]),
      CONTEXT,
      rich,
    );
    // The enclosure's URL, the author's name and the byline, two bytes a character.
    expect(rich.bytes - plain.bytes).toBeGreaterThanOrEqual(2 * (1000 + 100 + 100));
  });
});
