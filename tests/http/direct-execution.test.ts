import { afterEach, describe, expect, it } from "vitest";
import { createYoga } from "graphql-yoga";
import { createApp, type RequestLimits } from "../../src/http/server/app.ts";
import {
  createDirectExecution,
  type DirectExecutionOptions,
  directParams,
  type OperationMemo,
} from "../../src/http/edge-cache/direct-execution.ts";
import { EdgeExchange } from "../../src/http/edge-cache/contract.ts";
import { createQueryCompiler } from "../../src/http/plugins/use-compiled-queries.ts";
import { createQueryCostLimit } from "../../src/http/plugins/use-query-cost.ts";
import { createContext } from "../../src/graphql/context.ts";
import { schema } from "../../src/graphql/schema.ts";
import type { ServerContext } from "../../src/http/types.ts";
import { CACHE_STATUS_HEADER } from "../../src/http/edge-cache/edge-cache.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";
import { captureLogs, LEVEL, scrape } from "../helpers/ops.ts";
import type { Logger } from "../../src/log/logger.ts";

const rss = (titles: string[]) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>Direct</title>${titles
    .map(
      (t, i) =>
        `<item><title>${t}</title><link>https://direct.example/${i}</link><description>About ${t}.</description><pubDate>${new Date(Date.UTC(2026, 9, 1, i)).toUTCString()}</pubDate></item>`,
    )
    .join("")}</channel></rss>`;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/**
 * A gateway whose edge cache keeps nothing (every request is a miss, so the
 * path a miss takes is what the test sees), and a plain Yoga app over the same
 * store to compare answers with.
 */
async function setup(deps: { logger?: Logger } = {}, limits: RequestLimits = {}) {
  const upstream = await startFixtureServer({
    "/direct.rss": (_req, res) =>
      void res.writeHead(200, { "content-type": "application/rss+xml" }).end(rss(["Alpha story", "Beta story", "Gamma story"])),
  });
  const executedBy: string[] = [];
  const gateway = await openGateway(
    { sources: [{ id: "direct", name: "Direct", url: upstream.url("/direct.rss"), section: "technology", refreshSeconds: 60 }] },
    { monotonicNow: () => 1_000_000, http: { edgeCache: { maxBytes: 1, onMiss: (by) => executedBy.push(by) }, limits }, ...deps },
  );
  closers.push(gateway.close, upstream.close);
  await gateway.warmUp();
  const plain = createApp({ store: gateway.store, articleEvents: gateway.articleEvents, edgeCache: false, limits });
  const send = async (init: {
    method: "GET" | "POST";
    body?: unknown;
    query?: Record<string, string>;
    headers?: Record<string, string>;
  }) => {
    const search = init.query ? `?${new URLSearchParams(init.query)}` : "";
    const request = {
      method: init.method,
      headers: { accept: "application/json", ...(init.method === "POST" ? { "content-type": "application/json" } : {}), ...init.headers },
      ...(init.body === undefined ? {} : { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) }),
    };
    const [edge, yoga] = await Promise.all([
      gateway.fetch(`${gateway.url}/graphql${search}`, request),
      plain.yoga.fetch(`http://localhost/graphql${search}`, request),
    ]);
    return { edge: await answerOf(edge), yoga: await answerOf(yoga), by: executedBy.at(-1), requestId: edge.headers.get("x-request-id") };
  };
  return { gateway, send, executedBy };
}

/** What a client sees of an answer, less what differs per response (date, request id, the cache's own header). */
async function answerOf(response: Response) {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!["date", "x-request-id", "connection", "keep-alive", CACHE_STATUS_HEADER].includes(name.toLowerCase()))
      headers[name.toLowerCase()] = value;
  });
  return { status: response.status, headers, body: await response.text() };
}

const PAGE =
  "query Page($n: Int!, $after: String) { articles(first: $n, after: $after) { edges { cursor node { id title summary } } pageInfo { hasNextPage } } }";

