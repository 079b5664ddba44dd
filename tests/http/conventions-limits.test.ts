import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../src/graphql/schema.ts";
import { EXAMPLE_TABS } from "../../src/http/pages/example-operations.ts";
import { DEFAULT_MAX_COST, measureQueryCost } from "../../src/http/plugins/query-cost.ts";
import {
  DEFAULT_MAX_ALIASES,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_DIRECTIVES,
  DEFAULT_MAX_TOKENS,
} from "../../src/http/plugins/use-query-limits.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));
const GRAPHQL_RESPONSE = "application/graphql-response+json";
const LIMIT_CODES = ["QUERY_TOO_DEEP", "TOO_MANY_ALIASES", "TOO_MANY_TOKENS", "TOO_MANY_DIRECTIVES", "QUERY_TOO_COSTLY"];

/** `articles { edges { node { related { article { … title } } } } }` with `pairs` related/article levels: 3 + 2 × pairs + 1 deep. */
function nested(pairs: number): string {
  let inner = "title";
  for (let i = 0; i < pairs; i++) inner = `related(first: 1) { article { ${inner} } }`;
  return `{ articles(first: 1) { edges { node { ${inner} } } } }`;
}

/** Each fragment asks for 20 related articles of the previous one's: cost grows 20× per level, the text only linearly. */
function fragmentBomb(levels: number): string {
  const fragments = [`fragment L0 on Article { title }`];
  for (let i = 1; i <= levels; i++) fragments.push(`fragment L${i} on Article { related(first: 20) { article { ...L${i - 1} } } }`);
  return `{ articles(first: 100) { edges { node { ...L${levels} } } } }\n${fragments.join("\n")}`;
}

const COSTLY =
  "{ articles(first: 100) { edges { node { related(first: 20) { article { related(first: 20) { article { title } } } } } } } }";

const refusals: { name: string; query: string; code: string; message: RegExp }[] = [
  {
    name: "deep nesting",
    query: nested(5),
    code: "QUERY_TOO_DEEP",
    message: new RegExp(`depth limit of ${DEFAULT_MAX_DEPTH} exceeded, found 14`),
  },
  {
    name: "an alias bomb",
    query: `{ ${Array.from({ length: DEFAULT_MAX_ALIASES + 5 }, (_, i) => `a${i}: sections { slug }`).join(" ")} }`,
    code: "TOO_MANY_ALIASES",
    message: new RegExp(`Aliases limit of ${DEFAULT_MAX_ALIASES} exceeded, found ${DEFAULT_MAX_ALIASES + 5}`),
  },
  {
    name: "a fragment bomb",
    query: fragmentBomb(3),
    code: "QUERY_TOO_COSTLY",
    message: new RegExp(`cost limit of ${DEFAULT_MAX_COST} exceeded, found \\d{6,}`),
  },
  {
    name: "a huge document",
    query: `{ ${"__typename ".repeat(DEFAULT_MAX_TOKENS + 500)}}`,
    code: "TOO_MANY_TOKENS",
    message: new RegExp(`Token limit of ${DEFAULT_MAX_TOKENS} exceeded, found ${DEFAULT_MAX_TOKENS + 502}\\.`),
  },
  {
    name: "a directive flood",
    query: `{ ${Array.from({ length: DEFAULT_MAX_DIRECTIVES + 1 }, (_, i) => `t${i}: __typename @include(if: true)`).join(" ")} }`,
    code: "TOO_MANY_DIRECTIVES",
    message: new RegExp(`Directives limit of ${DEFAULT_MAX_DIRECTIVES} exceeded, found ${DEFAULT_MAX_DIRECTIVES + 1}`),
  },
  // articles 1 + 100 edges × (1 + node 1 + 20 related × (1 + article 1 + 20 related × (1 + article 1))): objects, not scalars.
  {
    name: "100 articles × 20 related × 20 related",
    query: COSTLY,
    code: "QUERY_TOO_COSTLY",
    message: /cost limit of 5000 exceeded, found 84201\./,
  },
];

