import fc from "fast-check";
import { Agent, request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/http/server/app.ts";
import { directParams } from "../../src/http/edge-cache/direct-execution.ts";
import { CACHE_STATUS_HEADER } from "../../src/http/edge-cache/edge-cache.ts";
import { MAX_PARAMS_JSON_DEPTH, nestsDeeperThan, PARAMETERS_TOO_DEEP } from "../../src/http/server/request-params.ts";
import { listen, type RunningServer } from "../../src/http/server/server.ts";
import { DEFAULT_MAX_REQUEST_BODY_BYTES } from "../../src/http/plugins/use-http-hygiene.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { startGateway } from "../helpers/gateway.ts";

/**
 * Malformed client input must never get a 500 nor have its body quoted back:
 * GraphQL parameters that are not JSON, malformed percent escapes, variables
 * nested thousands deep, and bodies that are not JSON. Every such
 * request gets a coded 400, through the edge cache and without it, and the
 * property tests below throw generated requests at both.
 */

/** Fixed so a failure reproduces; override with FUZZ_SEED to explore. Printed on every run. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261205);
const RUNS = 250;

const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>Input</title>${["Alpha", "Beta", "Gamma"]
  .map(
    (t, i) =>
      `<item><title>${t} story</title><link>https://input.example/${i}</link><pubDate>${new Date(Date.UTC(2026, 9, 1, i)).toUTCString()}</pubDate></item>`,
  )
  .join("")}</channel></rss>`;

const deep = (levels: number, inner = "") => "[".repeat(levels) + inner + "]".repeat(levels);
const FORM = "application/x-www-form-urlencoded";
const ACCEPTS = ["application/json", "application/graphql-response+json"];

interface Answer {
  status: number;
  contentType: string;
  cacheStatus: string | null;
  text: string;
}

/** One request over a kept-alive node:http connection: the path goes out as given (latin-1 bytes, `%ZZ`, brackets), unlike fetch's. */
function send(
  agent: Agent,
  base: string,
  init: { method: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: init.method,
        path: init.path,
        headers: { ...(init.body === undefined ? {} : { "content-length": String(Buffer.byteLength(init.body)) }), ...init.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            contentType: String(res.headers["content-type"] ?? ""),
            cacheStatus: (res.headers[CACHE_STATUS_HEADER] as string) ?? null,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** The contract for any input: never 5xx; a 4xx is a JSON body whose errors all carry a code and no `originalError`. */
function expectCoded(answer: Answer, what: string): void {
  expect(answer.status, `${what}\n${answer.text.slice(0, 500)}`).toBeLessThan(500);
  if (answer.status < 400) return;
  expect(answer.contentType, `${what} → ${answer.status}`).toMatch(/json/);
  const body = JSON.parse(answer.text) as { errors?: { message?: unknown; extensions?: Record<string, unknown> }[] };
  expect(body.errors?.length, `${what}\n${answer.text.slice(0, 500)}`).toBeGreaterThan(0);
  for (const error of body.errors!) {
    expect(typeof error.message, what).toBe("string");
    expect(typeof error.extensions?.code, `${what}\n${answer.text.slice(0, 500)}`).toBe("string");
    expect(error.extensions, what).not.toHaveProperty("originalError");
  }
}

/** A path for node:http: characters it refuses (controls, space, beyond latin-1) percent-encoded, everything else sent raw. */
const rawPath = (search: string) => `/graphql?${search.replace(/[^\u0021-\u00ff]/gu, (c) => encodeURIComponent(c))}`;

describe("client input that used to answer 500", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let plain: RunningServer;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const executedBy: string[] = [];
  /** The gateway (edge cache in front of Yoga) and a Yoga-only app over the same store. */
  let servers: [string, string][];

  beforeAll(async () => {
    upstream = await startFixtureServer({
      "/input.rss": (_req, res) => void res.writeHead(200, { "content-type": "application/rss+xml" }).end(rss),
    });
    gateway = await startGateway(
      { sources: [{ id: "input", name: "Input", url: upstream.url("/input.rss"), section: "technology", refreshSeconds: 600 }] },
      { http: { edgeCache: { onMiss: (by) => executedBy.push(by) } } },
    );
    await gateway.warmUp();
    plain = await listen(createApp({ store: gateway.store, articleEvents: gateway.articleEvents, edgeCache: false }), 0, "127.0.0.1");
    servers = [
      ["edge cache", gateway.url],
      ["no edge cache", plain.url],
    ];
  });
  afterAll(async () => {
    agent.destroy();
    await plain?.close();
    await gateway?.close();
    await upstream?.close();
  });

  // Built as text: JSON.stringify itself overflows the stack near 4,000 levels (the very fault refused here).
  const variablesDeep = `{"query":"query($v: Int) { __typename }","variables":{"v":${deep(5000)}}}`;
  const cases: [string, { method: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string }, string, RegExp][] = [
    [
      "GET with variables that are not JSON",
      { method: "GET", path: "/graphql?query={__typename}&variables={" },
      "BAD_REQUEST",
      /"variables" is not valid JSON/,
    ],
    [
      "GET with extensions that are not JSON",
      { method: "GET", path: "/graphql?query={__typename}&extensions={" },
      "BAD_REQUEST",
      /"extensions" is not valid JSON/,
    ],
    [
      "GET with a malformed percent escape in another parameter",
      { method: "GET", path: "/graphql?query={__typename}&x=%ZZ" },
      "BAD_REQUEST",
      /malformed percent escape \("%ZZ"\) in parameter "x"/,
    ],
    [
      "GET with a malformed percent escape in the query",
      { method: "GET", path: "/graphql?query={__typename%ZZ}" },
      "BAD_REQUEST",
      /malformed percent escape \("%ZZ"\) in parameter "query"/,
    ],
    [
      "GET with a truncated percent escape",
      { method: "GET", path: "/graphql?query={__typename}%2" },
      "BAD_REQUEST",
      /malformed percent escape \("%2"\)/,
    ],
    [
      "GET with percent escapes that are not UTF-8",
      { method: "GET", path: "/graphql?query={__typename}&x=%FF%FE" },
      "BAD_REQUEST",
      /not UTF-8/,
    ],
    [
      "GET with variables 5,000 deep (raw brackets, within the header limit)",
      { method: "GET", path: `/graphql?query={__typename}&variables={"v":${deep(5000)}}` },
      PARAMETERS_TOO_DEEP,
      /"variables" nests .* more than 64 levels/,
    ],
    [
      "form POST",
      { method: "POST", path: "/graphql", headers: { "content-type": FORM }, body: "query={__typename}&variables={" },
      "BAD_REQUEST",
      /form body's "variables" is not valid JSON/,
    ],
    [
      "form POST with bad extensions",
      { method: "POST", path: "/graphql", headers: { "content-type": FORM }, body: "query={__typename}&extensions=nope" },
      "BAD_REQUEST",
      /"extensions" is not valid JSON/,
    ],
    [
      "form POST with a malformed percent escape",
      { method: "POST", path: "/graphql", headers: { "content-type": FORM }, body: "query={__typename}&x=%ZZ" },
      "BAD_REQUEST",
      /malformed percent escape/,
    ],
    [
      "form POST with deep variables",
      {
        method: "POST",
        path: "/graphql",
        headers: { "content-type": FORM },
        body: `query={__typename}&variables=${encodeURIComponent(`{"v":${deep(5000)}}`)}`,
      },
      PARAMETERS_TOO_DEEP,
      /"variables" nests/,
    ],
    [
      "JSON POST with variables 5,000 deep",
      { method: "POST", path: "/graphql", headers: { "content-type": "application/json" }, body: variablesDeep },
      PARAMETERS_TOO_DEEP,
      /"variables" nests/,
    ],
    [
      "JSON POST with extensions 5,000 deep",
      {
        method: "POST",
        path: "/graphql",
        headers: { "content-type": "application/json" },
        body: `{"query":"{__typename}","extensions":{"x":${deep(5000)}}}`,
      },
      PARAMETERS_TOO_DEEP,
      /"extensions" nests/,
    ],
    [
      "JSON POST with variables as deep as the body limit allows",
      {
        method: "POST",
        path: "/graphql",
        headers: { "content-type": "application/json" },
        body: `{"query":"{__typename}","variables":{"v":${deep((DEFAULT_MAX_REQUEST_BODY_BYTES - 100) / 2)}}}`,
      },
      PARAMETERS_TOO_DEEP,
      /"variables" nests/,
    ],
    [
      "JSON POST that is cut short",
      { method: "POST", path: "/graphql", headers: { "content-type": "application/json" }, body: '{"query":' },
      "BAD_REQUEST",
      /^POST body sent invalid JSON: send one JSON object/,
    ],
    [
      "graphql+json POST that is cut short",
      { method: "POST", path: "/graphql", headers: { "content-type": "application/graphql+json" }, body: '{"query":"{__typename' },
      "BAD_REQUEST",
      /invalid JSON/,
    ],
  ];

  for (const [name, init, code, message] of cases) {
    it(`answers ${name} with 400 ${code}, with and without the edge cache`, async () => {
      for (const [which, base] of servers) {
        for (const accept of ACCEPTS) {
          const what = `${name} (${which}, ${accept})`;
          const answer = await send(agent, base, { ...init, headers: { accept, ...init.headers } });
          expectCoded(answer, what);
          expect(answer.status, what).toBe(400);
          const error = JSON.parse(answer.text).errors[0];
          expect(error.extensions, what).toEqual({ code });
          expect(error.message, what).toMatch(message);
          // The parser's own message quoted the body back.
          expect(answer.text, what).not.toMatch(/originalError|SyntaxError|is not valid JSON"/);
        }
      }
    });
  }

  it(`takes variables and extensions ${MAX_PARAMS_JSON_DEPTH} levels deep and refuses ${MAX_PARAMS_JSON_DEPTH + 1}`, async () => {
    // The variables object is level 1: an unused variable holding 63 nested arrays is 64.
    const at = (levels: number) => JSON.stringify({ query: "{ __typename }", variables: { x: JSON.parse(deep(levels - 1)) } });
    for (const [which, base] of servers) {
      const post = (body: string) =>
        send(agent, base, {
          method: "POST",
          path: "/graphql",
          headers: { "content-type": "application/json", accept: "application/json" },
          body,
        });
      expect((await post(at(MAX_PARAMS_JSON_DEPTH))).status, which).toBe(200);
      expect(JSON.parse((await post(at(MAX_PARAMS_JSON_DEPTH + 1))).text).errors[0].extensions.code, which).toBe(PARAMETERS_TOO_DEEP);
      const get = (levels: number) =>
        send(agent, base, {
          method: "GET",
          path: `/graphql?query={__typename}&extensions=${encodeURIComponent(JSON.stringify({ x: JSON.parse(deep(levels - 1)) }))}`,
          headers: { accept: "application/json" },
        });
      expect((await get(MAX_PARAMS_JSON_DEPTH)).status, which).toBe(200);
      expect((await get(MAX_PARAMS_JSON_DEPTH + 1)).status, which).toBe(400);
    }
  });

  it("still answers form posts, percent-encoded UTF-8 and repeated parameters as before", async () => {
    const query = encodeURIComponent("# café ☕\n{ sections { slug } }");
    for (const [which, base] of servers) {
      for (const init of [
        { method: "GET" as const, path: `/graphql?query=${query}&query=ignored&variables=&x=%25ZZ+y` },
        { method: "POST" as const, path: "/graphql", headers: { "content-type": FORM }, body: `query=${query}&variables=%7B%7D` },
      ]) {
        const answer = await send(agent, base, { ...init, headers: { accept: "application/json", ...init.headers } });
        expect(answer.status, `${which} ${init.method}`).toBe(200);
        expect(JSON.parse(answer.text), `${which} ${init.method}`).toEqual({ data: { sections: expect.any(Array) } });
      }
    }
  });

  it("refuses deep variables on the direct-execution path too (an operation Yoga has answered cleanly)", async () => {
    const query = "query Page($n: Int) { articles(first: $n) { edges { node { title } } } }";
    const post = (variables: string) =>
      send(agent, gateway.url, {
        method: "POST",
        path: "/graphql",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: `{"query":${JSON.stringify(query)},"variables":${variables}}`,
      });
    expect((await post('{"n":1}')).status).toBe(200);
    const direct = await post('{"n":2}');
    expect(direct.status).toBe(200);
    expect(executedBy.at(-1)).toBe("direct");
    const refused = await post(`{"n":3,"x":${deep(5000)}}`);
    expectCoded(refused, "deep variables on a known operation");
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe(PARAMETERS_TOO_DEEP);
    // And the operation still runs directly afterwards.
    expect((await post('{"n":3}')).status).toBe(200);
    expect(executedBy.at(-1)).toBe("direct");
  });

  it("never runs variables over the depth limit directly", () => {
    expect(directParams({ query: "{ __typename }", variables: { x: JSON.parse(deep(MAX_PARAMS_JSON_DEPTH)) } })).toBeNull();
    expect(directParams({ query: "{ __typename }", variables: { x: JSON.parse(deep(MAX_PARAMS_JSON_DEPTH - 1)) } })).not.toBeNull();
  });

  it("measures depth without recursion, at any depth", () => {
    const million = JSON.parse(deep(1_000_000));
    expect(nestsDeeperThan(million, MAX_PARAMS_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan({ a: [{ b: 1 }], c: "x" }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
    expect(nestsDeeperThan("scalar", 0)).toBe(false);
  });

  it("answers a raw request with a malformed escape over a bare socket with a coded 400 too", async () => {
    for (const [which, base] of servers) {
      const port = Number(new URL(base).port);
      const response = await new Promise<string>((resolve) => {
        let text = "";
        const socket = connect(port, "127.0.0.1", () =>
          socket.write(
            "GET /graphql?query=%7B__typename%7D&v=%%%GG&variables=%7B HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
          ),
        );
        socket.on("data", (chunk) => (text += chunk.toString("latin1")));
        socket.on("close", () => resolve(text));
      });
      expect(response, which).toMatch(/^HTTP\/1\.1 400 /);
      expect(response, which).toMatch(/"code":"BAD_REQUEST"/);
    }
  });

  // --- Property tests: generated requests, both servers, no 5xx and a code on every 4xx. ---

  const badEscape = fc.constantFrom(
    "%",
    "%Z",
    "%ZZ",
    "%2",
    "%G0",
    "%FF",
    "%C0%AF",
    "%E2%82",
    "%ED%A0%80",
    "%%",
    "%25",
    "%00",
    "%0A",
    "+",
    "&",
    "=",
    "#",
  );
  const text = fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 40, unit: "grapheme" }) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: "binary" }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "{__typename}",
        "{ sections { slug } }",
        "query Q { __typename }",
        "{",
        "null",
        "{}",
        "[]",
        '{"a":1}',
        "1",
        '"x"',
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 6_000 }).map((n) => "x".repeat(n)) },
  );
  /** A query-string component: encoded, raw, or raw with bad escapes spliced in. */
  const component = fc.oneof(
    text.map((t) => encodeURIComponent(t)),
    text,
    fc.tuple(text, badEscape, text).map(([a, e, b]) => `${encodeURIComponent(a)}${e}${b}`),
  );
  const paramName = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom("query", "variables", "operationName", "extensions") },
    { weight: 2, arbitrary: component },
  );
  const jsonish = fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc.integer({ min: 1, max: 6_000 }).map((n) => `{"v":${deep(n)}}`),
    fc.json({ maxDepth: 3 }).map((j) => j.slice(0, Math.max(0, j.length - 1))),
  );
  const pairValue = fc.oneof(
    component,
    jsonish.map((j) => encodeURIComponent(j)),
    jsonish,
  );
  /** A query string: pairs, duplicates likely (names repeat), with stray separators. */
  const queryString = fc
    .array(
      fc.oneof(
        { weight: 8, arbitrary: fc.tuple(paramName, pairValue).map(([k, v]) => `${k}=${v}`) },
        { weight: 1, arbitrary: fc.constantFrom("", "=", "query", "&&", "query=") },
      ),
      { maxLength: 8 },
    )
    .map((pairs) => pairs.join("&"))
    // Within the 16 KB header limit (beyond it Node itself answers 431, without a body).
    .filter((search) => Buffer.byteLength(rawPath(search)) < 12_000);

  const anyValue = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom("{__typename}", "{ sections { slug } }", "query A { __typename } query B { __typename }", "{ nope }", ""),
  );
  const jsonBody = fc.oneof(
    // Objects with the four parameters, each of any type, and sometimes an extra one.
    fc
      .record(
        { query: anyValue, variables: anyValue, operationName: anyValue, extensions: anyValue, extra: anyValue },
        { requiredKeys: [] },
      )
      .map((body) => JSON.stringify(body)),
    fc.integer({ min: 1, max: 20_000 }).map((n) => `{"query":"query($v: Int) { __typename }","variables":{"v":${deep(n)}}}`),
    fc.integer({ min: 1, max: 40_000 }).map((n) => `{"query":"{__typename}","extensions":${deep(n, "{}")}}`),
    fc.json({ maxDepth: 4 }),
    fc.json({ maxDepth: 4 }).map((j) => j.slice(0, Math.floor(j.length / 2))),
    fc.string({ maxLength: 200, unit: "binary" }),
  );
  const contentType = fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "application/graphql+json",
    "application/json, text/plain",
  );

  const property = <T>(
    arbitrary: fc.Arbitrary<T>,
    toRequest: (value: T) => { method: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string },
  ) =>
    fc.asyncProperty(arbitrary, fc.constantFrom(...ACCEPTS), async (value, accept) => {
      const init = toRequest(value);
      for (const [which, base] of servers) {
        const answer = await send(agent, base, { ...init, headers: { accept, ...init.headers } });
        expectCoded(answer, `${which}: ${init.method} ${init.path.slice(0, 300)} ${String(init.body ?? "").slice(0, 300)}`);
      }
    });
  const fuzz = (name: string, run: () => Promise<void>) =>
    it(`${name} (seed ${SEED}, ${RUNS} runs)`, async () => {
      try {
        await run();
      } catch (error) {
        console.log(`client-input fuzz "${name}" failed: seed ${SEED} (FUZZ_SEED=${SEED} reproduces)`);
        throw error;
      }
    }, 60_000);

  fuzz("never answers a generated GET query string with 5xx", () =>
    fc.assert(
      property(queryString, (search) => ({ method: "GET", path: rawPath(search) })),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    ),
  );

  fuzz("never answers a generated form body with 5xx", () =>
    fc.assert(
      property(queryString, (body) => ({ method: "POST", path: "/graphql", headers: { "content-type": FORM }, body })),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    ),
  );

  fuzz("never answers a generated JSON body with 5xx", () =>
    fc.assert(
      property(fc.tuple(jsonBody, contentType), ([body, type]) => ({
        method: "POST",
        path: "/graphql",
        headers: { "content-type": type },
        body,
      })),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    ),
  );
});
