/**
 * `npm run bench:load`: autocannon against a gateway child process, over
 * loopback only, while a third of its sources are faulty (the fault server of
 * tests/helpers). A mix of article-page, section-list, search and related
 * queries at 50 and 200 connections; reports throughput, p50/p99/max latency,
 * errors (non-2xx, timeouts, GraphQL errors) and the child's memory before and
 * after, after a forced GC. `--soak` runs one long round at 50 connections and
 * reports heap growth, sampled after forced GCs.
 *
 *   --duration S     seconds per round (default 30; soak 300)
 *   --connections L  comma-separated connection counts (default 50,200)
 *   --soak           one long round, heap sampled every 30 s
 *   --sources N      sources in all (default 30; a third faulty)
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { FAULTS, startFaultServer, type Fault } from "../tests/helpers/fault-server.ts";

// autocannon ships no types; the bench uses a handful of its result fields.
const autocannon = createRequire(import.meta.url)("autocannon") as (options: Record<string, unknown>) => Promise<any>;

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Items each good source serves: enough for paging, search and related to do real work. */
const ITEMS_PER_SOURCE = 40;
/** Faults that keep a source failing the whole run (the "ids-changed" and "zero-items" kinds read fine). */
const LOAD_FAULTS: Fault[] = FAULTS.filter(
  (f) => !["wrong-content-type", "wrong-charset", "ids-changed", "zero-items", "truncated-xml", "xml-bomb"].includes(f),
);
const SECTIONS = ["technology", "science", "business"];

