import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Article } from "../../src/model/article.ts";
import { article, openGatewayWithArticles } from "../helpers/stored-articles.ts";

/**
 * Authors, enclosures and language through a real gateway, and the `language` filter on every list.
 * The articles reach the gateway as stored snapshots (see stored-articles.ts), not through ingest.
 */
const DAY = 24 * 3600 * 1000;
/** Two days apart: no two stories are ever close enough in time to merge. */
const at = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 2 * DAY);

const LONG_EPISODE = 3_000_000_000; // bytes: past GraphQL Int's 2 147 483 647

const POD: Article[] = [
  article({
    id: "p1",
    sourceId: "pod",
    section: "technology",
    language: "en-US",
    publishedAt: at(12),
    tags: ["Audio"],
    summary: "A harbor at night.",
    author: "Ann Lee",
    authors: [
      { name: "Ann Lee", url: "https://pod.example/people/ann", email: "ann@pod.example.org" },
      { name: "Bo Ng", url: null, email: null },
    ],
    enclosures: [
      { url: "https://cdn.pod.example/p1.mp3", type: "audio/mpeg", length: LONG_EPISODE, durationSeconds: 3723 },
      { url: "https://cdn.pod.example/p1.mp4", type: null, length: null, durationSeconds: null },
    ],
  }),
  article({ id: "p2", sourceId: "pod", section: "technology", language: "en", publishedAt: at(10), tags: ["Audio"] }),
  article({
    id: "p3",
    sourceId: "pod",
    section: "technology",
    language: "fr-CA",
    publishedAt: at(8),
    tags: ["Audio"],
    summary: "Un harbor.",
  }),
  article({ id: "p4", sourceId: "pod", section: "technology", language: null, publishedAt: at(6), tags: ["Audio"] }),
];
const WIRE: Article[] = [
  article({ id: "w1", sourceId: "wire", section: "science", language: "en-GB", publishedAt: at(11), summary: "The harbor report." }),
  article({ id: "w2", sourceId: "wire", section: "science", language: "en", publishedAt: at(9) }),
  article({ id: "w3", sourceId: "wire", section: "science", language: "fr", publishedAt: at(7), summary: "Le harbor." }),
  article({ id: "w4", sourceId: "wire", section: "science", language: "de", publishedAt: at(5) }),
  // Middle English: starts with "en" but is not in the "en" range.
  article({ id: "w5", sourceId: "wire", section: "science", language: "enm", publishedAt: at(4) }),
  article({ id: "w6", sourceId: "wire", section: "science", language: "zh-Hant-TW", publishedAt: at(3) }),
  article({ id: "w7", sourceId: "wire", section: "science", language: "en-US", publishedAt: at(2) }),
  article({ id: "w8", sourceId: "wire", section: "science", language: null, publishedAt: at(1) }),
];
const ALL = [...POD, ...WIRE].sort((a, b) => b.publishedAt!.getTime() - a.publishedAt!.getTime());

/** RFC 4647 basic filtering, written out again for the expectations. */
function matches(language: string | null, range: string): boolean {
  if (!language) return false;
  const tag = language.toLowerCase();
  const wanted = range.toLowerCase();
  return tag === wanted || tag.startsWith(`${wanted}-`);
}
const titlesIn = (range: string, keep: (a: Article) => boolean = () => true) =>
  ALL.filter((a) => matches(a.language, range) && keep(a)).map((a) => a.title);