describe("direct execution of known operations", () => {
  it("answers an operation Yoga answered cleanly without Yoga's HTTP layer, with the same status, headers and bytes", async () => {
    const { send } = await setup();
    const first = await send({ method: "POST", body: { query: PAGE, variables: { n: 1 } } });
    expect(first.by).toBe("yoga");
    const again = await send({ method: "POST", body: { query: PAGE, variables: { n: 1 } } });
    expect(again.by).toBe("direct");
    expect(again.edge).toEqual(first.edge);
    // New variables: still direct, and what Yoga alone answers (less the headers the partner gate adds).
    const next = await send({
      method: "POST",
      body: { query: PAGE, variables: { n: 2, after: JSON.parse(first.edge.body).data.articles.edges[0].cursor } },
    });
    expect(next.by).toBe("direct");
    expect([next.edge.status, next.edge.body, next.edge.headers["content-type"], next.edge.headers["cache-control"]]).toEqual([
      next.yoga.status,
      next.yoga.body,
      next.yoga.headers["content-type"],
      next.yoga.headers["cache-control"],
    ]);
    expect(JSON.parse(next.edge.body).data.articles.edges.map((e: any) => e.node.title)).toEqual(["Beta story", "Alpha story"]);
  });

  it("tags GET answers as Yoga does, so its ETag revalidates", async () => {
    const { send } = await setup();
    const query = { query: PAGE, variables: JSON.stringify({ n: 2 }) };
    const first = await send({ method: "GET", query });
    const again = await send({ method: "GET", query });
    expect([first.by, again.by]).toEqual(["yoga", "direct"]);
    // The same catalog, variables and Accept: the same tag, max-age and Vary as Yoga's own answer.
    expect(again.edge).toEqual(first.edge);
    expect(again.edge.headers.etag).toMatch(/^W\/"/);
    expect(again.edge.headers["cache-control"]).toBe("public, max-age=60");
    const revalidated = await send({ method: "GET", query, headers: { "if-none-match": again.edge.headers.etag! } });
    expect([revalidated.by, revalidated.edge.status, revalidated.edge.body]).toEqual(["yoga", 304, ""]);
  });

  it("keeps media types apart: an operation known for one Accept is Yoga's for another", async () => {
    const { send } = await setup();
    const body = { query: PAGE, variables: { n: 1 } };
    await send({ method: "POST", body });
    const other = await send({ method: "POST", body, headers: { accept: "application/graphql-response+json" } });
    expect(other.by).toBe("yoga");
    const direct = await send({ method: "POST", body, headers: { accept: "application/graphql-response+json" } });
    expect(direct.by).toBe("direct");
    expect(direct.edge.headers["content-type"]).toBe("application/graphql-response+json; charset=utf-8");
    expect(direct.edge).toEqual(other.edge);
  });

  it("hands a result with errors to Yoga, which answers it as its own: status, codes and masking", async () => {
    const { send } = await setup();
    await send({ method: "POST", body: { query: PAGE, variables: { n: 1 } } });
    for (const [variables, code] of [
      [{ n: 500 }, "BAD_USER_INPUT"],
      [{ n: "many" }, "BAD_USER_INPUT"],
      [{ n: 1, after: "not-a-cursor" }, "BAD_USER_INPUT"],
      [{}, "BAD_USER_INPUT"],
    ] as const) {
      for (const accept of ["application/json", "application/graphql-response+json"]) {
        const body = { query: PAGE, variables };
        if (accept !== "application/json") await send({ method: "POST", body: { query: PAGE, variables: { n: 1 } }, headers: { accept } });
        const answer = await send({ method: "POST", body, headers: { accept } });
        expect(answer.by, JSON.stringify(variables)).toBe("direct");
        expect([answer.edge.status, answer.edge.body], JSON.stringify(variables)).toEqual([answer.yoga.status, answer.yoga.body]);
        expect(JSON.parse(answer.edge.body).errors[0].extensions.code).toBe(code);
        expect(answer.edge.headers["cache-control"]).toBe("no-store");
      }
    }
  });

  it("counts each operation it executes once, by the name in its document", async () => {
    const { gateway, send } = await setup();
    const query = "query FrontPage($n: Int!) { articles(first: $n) { totalCount } }";
    await send({ method: "POST", body: { query, variables: { n: 1 } } });
    const before = await scrape(gateway.url, gateway.fetch);
    const ok = await send({ method: "POST", body: { query, variables: { n: 2 } } });
    const failed = await send({ method: "POST", body: { query, variables: { n: 500 } } });
    expect([ok.by, failed.by]).toEqual(["direct", "direct"]);
    const after = await scrape(gateway.url, gateway.fetch);
    const delta = (labels: Record<string, string>) =>
      after.value("newsgate_graphql_operations_total", labels) - before.value("newsgate_graphql_operations_total", labels);
    expect(delta({ operation: "FrontPage", outcome: "ok" })).toBe(1);
    expect(delta({ operation: "FrontPage", outcome: "error" })).toBe(1);
    expect(
      after.value("newsgate_graphql_operation_duration_seconds_count", { operation: "FrontPage", outcome: "ok" }) -
        before.value("newsgate_graphql_operation_duration_seconds_count", { operation: "FrontPage", outcome: "ok" }),
    ).toBe(1);
  });

  it("logs an unexpected resolver error once, with the request's id, and masks it for the client as Yoga does", async () => {
    const captured = captureLogs("info");
    const { gateway, send } = await setup({ logger: captured.logger });
    const query = "query Related { articles(first: 1) { edges { node { related(first: 2) { article { title } } } } } }";
    const learned = await send({ method: "POST", body: { query } });
    expect(JSON.parse(learned.edge.body).data.articles.edges[0].node.related).toEqual(expect.any(Array));
    const catalog = await gateway.store.catalog();
    catalog.relatedTo = () => {
      throw new Error("disk on fire at /var/secret");
    };
    const failed = await send({ method: "POST", body: { query } });
    expect(failed.by).toBe("direct");
    expect(failed.edge.body).not.toContain("disk on fire");
    expect(JSON.parse(failed.edge.body).errors[0].message).toBe("Unexpected error.");
    const errors = captured.lines.filter((line) => line.level === LEVEL.error && line.reqId === failed.requestId);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.err.stack).toContain("disk on fire");
  });

  it("leaves to Yoga what it has not answered cleanly for the same method, document, operation name and headers", async () => {
    const { send } = await setup();
    const query = "query A { articles(first: 1) { totalCount } } query B { sections { slug } }";
    await send({ method: "POST", body: { query, operationName: "A" } });
    expect((await send({ method: "POST", body: { query, operationName: "A" } })).by).toBe("direct");
    expect((await send({ method: "POST", body: { query, operationName: "B" } })).by).toBe("yoga");
    // The same document by GET is another request to Yoga (its method rules and caching differ).
    expect((await send({ method: "GET", query: { query, operationName: "A" } })).by).toBe("yoga");
    // A refusal is never learned: the operation stays Yoga's.
    const costly =
      "{ articles(first: 100) { edges { node { related(first: 20) { article { related(first: 20) { article { id } } } } } } } }";
    const refused = await send({ method: "POST", body: { query: costly } });
    expect(JSON.parse(refused.edge.body).errors[0].extensions.code).toBe("QUERY_TOO_COSTLY");
    expect((await send({ method: "POST", body: { query: costly } })).by).toBe("yoga");
    // Unexpected parameters are Yoga's to refuse, known document or not.
    const extra = await send({ method: "POST", body: { query, operationName: "A", unexpected: 1 } });
    expect([extra.by, extra.edge.status, extra.edge.body]).toEqual(["yoga", extra.yoga.status, extra.yoga.body]);
  });
});

