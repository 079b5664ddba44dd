/**
 * Scenarios 1 and 2: the gateway on the bundled demo set against a bare
 * node:http server writing the bytes the gateway answered, interleaved
 * (bare, gateway, bare, gateway, …) with autocannon on the other core.
 */
import { request as httpRequest } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { BenchOptions } from "./options.ts";
import { BenchChild, type Placement } from "./processes.ts";
import { interleave, runLoad, type Contender, type InterleavedResult, type LoadRequest } from "./load.ts";
import { median } from "./stats.ts";
import { row, type Row } from "./results.ts";

export const GRAPHQL_PATH = "/graphql";
/** What a frontend's GraphQL client sends. */
export const ACCEPT = "application/graphql-response+json, application/json";
/** The article-page query of the issue: 20 articles with their related block, about 12 KB of answer. */
export const HOT_QUERY =
  "{ articles(first: 20) { edges { node { id title url publishedAt section { name } related(first: 3) { score article { title } } } } } }";
export const HOT_QUERY_WITH_VARIABLES =
  "query ArticlePage($first: Int!, $related: Int!) { articles(first: $first) { edges { node { id title url publishedAt section { name } related(first: $related) { score article { title } } } } } }";
export const HOT_VARIABLES = { first: 20, related: 3 };

/** An article page by id with a "latest before" block; `$until` differs on every request, so no answer repeats. */
const MISS_ARTICLE_QUERY =
  "query ArticleMiss($id: ID!, $related: Int!, $until: DateTime!) { article(id: $id) { id title summary url publishedAt section { name } sources { name } related(first: $related) { score reason article { id title url } } } latest: articles(first: 5, until: $until) { edges { node { id title url } } } }";
/** A section or front page of varied size, up to a different instant on every request. */
const MISS_LIST_QUERY =
  "query ListMiss($first: Int!, $section: String, $until: DateTime!) { articles(first: $first, section: $section, until: $until) { totalCount edges { cursor node { id title summary url publishedAt section { name } } } } }";
/** Far enough ahead that `until` keeps every article; each request adds a second. */
const MISS_EPOCH_MS = Date.UTC(2030, 0, 1);
const CACHE_STATUS_HEADER = "x-newsgate-cache";
/**
 * The misses scenario warms each server up this many times longer than the
 * others: a miss runs far more of the gateway's code than a hit, and after a
 * warm-up of the usual length V8 is still compiling it during the first
 * measured round, which would pull the median down.
 */
const MISSES_WARMUP_FACTOR = 4;

/** The misses' peer (bench/peer-server.ts): its contender name, and what the table calls it. */
const PEER = "peer";
const PEER_LABEL = "fastify + mercurius + graphql-jit";
/** The misses' floor (bench/floor-server.ts): its contender name, and what the table calls it. */
const FLOOR = "floor";
const FLOOR_LABEL = "floor: node:http + JSON + compiled query";

interface Variant {
  id: string;
  scenario: string;
  request: LoadRequest;
}

export function post(body: unknown): LoadRequest {
  return {
    method: "POST",
    path: GRAPHQL_PATH,
    headers: { "content-type": "application/json", accept: ACCEPT },
    body: JSON.stringify(body),
  };
}

function get(query: string, variables?: unknown, headers: Record<string, string> = {}): LoadRequest {
  const search = new URLSearchParams({ query, ...(variables ? { variables: JSON.stringify(variables) } : {}) });
  return { method: "GET", path: `${GRAPHQL_PATH}?${search}`, headers: { accept: ACCEPT, ...headers } };
}

export const HOT_VARIANTS: Variant[] = [
  { id: "hot.post", scenario: "1. hot query, POST", request: post({ query: HOT_QUERY }) },
  {
    id: "hot.post-variables",
    scenario: "1. hot query, POST with variables",
    request: post({ query: HOT_QUERY_WITH_VARIABLES, variables: HOT_VARIABLES }),
  },
  { id: "hot.get", scenario: "1. hot query, GET", request: get(HOT_QUERY) },
  { id: "hot.get-variables", scenario: "1. hot query, GET with variables", request: get(HOT_QUERY_WITH_VARIABLES, HOT_VARIABLES) },
  // The stored brotli variant (made once, on the first request that takes br); the bare server writes the same compressed bytes.
  { id: "hot.get-br", scenario: "1. hot query, GET, Accept-Encoding: br", request: get(HOT_QUERY, undefined, { "accept-encoding": "br" }) },
];

