import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDemoGateway } from "../helpers/app-fetch.ts";

// Finding articles in the bundled demo set, through the app's whole request path.
describe("finding articles", () => {
  let close: () => Promise<void>;
  let query: (q: string, variables?: Record<string, unknown>) => Promise<any>;

  beforeAll(async () => {
    const gateway = await openDemoGateway();
    close = gateway.close;
    query = gateway.query;
  });
  afterAll(() => close?.());

  const SEARCH = `query($q: String!, $first: Int, $after: String, $orderBy: ArticleOrder, $section: String) {
    articles(query: $q, first: $first, after: $after, orderBy: $orderBy, section: $section) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor snippet node { id title tags publishedAt section { slug } } }
    }
  }`;

  it("ranks by relevance with a query and highlights the match in a snippet", async () => {
    const { data, errors } = await query(SEARCH, { q: "sodium-ion battery", first: 5 });
    expect(errors).toBeUndefined();
    expect(data.articles.totalCount).toBeGreaterThanOrEqual(2);
    const top = data.articles.edges[0];
    expect(top.node.title).toMatch(/sodium-ion/i);
    expect(top.snippet).toMatch(/<mark>[^<]+<\/mark>/);
    expect(top.snippet).not.toMatch(/<(?!\/?mark>)/);
  });

  it("matches prefixes and tolerates a typo", async () => {
    const prefix = await query(SEARCH, { q: "batter", first: 20 });
    expect(prefix.data.articles.totalCount).toBeGreaterThanOrEqual(5);
    const typo = await query(SEARCH, { q: "quantim", first: 20 });
    expect(typo.data.articles.edges.length).toBeGreaterThanOrEqual(4);
    expect(typo.data.articles.edges.every((e: any) => /quantum/i.test(JSON.stringify(e)))).toBe(true);
  });

  it("finds nothing for words no article has, without an error", async () => {
    const { data, errors } = await query(SEARCH, { q: "xylophonist zeppelin" });
    expect(errors).toBeUndefined();
    expect(data.articles).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it("pages through relevance-ranked results without repeats or gaps", async () => {
    const all = await query(SEARCH, { q: "export controls", first: 100 });
    const expected = all.data.articles.edges.map((e: any) => e.node.id);
    expect(expected.length).toBeGreaterThanOrEqual(4);
    const walked: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const { data } = await query(SEARCH, { q: "export controls", first: 2, after });
      walked.push(...data.articles.edges.map((e: any) => e.node.id));
      if (!data.articles.pageInfo.hasNextPage) break;
      after = data.articles.pageInfo.endCursor;
    }
    expect(walked).toEqual(expected);
  });

  it("orders a search by date when asked, and refuses a cursor from another order", async () => {
    const newest = await query(SEARCH, { q: "export controls", first: 3, orderBy: "NEWEST" });
    const dates = newest.data.articles.edges.map((e: any) => e.node.publishedAt);
    expect([...dates].sort().reverse()).toEqual(dates);
    const relevant = await query(SEARCH, { q: "export controls", first: 1 });
    const mixed = await query(SEARCH, {
      q: "export controls",
      first: 1,
      orderBy: "NEWEST",
      after: relevant.data.articles.pageInfo.endCursor,
    });
    expect(mixed.errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
    expect(mixed.errors[0].message).toMatch(/another order/);
    const noQuery = await query("{ articles(orderBy: RELEVANCE) { totalCount } }");
    expect(noQuery.errors[0].message).toMatch(/RELEVANCE` needs a `query`/);
  });

  it("combines section, tag, date and query filters", async () => {
    const { data } = await query(`{
      all: articles(first: 100) { edges { node { id tags publishedAt section { slug } } } }
      some: articles(first: 100, section: "technology", tag: "export controls", since: "2026-10-01", query: "GPU") {
        edges { node { id tags publishedAt section { slug } } }
      }
    }`);
    const some = data.some.edges.map((e: any) => e.node);
    expect(some.length).toBeGreaterThanOrEqual(1);
    for (const node of some) {
      expect(node.section.slug).toBe("technology");
      expect(node.tags.map((t: string) => t.toLowerCase())).toContain("export controls");
      expect(node.publishedAt >= "2026-10-01").toBe(true);
    }
    const candidates = data.all.edges
      .map((e: any) => e.node)
      .filter(
        (n: any) =>
          n.section.slug === "technology" &&
          n.tags.some((t: string) => t.toLowerCase() === "export controls") &&
          n.publishedAt >= "2026-10-01",
      )
      .map((n: any) => n.id);
    for (const node of some) expect(candidates).toContain(node.id);
  });

  it("lists OLDEST first on request", async () => {
    const { data } = await query("{ articles(first: 5, orderBy: OLDEST) { edges { node { publishedAt } } } }");
    const dates = data.articles.edges.map((e: any) => e.node.publishedAt);
    expect([...dates].sort()).toEqual(dates);
    expect(dates[0] < "2026-09-15").toBe(true);
  });

  it("lists tags with counts, per section too, and serves tag pages", async () => {
    const { data } = await query(`{
      tags(first: 5) { count tag { id name articleCount } }
      tech: tags(first: 3, section: "technology") { count tag { name } }
    }`);
    const counts = data.tags.map((t: any) => t.count);
    expect([...counts].sort((a: number, b: number) => b - a)).toEqual(counts);
    expect(data.tags[0].count).toBe(data.tags[0].tag.articleCount);
    const name = data.tags[0].tag.name;
    const page = await query(
      `query($name: String!) { tag(name: $name) { name articleCount articles(first: 100) { totalCount edges { node { tags } } } } }`,
      {
        name: name.toUpperCase(),
      },
    );
    expect(page.data.tag.name).toBe(name);
    expect(page.data.tag.articles.totalCount).toBe(page.data.tag.articleCount);
    for (const edge of page.data.tag.articles.edges)
      expect(edge.node.tags.map((t: string) => t.toLowerCase())).toContain(name.toLowerCase());
    expect((await query('{ tag(name: "no such tag") { name } }')).data.tag).toBeNull();
  });

  it("resolves every Node type by global id, with node and nodes", async () => {
    const { data } = await query(`{
      articles(first: 1) { edges { node { id title } } }
      sections { id slug }
      sources { id sourceId }
      tags(first: 1) { tag { id name } }
    }`);
    const ids = [data.articles.edges[0].node.id, data.sections[0].id, data.sources[0].id, data.tags[0].tag.id];
    const nodes = await query(
      `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Article { title } ... on Section { slug } ... on Source { sourceId } ... on Tag { name } } }`,
      { ids },
    );
    expect(nodes.data.nodes.map((n: any) => n.__typename)).toEqual(["Article", "Section", "Source", "Tag"]);
    expect(nodes.data.nodes.map((n: any) => n.id)).toEqual(ids);
    const one = await query(`query($id: ID!) { node(id: $id) { id ... on Section { slug } } }`, { id: data.sections[0].id });
    expect(one.data.node.slug).toBe(data.sections[0].slug);
    const article = await query(`query($id: ID!) { article(id: $id) { title } }`, { id: ids[0] });
    expect(article.data.article.title).toBe(data.articles.edges[0].node.title);
  });

  it("finds an article by any of its sources' URLs, tracking parameters and fragments ignored", async () => {
    const find = (url: string) => query(`query($url: String!) { articleByUrl(url: $url) { title sources { sourceId } } }`, { url });
    const viaWire = await find("https://wiretech.example/2026/10/gpu-ban?utm_source=rss&utm_medium=feed");
    const viaMarket = await find("https://WIRETECH.example/2026/10/gpu-ban#top");
    expect(viaWire.data.articleByUrl.title).toMatch(/GPU export controls/);
    expect(viaMarket.data.articleByUrl).toEqual(viaWire.data.articleByUrl);
    expect(viaWire.data.articleByUrl.sources).toHaveLength(2);
    expect((await find("https://wiretech.example/no/such/story")).data.articleByUrl).toBeNull();
  });

  it("gives a section front its counts and latest articles", async () => {
    const { data } = await query(
      `{ section(slug: "startups") { name articleCount latest(first: 3) { title publishedAt section { slug } } articles(first: 1) { totalCount } } }`,
    );
    expect(data.section.articleCount).toBe(data.section.articles.totalCount);
    expect(data.section.latest).toHaveLength(3);
    expect(data.section.latest.every((a: any) => a.section.slug === "startups")).toBe(true);
    const bad = await query(`{ section(slug: "startups") { latest(first: 500) { title } } }`);
    expect(bad.errors[0].extensions.code).toBe("BAD_USER_INPUT");
  });
});