describe("prepared operations (compiled, run without envelop)", () => {
  it("once envelop has run a document cleanly and compiled it, runs it alone; any other outcome goes back to envelop", async () => {
    const { gateway } = await setup();
    const compiler = createQueryCompiler();
    const cost = createQueryCostLimit({ maxCost: 30 });
    const context = (initial: ServerContext) => {
      const exchange = initial.edge;
      return createContext(gateway.store, gateway.articleEvents, exchange && ((catalog) => exchange.readCatalog(catalog)));
    };
    const yoga = createYoga<ServerContext>({ schema, context, plugins: [cost.plugin, compiler.plugin], maskedErrors: { isDev: false } });
    let envelopRuns = 0;
    const getEnveloped = (initial: ServerContext) => {
      envelopRuns++;
      return yoga.getEnveloped(initial);
    };
    const run = createDirectExecution({
      yoga: { getEnveloped: getEnveloped as unknown as DirectExecutionOptions["yoga"]["getEnveloped"] },
      prepared: { compiler, cost, context },
    });
    const memo: OperationMemo = {};
    const ask = (variables: Record<string, unknown>, withMemo = true) => {
      const serverContext = { edge: new EdgeExchange(null) };
      return run({ query: PAGE, variables }, serverContext, withMemo ? memo : undefined).then((outcome) => ({ outcome, serverContext }));
    };
    // Interpreted twice, compiled on the third execution: prepared from then on.
    for (const n of [1, 2, 3]) expect((await ask({ n })).outcome.kind).toBe("answer");
    expect([envelopRuns, memo.prepared?.name]).toEqual([3, "Page"]);
    const fast = await ask({ n: 4 });
    expect(envelopRuns).toBe(3);
    // The very answer envelop gives (compiled there too), and the exchange learned the catalog it read.
    expect(fast.outcome).toEqual((await ask({ n: 4 }, false)).outcome);
    expect(fast.serverContext.edge.catalog).toBe(await gateway.store.catalog());
    envelopRuns = 0;
    // A cost over the limit, variables that do not coerce, a page size the resolver refuses: each is envelop's to answer.
    for (const variables of [{ n: 20 }, { n: "many" }, { n: 500 }, { n: 1, after: "not-a-cursor" }]) {
      const { outcome } = await ask(variables);
      expect(outcome.kind, JSON.stringify(variables)).toBe("result");
    }
    expect(envelopRuns).toBe(4);
    const refused = await ask({ n: 20 });
    expect(refused.outcome.kind === "result" && refused.outcome.result.errors?.[0]?.extensions.code).toBe("QUERY_TOO_COSTLY");
  });

  it("answers refusals and errors of a prepared operation as Yoga alone does, and counts each request once", async () => {
    const { gateway, send } = await setup({}, { maxCost: 30 });
    const query = PAGE.replace("query Page", "query Prepared");
    const accepts = ["application/json", "application/graphql-response+json"];
    const before = await scrape(gateway.url, gateway.fetch);
    // Per media type, the first is Yoga's; then envelop runs the document, compiled from its third execution on.
    for (const accept of accepts) {
      for (const n of [1, 2, 3, 4]) {
        const clean = await send({ method: "POST", body: { query, variables: { n } }, headers: { accept } });
        expect([clean.edge.status, clean.edge.body]).toEqual([clean.yoga.status, clean.yoga.body]);
      }
    }
    const variants = [{ n: 20 }, { n: "many" }, { n: 500 }, { n: 1, after: "not-a-cursor" }, {}];
    for (const variables of variants) {
      for (const accept of accepts) {
        const answer = await send({ method: "POST", body: { query, variables }, headers: { accept } });
        const where = `${JSON.stringify(variables)} ${accept}`;
        expect([answer.by, answer.edge.status, answer.edge.body], where).toEqual(["direct", answer.yoga.status, answer.yoga.body]);
        expect(answer.edge.headers["cache-control"], where).toBe("no-store");
      }
    }
    const after = await scrape(gateway.url, gateway.fetch);
    const delta = (outcome: string) =>
      after.value("newsgate_graphql_operations_total", { operation: "Prepared", outcome }) -
      before.value("newsgate_graphql_operations_total", { operation: "Prepared", outcome });
    expect([delta("ok"), delta("error")]).toEqual([4 * accepts.length, variants.length * accepts.length]);
  });
});

describe("directParams", () => {
  it("takes a query with an object of variables and a string operation name", () => {
    expect(directParams({ query: "{ a }" })).toEqual({ query: "{ a }", variables: undefined, operationName: undefined });
    expect(directParams({ query: "{ a }", variables: { n: 1 }, operationName: "A" })).toEqual({
      query: "{ a }",
      variables: { n: 1 },
      operationName: "A",
    });
    expect(directParams({ query: "{ a }", variables: null, operationName: null, extra: null })).toEqual({
      query: "{ a }",
      variables: null,
      operationName: null,
    });
  });

  it("leaves to Yoga whatever it refuses or treats apart", () => {
    for (const params of [
      null,
      "{ a }",
      [{ query: "{ a }" }],
      {},
      { query: 1 },
      { query: "{ a }", variables: [1] },
      { query: "{ a }", variables: "{}" },
      { query: "{ a }", operationName: 7 },
      { query: "{ a }", extensions: {} },
      { query: "{ a }", extensions: null },
      { query: "{ a }", documentId: "abc" },
      { query: "{ a @defer { b } }" },
      { query: "{ list @stream }" },
    ]) {
      expect(directParams(params), JSON.stringify(params)).toBeNull();
    }
  });
});