/** A stream of queries that never repeats (article ids, related sizes, sections, page sizes and `until` all vary). */
export function missStream(articleIds: string[], sections: string[]): () => string {
  let n = 0;
  return () => missBody(n++, articleIds, sections);
}

function missBody(n: number, articleIds: string[], sections: string[]): string {
  const until = new Date(MISS_EPOCH_MS + n * 1000).toISOString();
  const k = n >> 1;
  if (n % 2 === 0) {
    const variables = { id: articleIds[k % articleIds.length], related: 1 + (Math.floor(k / articleIds.length) % 5), until };
    return JSON.stringify({ query: MISS_ARTICLE_QUERY, variables });
  }
  const section = [null, ...sections][k % (sections.length + 1)];
  return JSON.stringify({ query: MISS_LIST_QUERY, variables: { first: 1 + (k % 30), section, until } });
}

export interface Answer {
  status: number;
  contentType: string;
  /** The bytes as sent (compressed when `contentEncoding` says so). */
  bytes: Buffer;
  contentEncoding: string | null;
  cache: string | null;
}

/** Over node:http, which (unlike fetch) gives the bytes as sent, compressed ones included. */
function ask(url: string, request: LoadRequest, body = request.body): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${request.path}`, { method: request.method, headers: request.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers["content-type"] ?? ""),
          bytes: Buffer.concat(chunks),
          contentEncoding: res.headers["content-encoding"] ?? null,
          cache: (res.headers[CACHE_STATUS_HEADER] as string | undefined) ?? null,
        }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

function decodedText(answer: Answer): string {
  if (answer.contentEncoding === "br") return brotliDecompressSync(answer.bytes).toString("utf8");
  if (answer.contentEncoding === "gzip") return gunzipSync(answer.bytes).toString("utf8");
  return answer.bytes.toString("utf8");
}

/** The gateway's answer to a request, checked: 200, JSON data, no errors. */
export async function goodAnswer(url: string, request: LoadRequest, body?: string): Promise<Answer> {
  const answer = await ask(url, request, body);
  const parsed = JSON.parse(decodedText(answer)) as { data?: unknown; errors?: unknown };
  if (answer.status !== 200 || parsed.errors || !parsed.data) {
    throw new Error(`the gateway answered ${request.method} ${request.path} with ${answer.status}: ${decodedText(answer).slice(0, 300)}`);
  }
  return answer;
}

/** Whether two answers carry the same `data` (headers, bytes and key order aside). */
function sameData(a: Answer, b: Answer): boolean {
  const data = (answer: Answer) => JSON.stringify(canonical((JSON.parse(decodedText(answer)) as { data: unknown }).data));
  return data(a) === data(b);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      .map(([key, inner]) => [key, canonical(inner)]),
  );
}

export async function setBareBody(bare: BenchChild, bareUrl: string, answer: Answer, request: LoadRequest): Promise<void> {
  await bare.ask(
    { type: "body", contentType: answer.contentType, contentEncoding: answer.contentEncoding, base64: answer.bytes.toString("base64") },
    "body-set",
  );
  const echoed = await ask(bareUrl, request);
  if (!echoed.bytes.equals(answer.bytes) || echoed.contentType !== answer.contentType || echoed.contentEncoding !== answer.contentEncoding)
    throw new Error("the bare server does not write the gateway's bytes");
}

/** Median server CPU per request of a contender, when it could be read. */
function cpuPerRequest(result: InterleavedResult, name: string): number | null {
  const values = (result.runs.get(name) ?? []).map((r) => r.serverCpuUsPerRequest).filter((v): v is number => v !== null);
  return values.length ? median(values) : null;
}

/** The baseline's CPU per request (the bare server's unless named) ÷ the named server's (see `Row.cpuRatio`); null when either was not read. */
export function cpuRatio(result: InterleavedResult, name: string, baseline = "bare"): number | null {
  const base = cpuPerRequest(result, baseline);
  const server = cpuPerRequest(result, name);
  return base === null || server === null ? null : Math.round((base / server) * 1000) / 1000;
}

export function details(result: InterleavedResult) {
  return Object.fromEntries(
    [...result.runs].map(([name, runs]) => {
      const cpu = cpuPerRequest(result, name);
      return [
        name,
        {
          rounds: runs.map((r) => Math.round(r.requestsPerSecond)),
          latencyP99Ms: runs.map((r) => r.latencyP99Ms),
          failures: runs.reduce((sum, r) => sum + r.failures, 0),
          serverCpuUsPerRequest: cpu === null ? null : Math.round(cpu * 10) / 10,
          // What the req/s ratio would be if CPU alone limited both servers: steadier on a shared machine.
          cpuRatio: cpuRatio(result, name),
          loadGeneratorCpu: runs.map((r) => Math.round(r.loadGeneratorCpu * 100) / 100),
        },
      ];
    }),
  );
}

export function summary(result: InterleavedResult): string {
  return [...result.medians]
    .map(([name, rps]) => `${name} ${Math.round(rps)} req/s (${cpuPerRequest(result, name)?.toFixed(0) ?? "?"} µs CPU/req)`)
    .join(", ");
}

/** The info row of the app without its edge cache, from rounds interleaved with the bare server's. */
function yogaAloneRow(id: string, scenario: string, result: InterleavedResult): Row {
  return row({
    id,
    scenario,
    measured: { value: result.medians.get("yoga")!, unit: "req/s", label: "gateway without edge cache" },
    baseline: { value: result.medians.get("bare")!, unit: "req/s", label: "bare node:http" },
    cpuRatio: cpuRatio(result, "yoga"),
    target: null,
    details: details(result),
  });
}

export async function runHttpScenarios(options: BenchOptions, placement: Placement, log: (line: string) => void): Promise<Row[]> {
  const core = placement.pinned ? placement.serverCore : null;
  // Started where the bench runs (start-up is compiling, not measured), pinned once ready.
  const profileArgs = options.profile ? ["--cpu-prof", "--cpu-prof-dir=bench/profiles"] : [];
  const wantHot = !options.only || options.only.has("hot");
  const wantMisses = !options.only || options.only.has("misses");
  const bare = new BenchChild("bare-server.ts", { core: null });
  // With --yoga it also serves the app without its edge cache: what Yoga's path costs (a diagnostic row, no target).
  const gateway = new BenchChild("gateway-server.ts", { core: null, nodeArgs: profileArgs, args: ["--yoga"] });
  // The misses' peer (not profiled: bench/profiles/ holds the gateway's path alone).
  const peer = wantMisses ? new BenchChild("peer-server.ts", { core: null }) : null;
  // The least any server does for those queries (parse, the compiled query, stringify): where the peer and the gateway stand above it.
  const floor = wantMisses ? new BenchChild("floor-server.ts", { core: null }) : null;
  const rows: Row[] = [];
  try {
    const [bareReady, gatewayReady, peerReady, floorReady] = await Promise.all([
      bare.next("ready"),
      gateway.next("ready"),
      peer?.next("ready"),
      floor?.next("ready"),
    ]);
    bare.pin(core);
    gateway.pin(core);
    peer?.pin(core);
    floor?.pin(core);
    const bareUrl = String(bareReady.url);
    const gatewayUrl = String(gatewayReady.url);
    const yogaUrl = gatewayReady.yogaUrl ? String(gatewayReady.yogaUrl) : null;
    const peerUrl = peerReady ? String(peerReady.url) : null;
    const floorUrl = floorReady ? String(floorReady.url) : null;
    log("  servers ready");
    const contenders = (withYoga: boolean, withPeer = false): Contender[] => [
      { name: "bare", url: bareUrl, pid: bare.process.pid },
      { name: "gateway", url: gatewayUrl, pid: gateway.process.pid },
      ...(withYoga && yogaUrl ? [{ name: "yoga", url: yogaUrl, pid: gateway.process.pid }] : []),
      ...(withPeer && peerUrl ? [{ name: PEER, url: peerUrl, pid: peer!.process.pid }] : []),
      ...(withPeer && floorUrl ? [{ name: FLOOR, url: floorUrl, pid: floor!.process.pid }] : []),
    ];
    const load = {
      rounds: options.rounds,
      seconds: options.loadSeconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
    };
    // The load generator's own JIT warms up first, so the first variant's bare rounds are not slower for it.
    await runLoad(bareUrl, HOT_VARIANTS[0]!.request, options.warmupSeconds * 2, options.connections);
    let hotPost: Answer | null = null;

    for (const variant of wantHot ? HOT_VARIANTS : HOT_VARIANTS.slice(0, 1)) {
      // The first answer fills the edge cache; the bare server then writes exactly the bytes the gateway serves.
      await goodAnswer(gatewayUrl, variant.request);
      const answer = await goodAnswer(gatewayUrl, variant.request);
      hotPost ??= answer;
      if (!wantHot) break;
      await setBareBody(bare, bareUrl, answer, variant.request);
      const withYoga = variant.id === "hot.post" && yogaUrl !== null;
      if (withYoga) {
        const plain = await goodAnswer(yogaUrl, variant.request);
        if (!plain.bytes.equals(answer.bytes)) log("  note: Yoga without the edge cache answered different bytes than the gateway");
      }
      log(
        `  ${variant.scenario}: ${answer.bytes.length} bytes${answer.contentEncoding ? ` (${answer.contentEncoding}; ${Buffer.byteLength(decodedText(answer))} decoded)` : ""}, ${answer.contentType}, edge cache ${answer.cache ?? "?"}`,
      );
      if (variant.request.headers?.["accept-encoding"] && answer.contentEncoding !== variant.request.headers["accept-encoding"])
        throw new Error(`the gateway answered ${variant.id} without ${variant.request.headers["accept-encoding"]}`);
      const result = await interleave(contenders(withYoga), variant.request, load);
      log(`    ${summary(result)}`);
      rows.push(
        row({
          id: variant.id,
          scenario: variant.scenario,
          measured: { value: result.medians.get("gateway")!, unit: "req/s", label: "gateway" },
          baseline: { value: result.medians.get("bare")!, unit: "req/s", label: "bare node:http" },
          cpuRatio: cpuRatio(result, "gateway"),
          target: { on: "ratio", op: ">=", value: 0.5 },
          details: {
            answerBytes: answer.bytes.length,
            ...(answer.contentEncoding
              ? { contentEncoding: answer.contentEncoding, decodedBytes: Buffer.byteLength(decodedText(answer)) }
              : {}),
            edgeCache: answer.cache,
            ...details(result),
          },
        }),
      );
      if (withYoga) rows.push(yogaAloneRow("hot.post-yoga", "1. hot query, POST, edge cache off (Yoga alone)", result));
    }

    if (wantMisses) {
      const ids = await goodAnswer(gatewayUrl, post({ query: "{ articles(first: 100) { edges { node { id } } } sections { slug } }" }));
      const data = (
        JSON.parse(ids.bytes.toString("utf8")) as {
          data: { articles: { edges: { node: { id: string } }[] }; sections: { slug: string }[] };
        }
      ).data;
      const articleIds = data.articles.edges.map((e) => e.node.id);
      const sections = data.sections.map((s) => s.slug);
      const request: LoadRequest = { ...post({}), body: undefined, nextBody: missStream(articleIds, sections) };
      // Checked on requests of their own (far from the stream's), so the stream stays unseen.
      const checks = await Promise.all(
        [1e7, 1e7 + 1, 1e7 + 2, 1e7 + 3].map((n) => goodAnswer(gatewayUrl, request, missBody(n, articleIds, sections))),
      );
      const cacheStatuses = checks.map((c) => c.cache);
      if (cacheStatuses.includes("hit")) log("  note: a distinct query was answered from the edge cache; the miss figure may be flattered");
      // The peer answers the same requests with the same data, or its row would compare different work.
      const peerChecks = peerUrl
        ? await Promise.all([1e7, 1e7 + 1, 1e7 + 2, 1e7 + 3].map((n) => goodAnswer(peerUrl, request, missBody(n, articleIds, sections))))
        : [];
      const peerSameData = peerChecks.every((answer, i) => sameData(answer, checks[i]!));
      if (!peerSameData) log("  note: the peer answered different data than the gateway; its rows compare different work");
      const floorChecks = floorUrl
        ? await Promise.all([1e7, 1e7 + 1, 1e7 + 2, 1e7 + 3].map((n) => goodAnswer(floorUrl, request, missBody(n, articleIds, sections))))
        : [];
      const floorSameData = floorChecks.every((answer, i) => sameData(answer, checks[i]!));
      if (!floorSameData) log("  note: the floor server answered different data than the gateway; its rows compare different work");
      await setBareBody(bare, bareUrl, hotPost!, post({ query: HOT_QUERY }));
      log(
        `  2. cache misses: ${articleIds.length} article ids, ${sections.length} sections, answers ${checks.map((c) => c.bytes.length).join("/")} bytes, edge cache ${cacheStatuses.join("/")}`,
      );
      // Every server gets the same longer warm-up, on the same stream; Yoga alone too, for the issue's "2x plain Yoga", and the peer.
      const result = await interleave(contenders(true, true), request, {
        ...load,
        warmupSeconds: load.warmupSeconds * MISSES_WARMUP_FACTOR,
      });
      log(`    ${summary(result)}`);
      rows.push(
        row({
          id: "misses.post",
          scenario: "2. cache misses (distinct queries), POST",
          measured: { value: result.medians.get("gateway")!, unit: "req/s", label: "gateway" },
          baseline: { value: result.medians.get("bare")!, unit: "req/s", label: "bare node:http" },
          cpuRatio: cpuRatio(result, "gateway"),
          target: { on: "ratio", op: ">=", value: 0.15 },
          details: { answerBytes: checks.map((c) => c.bytes.length), edgeCache: cacheStatuses, ...details(result) },
        }),
      );
      if (yogaUrl) rows.push(yogaAloneRow("misses.post-yoga", "2. cache misses, POST, edge cache off (Yoga alone)", result));
      if (peerUrl) {
        const peerDetails = { answerBytes: peerChecks.map((c) => c.bytes.length), sameDataAsGateway: peerSameData };
        rows.push(
          row({
            id: "misses.post-peer",
            scenario: `2. cache misses, POST, ${PEER_LABEL} (peer)`,
            measured: { value: result.medians.get(PEER)!, unit: "req/s", label: PEER_LABEL },
            baseline: { value: result.medians.get("bare")!, unit: "req/s", label: "bare node:http" },
            cpuRatio: cpuRatio(result, PEER),
            target: null,
            details: { ...peerDetails, ...details(result) },
          }),
          // The same rounds, with the peer as the baseline: ahead of it by requests and by CPU.
          row({
            id: "misses.post-vs-peer",
            scenario: "2. cache misses, POST, gateway against the peer",
            measured: { value: result.medians.get("gateway")!, unit: "req/s", label: "gateway" },
            baseline: { value: result.medians.get(PEER)!, unit: "req/s", label: PEER_LABEL },
            cpuRatio: cpuRatio(result, "gateway", PEER),
            target: { on: "ratio", op: ">=", value: 1.1 },
            details: { ...peerDetails, ...details(result) },
          }),
        );
      }
      if (floorUrl) {
        const floorDetails = { answerBytes: floorChecks.map((c) => c.bytes.length), sameDataAsGateway: floorSameData };
        rows.push(
          row({
            id: "misses.post-floor",
            scenario: `2. cache misses, POST, ${FLOOR_LABEL}`,
            measured: { value: result.medians.get(FLOOR)!, unit: "req/s", label: FLOOR_LABEL },
            baseline: { value: result.medians.get("bare")!, unit: "req/s", label: "bare node:http" },
            cpuRatio: cpuRatio(result, FLOOR),
            target: null,
            details: { ...floorDetails, ...details(result) },
          }),
          // Where target 2 sits: 1.1x the peer, read against the least any server does for these queries.
          ...(peerUrl
            ? [
                row({
                  id: "misses.post-peer-vs-floor",
                  scenario: "2. cache misses, POST, the peer against the floor",
                  measured: { value: result.medians.get(PEER)!, unit: "req/s", label: PEER_LABEL },
                  baseline: { value: result.medians.get(FLOOR)!, unit: "req/s", label: FLOOR_LABEL },
                  cpuRatio: cpuRatio(result, PEER, FLOOR),
                  target: null,
                  details: { ...floorDetails, ...details(result) },
                }),
              ]
            : []),
          row({
            id: "misses.post-vs-floor",
            scenario: "2. cache misses, POST, gateway against the floor",
            measured: { value: result.medians.get("gateway")!, unit: "req/s", label: "gateway" },
            baseline: { value: result.medians.get(FLOOR)!, unit: "req/s", label: FLOOR_LABEL },
            cpuRatio: cpuRatio(result, "gateway", FLOOR),
            target: null,
            details: { ...floorDetails, ...details(result) },
          }),
        );
      }
    }
  } finally {
    await Promise.all([bare.stop(), gateway.stop(), peer?.stop(), floor?.stop()]);
  }
  return rows;
}
