import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

const feed = (name: string) => readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url));

const MARKET_MAP = {
  items: "response.results",
  id: "id",
  title: "webTitle",
  url: "webUrl",
  publishedAt: "webPublicationDate",
  summary: "fields.trailText",
  section: "sectionName",
  tags: "tags[].webTitle",
  comments: "fields.commentCount",
};

const EVERYTHING = `{
  articles(first: 100) {
    totalCount
    edges { cursor node {
      id title summary contentHtml url canonicalUrl author publishedAt readingTimeMinutes tags commentCount
      image { url width height }
      section { slug name }
      sources { sourceId name status { ok } }
      related(first: 3) { score reason article { id title } }
    } }
  }
  sources { sourceId status { ok errorCode lastError itemCount format lastFetchedAt } }
}`;

describe("a gateway over every format", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;
  let answer: { data?: any; errors?: any[] };

  beforeAll(async () => {
    upstream = await startFixtureServer({
      "/wire.rss": serveBody(feed("wire.rss"), "application/rss+xml"),
      "/digest.atom": serveBody(feed("digest.atom"), "application/atom+xml"),
      "/desk.json": serveBody(feed("desk.json"), "application/feed+json"),
      "/market.json": serveBody(feed("market.json"), "application/json"),
      // The header names the charset; the bytes are Latin-1.
      "/brief.rdf": serveBody(feed("brief.rdf"), "application/rdf+xml; charset=ISO-8859-1"),
    });
    gateway = await openGateway({
      sources: [
        { id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" },
        { id: "digest", name: "Digest", url: upstream.url("/digest.atom"), section: "startups" },
        { id: "desk", name: "Desk", url: upstream.url("/desk.json"), section: "science" },
        { id: "market", name: "Market", url: upstream.url("/market.json"), section: "business", format: "json", map: MARKET_MAP },
        { id: "brief", name: "Brief", url: upstream.url("/brief.rdf"), section: "business" },
      ],
    });
    answer = await gateway.query(EVERYTHING);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const article = (title: RegExp) => {
    const edge = answer.data.articles.edges.find((e: any) => title.test(e.node.title));
    expect(edge, `an article titled ${title}`).toBeDefined();
    return edge.node;
  };

  it("answers one query over all sources with exactly one upstream request per source", async () => {
    expect(answer.errors).toBeUndefined();
    for (const path of ["/wire.rss", "/digest.atom", "/desk.json", "/market.json", "/brief.rdf"]) expect(upstream.hits(path)).toBe(1);
    expect(answer.data.sources.map((s: any) => [s.sourceId, s.status.ok, s.status.format])).toEqual([
      ["wire", true, "RSS"],
      ["digest", true, "ATOM"],
      ["desk", true, "JSONFEED"],
      ["market", true, "JSON"],
      ["brief", true, "RDF"],
    ]);
  });

  it("makes no upstream request for a second query within the TTL", async () => {
    const before = upstream.totalHits();
    const again = await gateway.query(EVERYTHING);
    expect(again.data.articles.totalCount).toBe(answer.data.articles.totalCount);
    expect(upstream.totalHits()).toBe(before);
  });

  it("merges a story that two sources carry under URLs differing by case, tracking parameters and fragment", () => {
    const chips = answer.data.articles.edges.filter((e: any) => e.node.title === "Chip export controls tighten again");
    expect(chips).toHaveLength(1);
    const node = chips[0].node;
    expect(node.sources.map((s: any) => s.sourceId)).toEqual(["wire", "digest"]);
    expect(node.canonicalUrl).toBe("https://wire.example/2026/10/chips");
    // The earliest date wins: 09:00 EST is 14:00Z, the Atom copy 12:30+02:00 is 10:30Z.
    expect(node.publishedAt).toBe("2026-10-06T10:30:00.000Z");
    // The richest values: the RSS copy's body and its larger image.
    expect(node.image).toEqual({ url: "https://wire.example/img/chips-large.jpg", width: 1280, height: 720 });
    expect(node.author).toBe("Ada Reporter");
  });

  it("reads comment counts from slash:comments, thr:total, a replies link and a mapped field, keeping the largest on a merge", () => {
    expect(article(/^Chip export controls/).commentCount).toBe(30); // 12 (slash) and 30 (thr:total)
    expect(article(/^Battery startup/).commentCount).toBe(4); // thr:count on the replies link
    expect(article(/^Payments startup seed/).commentCount).toBe(7); // mapped JSON
    expect(article(/^Datacenter GPUs/).commentCount).toBeNull();
  });

  it("keeps apart stories whose URLs differ in their path", () => {
    expect(article(/^Seed round for a payments startup$/).sources).toHaveLength(1);
    expect(article(/^Payments startup seed round/).sources).toHaveLength(1);
  });

  it("files items under the section their category names, by slug or by name", () => {
    expect(article(/^Seed round/).section.slug).toBe("startups"); // category "Startups" (a name)
    expect(article(/^Battery startup/).section.slug).toBe("technology"); // category "Technology"
    expect(article(/^Payments startup seed/).section.slug).toBe("startups"); // mapped sectionName
    expect(article(/^Markets shrug/).section.slug).toBe("business"); // unknown name: the source's default
    expect(article(/^Ocean heat/).section).toEqual({ slug: "science", name: "Science" });
  });

  it("decodes an ISO-8859-1 feed by its declared charset", () => {
    const brief = article(/Zürich/);
    expect(brief.title).toBe("Café owners in Zürich bet on São Tomé cocoa");
    expect(brief.summary).toBe("Müller & Söhne roast beans from São Tomé.");
    expect(brief.author).toBe("Renée Dupré");
  });

  it("resolves relative links against the feed's link and xml:base", () => {
    expect(article(/^Seed round/).url).toBe("https://wire.example/2026/10/payments-seed");
    const battery = article(/^Battery startup/);
    expect(battery.url).toBe("https://digest.example/blog/posts/battery-output");
    expect(battery.contentHtml).toContain('href="https://digest.example/blog/specs.html"');
  });

  it("serves plain-text titles and summaries with entities decoded once", () => {
    expect(article(/^Battery startup/).title).toBe("Battery startup doubles output");
    // XML decodes one level, HTML the next; a third level stays as the publisher escaped it.
    expect(article(/^Datacenter GPUs/).summary).toBe("An explainer on datacenter GPU export controls: licences & the &lt;GPU&gt; rule.");
    for (const { node } of answer.data.articles.edges) {
      expect(node.title).not.toMatch(/<[a-z/]/i);
      expect(node.summary ?? "").not.toMatch(/<[a-z/]/i);
    }
  });

  it("sanitizes content: no script, no event handler, no javascript: URL; relative links made absolute", () => {
    const html: string = article(/^Chip export controls/).contentHtml;
    expect(html).toContain("Regulators met chipmakers on GPU export controls.");
    expect(html).not.toMatch(/<script|alert\('x'\)|onclick|onerror|javascript:/i);
    expect(html).toContain('href="https://wire.example/docs/memo.pdf"');
    expect(html).toContain('src="https://wire.example/news/img/chart.png"');
  });

  it("gives every article an absolute URL, a reading time and its related articles, never itself", () => {
    for (const { node } of answer.data.articles.edges) {
      expect(node.url).toMatch(/^https?:\/\//);
      expect(node.readingTimeMinutes).toBeGreaterThanOrEqual(1);
      for (const related of node.related) {
        expect(related.article.id).not.toBe(node.id);
        expect(related.score).toBeGreaterThan(0);
        expect(related.reason).toMatch(/^Shares (topics|terms): /);
      }
    }
    const explainer = article(/^Datacenter GPUs/);
    expect(explainer.related[0].article.title).toMatch(/export controls/i);
    expect(explainer.related[0].reason).toContain("Export controls");
  });
});
