import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSourcesFile } from "../../src/config/sources-file.ts";
import { createGateway } from "../../src/create-gateway.ts";
import { appFetch } from "../helpers/app-fetch.ts";
import { canonicalUrl } from "../../src/ingest/urls.ts";

/** The bundled demo set that `npm start` serves, read through a real server. */
const DEMO = fileURLToPath(new URL("../../sources/default.json", import.meta.url));
const CLUSTERS: Record<string, string[]> = JSON.parse(
  readFileSync(new URL("../../sources/demo/clusters.json", import.meta.url), "utf8"),
).clusters;

const PAGE = `query Page($after: String) {
  articles(first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id title summary contentHtml url canonicalUrl readingTimeMinutes publishedAt tags
      section { slug name } sources { sourceId }
      related(first: 3) { score reason article { id canonicalUrl title } }
    } }
  }
  sections { slug name articleCount }
  sources { sourceId status { ok format itemCount errorCode } }
}`;

describe("the bundled demo set", () => {
  let close: () => Promise<void>;
  let data: any;
  let articles: any[];

  beforeAll(async () => {
    const gateway = createGateway({ config: await loadSourcesFile(DEMO) });
    close = gateway.shutdown;
    const response = await appFetch(gateway.app)("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: PAGE }),
    });
    const answer = await response.json();
    expect(answer.errors).toBeUndefined();
    data = answer.data;
    articles = data.articles.edges.map((e: any) => e.node);
  });
  afterAll(() => close?.());

  it("reads every source, in at least four formats, without a network", () => {
    expect(data.sources.every((s: any) => s.status.ok)).toBe(true);
    expect(new Set(data.sources.map((s: any) => s.status.format))).toEqual(new Set(["RSS", "ATOM", "JSONFEED", "JSON", "RDF"]));
  });

  it("holds at least 60 articles in at least three sections, including the reference page's", () => {
    expect(data.articles.totalCount).toBeGreaterThanOrEqual(60);
    expect(data.articles.pageInfo.hasNextPage).toBe(false);
    const names = data.sections.map((s: any) => s.name);
    expect(names).toEqual(expect.arrayContaining(["Technology & Innovation", "Startups & Entrepreneurship"]));
    expect(data.sections.filter((s: any) => s.articleCount > 0).length).toBeGreaterThanOrEqual(3);
  });

  it("merges the stories two sources carry under cosmetically different URLs", () => {
    const merged = articles.filter((a) => a.sources.length > 1);
    expect(merged.map((a) => a.canonicalUrl).sort()).toEqual([
      "https://marketwire.example/business/2026/oct/21/europe-office-vacancy-record",
      "https://sciencedesk.example/2026/10/logical-qubit-milestone",
      "https://startupdigest.example/posts/ledgerline-series-b",
      "https://wiretech.example/2026/10/gpu-ban",
    ]);
  });

  it("serves clean text and safe HTML", () => {
    for (const article of articles) {
      expect(article.title).not.toMatch(/<|&(amp|lt|gt|#\d+);/);
      expect(article.summary).toBeTruthy();
      expect(article.summary).not.toMatch(/<\/?[a-z]|&(amp|lt|gt|#\d+);/i);
      expect(article.contentHtml ?? "").not.toMatch(/<script|onerror|javascript:/i);
      expect(article.url).toMatch(/^https:\/\/[a-z0-9.-]+\.example\//i);
    }
  });

  it("files items under the section their category names", () => {
    const section = (pattern: RegExp) => articles.find((a) => pattern.test(a.title))?.section.slug;
    expect(section(/^Payments startup Tillwise/)).toBe("startups");
    expect(section(/^Tessellate Silicon/)).toBe("technology");
  });

  it("finds related editorial from the same topic cluster: precision of the top 3 above 0.8", () => {
    const clusterOf = new Map<string, string>();
    for (const [name, urls] of Object.entries(CLUSTERS)) for (const url of urls) clusterOf.set(canonicalUrl(url), name);
    let hits = 0;
    let total = 0;
    for (const article of articles) {
      const cluster = clusterOf.get(article.canonicalUrl);
      if (!cluster) continue;
      expect(article.related).toHaveLength(3);
      for (const related of article.related) {
        expect(related.article.id).not.toBe(article.id);
        total++;
        if (clusterOf.get(related.article.canonicalUrl) === cluster) hits++;
      }
    }
    const precision = hits / total;
    console.log(`related precision@3 on the demo clusters: ${precision.toFixed(3)} (${hits}/${total})`);
    expect(total).toBeGreaterThanOrEqual(50 * 3);
    expect(precision).toBeGreaterThan(0.8);
  });
});
