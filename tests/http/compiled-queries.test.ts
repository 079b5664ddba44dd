import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSourcesFile } from "../../src/config/sources-file.ts";
import { createGateway } from "../../src/create-gateway.ts";
import { createApp, type App } from "../../src/http/server/app.ts";
import { createYoga } from "graphql-yoga";
import type { ArticleEvents } from "../../src/live/article-events.ts";
import { createContext } from "../../src/graphql/context.ts";
import { schema } from "../../src/graphql/schema.ts";
import type { Store } from "../../src/store/store.ts";
import { DEFAULT_COMPILE_AFTER_EXECUTIONS, useCompiledQueries } from "../../src/http/plugins/use-compiled-queries.ts";
import { useIncrementalDelivery } from "../../src/http/plugins/use-incremental-delivery.ts";

const DEMO = fileURLToPath(new URL("../../sources/default.json", import.meta.url));

/** Operations over the demo set: lists, pages, interfaces, fragments, aliases, directives, variables, refusals and errors. */
const OPERATIONS: { name: string; query: string; variables?: Record<string, unknown>; operationName?: string }[] = [
  {
    name: "an article page with its related block",
    query: `query Page($first: Int!, $related: Int!) { articles(first: $first) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
      id title summary contentHtml url canonicalUrl readingTimeMinutes publishedAt updatedAt tags author commentCount image { url alt width height }
      section { id slug name articleCount } sources { id sourceId name status { ok format itemCount errorCode } }
      related(first: $related) { score reason article { id title url } } } } } }`,
    variables: { first: 20, related: 3 },
  },
  {
    name: "a section page up to an instant",
    query: `query List($first: Int!, $section: String, $until: DateTime!) { articles(first: $first, section: $section, until: $until) { totalCount edges { node { id title publishedAt section { name } } } } }`,
    variables: { first: 7, section: "science", until: "2030-01-01T00:00:00.000Z" },
  },
  {
    name: "nodes through the Node interface, with fragments, aliases and directives",
    query: `query Nodes($yes: Boolean!) { first: articles(first: 3) { edges { node { ...Card } } } sections { __typename id slug latest(first: 2) { ...Card } }
      tags(first: 5) { __typename } }
      fragment Card on Article { __typename id t: title url @include(if: $yes) summary @skip(if: $yes) ... on Node { id } }`,
    variables: { yes: true },
  },
  { name: "search", query: `{ articles(first: 5, query: "market") { totalCount edges { node { title } snippet } } }` },
  {
    name: "a missing article",
    query: `query($id: ID!) { article(id: $id) { id title } articleByUrl(url: "https://nowhere.example/x") { id } tag(name: "no such tag") { id } }`,
    variables: { id: "QXJ0aWNsZTpub3BlCg" },
  },
  { name: "a variable that does not coerce", query: `query($n: Int!) { articles(first: $n) { totalCount } }`, variables: { n: "two" } },
  { name: "a page size over the limit", query: `{ articles(first: 500) { totalCount } }` },
  { name: "an operation name the document lacks", query: `query Sections { sections { slug } }`, operationName: "Other" },
  { name: "two operations, picked by name", query: `query A { sections { slug } } query B { sources { sourceId } }`, operationName: "B" },
];

describe("compiled queries (graphql-jit)", () => {
  let app: App;
  let store: Store;
  let articleEvents: ArticleEvents;

  beforeAll(async () => {
    const gateway = createGateway({ config: await loadSourcesFile(DEMO) });
    await gateway.warmUp();
    // Without the edge cache, so every repetition reaches execution.
    store = gateway.store;
    articleEvents = gateway.articleEvents;
    app = createApp({ store, articleEvents, edgeCache: false });
  });

  const send = async (operation: (typeof OPERATIONS)[number]) => {
    const response = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
      body: JSON.stringify({ query: operation.query, variables: operation.variables, operationName: operation.operationName }),
    });
    return { status: response.status, body: await response.text() };
  };

  it.each(OPERATIONS)("answers $name byte for byte as the interpreter did", async (operation) => {
    const interpreted = await send(operation);
    // The first executions are interpreted; from then on the document runs compiled (where it may).
    for (let i = 0; i < DEFAULT_COMPILE_AFTER_EXECUTIONS + 2; i++) expect(await send(operation)).toEqual(interpreted);
  });

  it("interpreted and compiled, the answers have data where they should", async () => {
    const page = JSON.parse((await send(OPERATIONS[0]!)).body);
    expect(page.data.articles.edges).toHaveLength(20);
    expect(page.data.articles.edges[0].node.related.length).toBeGreaterThan(0);
    const refused = JSON.parse((await send(OPERATIONS[5]!)).body);
    expect(refused.errors[0].extensions.code).toBe("BAD_USER_INPUT");
  });

  it("compiles a query on its third execution, once, and never a document that may not be compiled", async () => {
    const compiled: (string | undefined)[] = [];
    const yoga = createYoga({
      schema,
      context: () => createContext(store, articleEvents),
      plugins: [useIncrementalDelivery(), useCompiledQueries({ onCompiled: (name) => compiled.push(name) })],
    });
    const run = (query: string, operationName?: string) =>
      yoga.fetch("http://localhost/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query, operationName }),
      });
    const kept = [
      "query Twice { sections { slug } }",
      "query Deferred { sections { slug ... @defer { name } } }",
      "query A { sections { slug } } query B { sources { sourceId } }",
    ];
    for (let i = 0; i < 2; i++) for (const query of kept) await run(query, query.includes("query A") ? "A" : undefined);
    expect(compiled).toEqual([]);
    for (let i = 0; i < 3; i++) for (const query of kept) await run(query, query.includes("query A") ? "A" : undefined);
    expect(compiled).toEqual(["Twice"]);
  });
});