interface Memory {
  heapUsed: number;
  rss: number;
  gcForced: boolean;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { duration: { type: "string" }, connections: { type: "string" }, soak: { type: "boolean" }, sources: { type: "string" } },
  });
  const soak = values.soak ?? false;
  const duration = Number(values.duration ?? (soak ? 300 : 30));
  const connections = (values.connections ?? (soak ? "50" : "50,200")).split(",").map(Number);
  const sourceCount = Number(values.sources ?? 30);

  const upstream = await startFaultServer({ items: ITEMS_PER_SOURCE });
  const sources = Array.from({ length: sourceCount }, (_, i) => {
    const faulty = i % 3 === 2;
    const name = `s${i}`;
    const fault = faulty ? LOAD_FAULTS[Math.floor(i / 3) % LOAD_FAULTS.length]! : null;
    if (fault) upstream.setFault(name, fault);
    // Short timeouts and refresh times so faulty sources keep being retried (and backing off) during the run.
    return {
      id: name,
      name,
      url: upstream.url(name),
      section: SECTIONS[i % SECTIONS.length],
      refreshSeconds: 60,
      timeoutMs: 1000,
      maxBytes: 1024 * 1024,
      fault,
    };
  });
  const dir = await mkdtemp(path.join(tmpdir(), "newsgate-bench-load-"));
  const file = path.join(dir, "sources.json");
  await writeFile(
    file,
    JSON.stringify({ sections: SECTIONS.map((slug) => ({ slug, name: slug })), sources: sources.map(({ fault: _fault, ...s }) => s) }),
  );

  const child = fork(path.join(HERE, "gateway-child.ts"), [file], {
    execArgv: ["--import", "tsx", "--expose-gc"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const url = await once<{ url: string }>(child, "ready", 60_000).then((m) => m.url);
    const requests = await buildRequests(url);
    console.log(
      `gateway ${url}; ${sourceCount} sources, ${sources.filter((s) => s.fault).length} faulty (${[...new Set(sources.flatMap((s) => (s.fault ? [s.fault] : [])))].join(", ")})`,
    );
    const memoryBefore = await memory(child);
    const rows: Record<string, unknown>[] = [];
    if (soak) {
      const samples: number[] = [memoryBefore.heapUsed];
      const run = load(url, requests, connections[0]!, duration);
      const sampler = setInterval(() => void memory(child).then((m) => samples.push(m.heapUsed)), 30_000);
      const result = await run;
      clearInterval(sampler);
      const after = await memory(child);
      samples.push(after.heapUsed);
      rows.push(row(result, connections[0]!));
      console.table(rows);
      console.log(`heap after forced GC, MiB, every 30 s: ${samples.map(mib).join(" → ")}`);
      console.log(
        `heap growth over ${duration} s: ${mib(after.heapUsed - memoryBefore.heapUsed)} MiB (rss ${mib(memoryBefore.rss)} → ${mib(after.rss)} MiB)`,
      );
    } else {
      for (const count of connections) {
        const result = await load(url, requests, count, duration);
        rows.push(row(result, count));
      }
      const after = await memory(child);
      console.table(rows);
      console.log(
        `memory after forced GC: heap ${mib(memoryBefore.heapUsed)} → ${mib(after.heapUsed)} MiB, rss ${mib(memoryBefore.rss)} → ${mib(after.rss)} MiB${after.gcForced ? "" : " (GC not exposed)"}`,
      );
    }
    const failed = rows.some((r) => Number(r.errors) > 0);
    if (failed) process.exitCode = 1;
  } finally {
    child.send({ type: "stop" });
    await Promise.race([new Promise((r) => child.once("exit", r)), new Promise((r) => setTimeout(r, 5_000))]);
    child.kill();
    await upstream.close();
  }
}

/** The mix: article pages, section lists, searches and related blocks, for real ids the gateway holds. */
async function buildRequests(url: string) {
  const answer = (await (
    await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ articles(first: 50) { edges { node { id } } } }" }),
    })
  ).json()) as any;
  const ids: string[] = answer.data.articles.edges.map((e: any) => e.node.id);
  if (ids.length === 0) throw new Error("the gateway holds no articles");
  const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });
  const articlePage =
    "query Page($id: ID!) { article(id: $id) { id title summary url publishedAt readingTimeMinutes section { slug name } sources { name } related(first: 3) { score article { title url } } } }";
  const sectionList =
    "query List($section: String!) { articles(section: $section, first: 20) { totalCount edges { cursor node { id title url publishedAt } } pageInfo { hasNextPage endCursor } } }";
  const search = "query Search($q: String!) { articles(query: $q, first: 10) { totalCount edges { node { id title } } } }";
  const related = "query Related($id: ID!) { article(id: $id) { related(first: 10) { score reason article { id title } } } }";
  const bodies: string[] = [];
  for (let i = 0; i < 40; i++) {
    const id = ids[i % ids.length]!;
    bodies.push(
      body(articlePage, { id }),
      body(sectionList, { section: SECTIONS[i % SECTIONS.length] }),
      body(search, { q: ["story", "café", "about", `s${i % 20}`][i % 4] }),
      body(related, { id }),
    );
  }
  return bodies.map((b) => ({
    method: "POST",
    path: "/graphql",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: b,
  }));
}

async function load(url: string, requests: { body: string }[], connections: number, duration: number) {
  let graphqlErrors = 0;
  const instance = autocannon({
    url,
    connections,
    duration,
    timeout: 10,
    requests,
    // Each response body is checked: a GraphQL error in a 200 counts as an error too.
    setupClient: (client: any) => client.on("body", (buf: Buffer) => void (buf.includes('"errors"') && graphqlErrors++)),
  });
  const result = await instance;
  return { ...result, graphqlErrors };
}

function row(result: any, connections: number) {
  return {
    connections,
    "req/s": Math.round(result.requests.average),
    requests: result.requests.total,
    "p50 ms": result.latency.p50,
    "p99 ms": result.latency.p99,
    "max ms": result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx + result.graphqlErrors,
  };
}

function memory(child: ChildProcess): Promise<Memory> {
  child.send({ type: "memory" });
  return once<Memory>(child, "memory", 30_000);
}

function once<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" from the gateway within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: any) => {
      if (message?.type !== type) return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(message as T);
    };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`the gateway exited (${code})`)));
  });
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