describe("limits against abusive queries", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;
  const post = async (query: string, accept: string, variables?: Record<string, unknown>) => {
    const response = await gateway.fetch(`${gateway.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] } };
  };
  beforeAll(async () => {
    upstream = await startFixtureServer({ "/wire.rss": serveBody(wire, "application/rss+xml") });
    gateway = await openGateway({ sources: [{ id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" }] });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  for (const { name, query, code, message } of refusals) {
    it(`refuses ${name} with ${code}: HTTP 400 for application/graphql-response+json, no data`, async () => {
      const { status, body } = await post(query, GRAPHQL_RESPONSE);
      expect(status).toBe(400);
      expect(body).not.toHaveProperty("data");
      expect(body.errors![0].extensions.code).toBe(code);
      expect(body.errors![0].message).toMatch(message);
    });

    it(`refuses ${name} with ${code} and HTTP 200 for a legacy application/json client`, async () => {
      const { status, body } = await post(query, "application/json");
      expect(status).toBe(200);
      expect(body).not.toHaveProperty("data");
      expect(body.errors![0].extensions.code).toBe(code);
    });
  }

  it("refuses over GET the same way, and no cache keeps the refusal", async () => {
    const response = await gateway.fetch(`${gateway.url}/graphql?query=${encodeURIComponent(nested(5))}`, {
      headers: { accept: GRAPHQL_RESPONSE },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect((await response.json()).errors[0].extensions.code).toBe("QUERY_TOO_DEEP");
  });

  it("accepts a query just inside every limit", async () => {
    const atDepth = nested((DEFAULT_MAX_DEPTH - 4) / 2);
    const { status, body } = await post(atDepth, GRAPHQL_RESPONSE);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const aliases = await post(
      `{ ${Array.from({ length: DEFAULT_MAX_ALIASES }, (_, i) => `a${i}: sections { slug }`).join(" ")} }`,
      GRAPHQL_RESPONSE,
    );
    expect(aliases.body.errors).toBeUndefined();
  });

  it("lets a full front page at the largest page size through", async () => {
    const page = `{
      articles(first: 100) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node {
          id title summary contentHtml url author publishedAt readingTimeMinutes tags
          image { url width height } section { slug name } sources { name status { ok } }
          related(first: 3) { score reason article { id title url section { name } } }
        } }
      }
      sections { slug name }
      sources { name status { ok lastFetchedAt } }
    }`;
    const { status, body } = await post(page, GRAPHQL_RESPONSE);
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    expect(measureQueryCost(schema, parse(page))).toBeLessThanOrEqual(DEFAULT_MAX_COST);
  });

  it("lets every GraphiQL example operation through", async () => {
    for (const { query } of EXAMPLE_TABS) {
      if (/^subscription /m.test(query)) {
        // A subscription opens an event stream (it answers nothing until an article arrives); its cost is what the limit checks.
        expect(measureQueryCost(schema, parse(query))).toBeLessThanOrEqual(DEFAULT_MAX_COST);
        const controller = new AbortController();
        const response = await gateway.fetch(`${gateway.url}/graphql?query=${encodeURIComponent(query)}`, {
          headers: { accept: "text/event-stream" },
          signal: controller.signal,
        });
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
        controller.abort();
        continue;
      }
      const { body } = await post(query, GRAPHQL_RESPONSE);
      const codes = (body.errors ?? []).map((error) => error.extensions?.code);
      expect(codes.filter((code) => LIMIT_CODES.includes(code))).toEqual([]);
    }
  });

  it("costs a page size given as a variable by its value, whatever was sent before with the same document", async () => {
    const query =
      "query ($n: Int) { articles(first: $n) { edges { node { related(first: 20) { article { related(first: 20) { article { title } } } } } } } }";
    expect((await post(query, GRAPHQL_RESPONSE, { n: 1 })).body.errors).toBeUndefined();
    const costly = await post(query, GRAPHQL_RESPONSE, { n: 100 });
    expect(costly.status).toBe(400);
    expect(costly.body.errors![0].extensions.code).toBe("QUERY_TOO_COSTLY");
  });

  it("takes its limits from createApp's options", async () => {
    const strict = await openGateway({ sources: [] }, { http: { limits: { maxDepth: 4, maxCost: 50, maxTokens: 30 } } });
    try {
      const post = async (query: string) =>
        (
          await strict.fetch(`${strict.url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json", accept: GRAPHQL_RESPONSE },
            body: JSON.stringify({ query }),
          })
        ).json();
      expect((await post("{ sections { articles { edges { node { title } } } } }")).errors[0].extensions.code).toBe("QUERY_TOO_DEEP");
      expect((await post("{ articles(first: 60) { edges { node { title } } } }")).errors[0].message).toMatch(
        /cost limit of 50 exceeded, found 121/,
      );
      expect((await post(`{ ${"__typename ".repeat(40)}}`)).errors[0].message).toMatch(/Token limit of 30 exceeded, found 42/);
      expect((await post("{ sections { slug } }")).errors).toBeUndefined();
    } finally {
      await strict.close();
    }
  });
});

describe("the cost estimate", () => {
  const cost = (query: string, variables?: Record<string, unknown>) => measureQueryCost(schema, parse(query), { variables });

  it("counts objects, a connection's page on its edges only, so pageInfo counts once and scalars are free", () => {
    expect(cost("{ articles(first: 10) { totalCount pageInfo { hasNextPage } edges { node { title } } } }")).toBe(1 + 1 + 10 * (1 + 1));
    // No first: the API's default page of 20.
    expect(cost("{ articles { edges { node { title summary url } } } }")).toBe(1 + 20 * (1 + 1));
  });

  it("uses related's schema default of 5 and a variable's value", () => {
    expect(cost('{ article(id: "x") { related { score } } }')).toBe(1 + 5);
    expect(cost('query ($n: Int) { article(id: "x") { related(first: $n) { score } } }', { n: 7 })).toBe(1 + 7);
    // Over the API's cap of 100, a page counts as 100: the API refuses it with BAD_USER_INPUT before doing more.
    expect(cost("{ articles(first: 5000) { edges { node { id } } } }")).toBe(1 + 100 * 2);
  });

  it("measures a fragment bomb in linear time", () => {
    const started = performance.now();
    const bomb = measureQueryCost(schema, parse(fragmentBomb(40)), {});
    expect(bomb).toBeGreaterThan(1e50);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("stops at a fragment cycle instead of looping (validation refuses it anyway)", () => {
    const cyclic = parse(
      "{ articles { edges { node { ...A } } } } fragment A on Article { related { article { ...B } } } fragment B on Article { ...A }",
    );
    expect(Number.isFinite(measureQueryCost(schema, cyclic, {}))).toBe(true);
  });
});