describe("authors, enclosures and language", () => {
  let gateway: Awaited<ReturnType<typeof openGatewayWithArticles>>;
  beforeAll(async () => {
    gateway = await openGatewayWithArticles("article-media", [
      { id: "pod", section: "technology", articles: POD },
      { id: "wire", section: "science", articles: WIRE },
    ]);
    // Both sources came from the stored copies: upstream (which answers 404) was never asked.
    const { data } = await gateway.query("{ sources { sourceId status { ok } } articles { totalCount } }");
    expect(data.sources).toEqual([
      { sourceId: "pod", status: { ok: true } },
      { sourceId: "wire", status: { ok: true } },
    ]);
    expect(data.articles.totalCount).toBe(ALL.length);
    expect(gateway.upstream.totalHits()).toBe(0);
  });
  afterAll(() => gateway?.close());

  const LIST = `query($language: String, $first: Int, $after: String, $last: Int, $before: String, $section: String, $source: ID, $tag: String, $query: String, $since: DateTime, $until: DateTime, $orderBy: ArticleOrder) {
    articles(language: $language, first: $first, after: $after, last: $last, before: $before, section: $section, source: $source, tag: $tag, query: $query, since: $since, until: $until, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { node { title language } }
    }
  }`;
  const list = async (variables: Record<string, unknown>) => {
    const answer = await gateway.query(LIST, { first: 100, ...variables });
    expect(answer.errors).toBeUndefined();
    return answer.data.articles;
  };
  const titles = (connection: any) => connection.edges.map((e: any) => e.node.title);

  it("serves an article's enclosures (sizes past 2^31 exact), every author and its language", async () => {
    const { data, errors } = await gateway.query(`{ articles(first: 1) { edges { node {
      title language author
      authors { name url email }
      enclosures { url type length durationSeconds }
    } } } }`);
    expect(errors).toBeUndefined();
    expect(data.articles.edges[0].node).toEqual({
      title: "Story p1",
      language: "en-US",
      author: "Ann Lee",
      authors: [
        { name: "Ann Lee", url: "https://pod.example/people/ann", email: "ann@pod.example.org" },
        { name: "Bo Ng", url: null, email: null },
      ],
      enclosures: [
        { url: "https://cdn.pod.example/p1.mp3", type: "audio/mpeg", length: LONG_EPISODE, durationSeconds: 3723 },
        { url: "https://cdn.pod.example/p1.mp4", type: null, length: null, durationSeconds: null },
      ],
    });
    const plain = await gateway.query(
      `{ articles(first: 1, source: "wire") { edges { node { authors { name } enclosures { url } language } } } }`,
    );
    expect(plain.data.articles.edges[0].node).toEqual({ authors: [], enclosures: [], language: "en-GB" });
  });

  it("filters by a language range: a language takes its regional variants, a region only itself, case-insensitively", async () => {
    const en = await list({ language: "en" });
    expect(titles(en)).toEqual(titlesIn("en"));
    expect(titles(en)).toEqual(["Story p1", "Story w1", "Story p2", "Story w2", "Story w7"]);
    expect(en.totalCount).toBe(5);
    for (const range of ["EN-us", "en-US", "fr", "fr-ca", "zh-hant", "zh-Hant-TW", "zh-Hans", "de", "enm", "it"]) {
      const found = await list({ language: range });
      expect([range, titles(found)]).toEqual([range, titlesIn(range)]);
      expect(found.totalCount).toBe(titlesIn(range).length);
    }
    expect(titles(await list({ language: "en-us" }))).toEqual(["Story p1", "Story w7"]);
    // Blank is no filter, as for `tag`; articles without a language are then listed too.
    expect((await list({ language: "" })).totalCount).toBe(ALL.length);
  });

  it("pages through a language's articles, forwards and backwards, with exact counts", async () => {
    const expected = titlesIn("en");
    const walked: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const found = await list({ language: "en", first: 2, after });
      expect(found.totalCount).toBe(expected.length);
      walked.push(...titles(found));
      if (!found.pageInfo.hasNextPage) break;
      after = found.pageInfo.endCursor;
    }
    expect(walked).toEqual(expected);
    const lastTwo = await list({ language: "en", first: null, last: 2 });
    expect(titles(lastTwo)).toEqual(expected.slice(-2));
    expect(lastTwo.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const before = await list({ language: "en", first: null, last: 2, before: lastTwo.pageInfo.startCursor });
    expect(titles(before)).toEqual(expected.slice(-4, -2));
    const oldest = await list({ language: "en", orderBy: "OLDEST", first: 3 });
    expect(titles(oldest)).toEqual([...expected].reverse().slice(0, 3));
    expect(oldest.totalCount).toBe(expected.length);
  });

  it("combines the language with section, source, tag, dates and a search", async () => {
    const inSection = (slug: string) => (a: Article) => a.section === slug;
    expect(titles(await list({ language: "en", section: "technology" }))).toEqual(titlesIn("en", inSection("technology")));
    expect(titles(await list({ language: "en", section: "science" }))).toEqual(titlesIn("en", inSection("science")));
    expect(titles(await list({ language: "fr", section: "science" }))).toEqual(["Story w3"]);
    expect(titles(await list({ language: "en", source: "wire" }))).toEqual(["Story w1", "Story w2", "Story w7"]);
    expect(titles(await list({ language: "en", tag: "audio" }))).toEqual(["Story p1", "Story p2"]);
    expect(titles(await list({ language: "en", since: at(9).toISOString(), until: at(11).toISOString() }))).toEqual([
      "Story w1",
      "Story p2",
      "Story w2",
    ]);
    const search = await list({ language: "en", query: "harbor" });
    expect([...titles(search)].sort()).toEqual(["Story p1", "Story w1"]);
    expect(search.totalCount).toBe(2);
    expect(titles(await list({ language: "fr", query: "harbor", orderBy: "NEWEST" }))).toEqual(["Story p3", "Story w3"]);
    expect(titles(await list({ language: "fr", query: "harbor", section: "technology" }))).toEqual(["Story p3"]);
  });

  it("takes the language on a section's and a tag's list too", async () => {
    const { data, errors } = await gateway.query(`{
      section(slug: "science") { articles(language: "EN", first: 2) { totalCount edges { node { title } } } }
      tag(name: "audio") { articles(language: "fr", first: 10) { totalCount edges { node { title } } } }
      taggedInSection: tag(name: "audio") { articles(language: "en", section: "science") { totalCount } }
    }`);
    expect(errors).toBeUndefined();
    expect(data.section.articles).toEqual({ totalCount: 3, edges: [{ node: { title: "Story w1" } }, { node: { title: "Story w2" } }] });
    expect(data.tag.articles).toEqual({ totalCount: 1, edges: [{ node: { title: "Story p3" } }] });
    expect(data.taggedInSection.articles.totalCount).toBe(0);
  });

  it("answers BAD_USER_INPUT, naming the argument, for a language that is not a BCP 47 tag or prefix", async () => {
    for (const [language, message] of [
      ["en_US", /not a BCP 47 language tag.*en-US/],
      ["*", /not a BCP 47 language tag/],
      ["en-", /not a BCP 47/],
      ["-en", /not a BCP 47/],
      ["12", /not a BCP 47/],
      ["en US", /not a BCP 47/],
      ["englishes-x", /not a BCP 47/],
      [`en${"-abcdefgh".repeat(10)}`, /at most 64 characters/],
    ] as const) {
      const answer = await gateway.query(LIST, { language, first: 1 });
      expect([language, answer.errors?.[0]?.extensions]).toEqual([language, { code: "BAD_USER_INPUT", argument: "language" }]);
      expect(answer.errors![0].message).toMatch(message);
      expect(answer.data ?? null).toBeNull();
    }
    const nested = await gateway.query(`{ section(slug: "science") { articles(language: "en_GB") { totalCount } } }`);
    expect(nested.errors![0].extensions).toEqual({ code: "BAD_USER_INPUT", argument: "language" });
  });
});
