import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSourcesFile } from "../../src/config/sources-file.ts";
import { createGateway } from "../../src/create-gateway.ts";
import { listen } from "../../src/http/server/server.ts";
import { DEMO_SOURCES } from "../helpers/app-fetch.ts";

// Search, related articles and reading time in the demo set's French and Japanese sources, over a real socket on loopback.
describe("languages in the demo set, through the GraphQL API", () => {
  let close: () => Promise<void>;
  let query: (q: string, variables?: Record<string, unknown>) => Promise<any>;

  beforeAll(async () => {
    const gateway = createGateway({ config: await loadSourcesFile(DEMO_SOURCES) });
    const running = await listen(gateway.app, 0, "127.0.0.1");
    close = async () => {
      await gateway.shutdown();
      await running.close();
    };
    query = async (q, variables) => {
      const response = await fetch(`${running.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: q, variables }),
      });
      const answer = await response.json();
      expect(answer.errors).toBeUndefined();
      return answer.data;
    };
  });
  afterAll(() => close?.());

  const SEARCH = `query($q: String!, $language: String) {
    articles(query: $q, language: $language, first: 20) {
      totalCount
      edges { snippet node { title language readingTimeMinutes source: sources { sourceId } } }
    }
  }`;

  it("finds a Japanese article by a word of its title typed in Japanese", async () => {
    const data = await query(SEARCH, { q: "半導体工場" });
    const titles = data.articles.edges.map((e: any) => e.node.title);
    expect(titles.length).toBeGreaterThanOrEqual(3);
    for (const title of titles.slice(0, 3)) expect(title).toContain("半導体");
    expect(data.articles.edges.every((e: any) => e.node.language === "ja")).toBe(true);
    const bus = await query(SEARCH, { q: "自動運転" });
    expect(bus.articles.totalCount).toBe(4);
  });

  it("finds French plurals from a singular, and accented words from a query without accents", async () => {
    const data = await query(SEARCH, { q: "vendange", language: "fr" });
    expect(data.articles.totalCount).toBeGreaterThanOrEqual(4);
    const titles = data.articles.edges.map((e: any) => e.node.title);
    expect(titles).toEqual(expect.arrayContaining(["Vendanges : les domaines peinent à recruter des saisonniers"]));
    const plain = await query(SEARCH, { q: "rechauffement climatique" });
    const accented = await query(SEARCH, { q: "réchauffement climatique" });
    expect(plain.articles.totalCount).toBeGreaterThanOrEqual(2);
    expect(plain.articles.edges.map((e: any) => e.node.title)).toEqual(accented.articles.edges.map((e: any) => e.node.title));
  });

  it("finds English by its stem: the plural and the singular find the same stories", async () => {
    const data = await query(SEARCH, { q: "batteries", language: "en" });
    const singular = await query(SEARCH, { q: "battery", language: "en" });
    expect(data.articles.totalCount).toBeGreaterThanOrEqual(5);
    expect(singular.articles.totalCount).toBe(data.articles.totalCount);
  });

  it("relates Japanese and French stories to their own topic", async () => {
    const data = await query(`{
      ja: articles(language: "ja", first: 20) { edges { node { title related(first: 3) { article { title language } } } } }
      fr: articles(language: "fr", first: 20) { edges { node { title related(first: 3) { article { title language } } } } }
    }`);
    const bus = data.ja.edges.find((e: any) => e.node.title.startsWith("自動運転バス、福井県"))!.node;
    expect(bus.related).toHaveLength(3);
    for (const related of bus.related) expect(related.article.title).toContain("自動運転");
    const train = data.fr.edges.find((e: any) => e.node.title.startsWith("Le train de nuit Paris"))!.node;
    expect(train.related).toHaveLength(3);
    for (const related of train.related) expect(related.article.title).toMatch(/train/i);
  });
});
