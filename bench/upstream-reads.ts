/**
 * Scenario 5: what the gateway asks of its upstreams while many clients ask
 * it. Fixture upstreams serve feeds that never change, with an ETag (304 to a
 * read that names it); the gateway reads them with a short TTL while
 * `clients` connections keep asking it, for several TTLs of real time.
 *
 * Each upstream notes when it is read. "Once per TTL" is judged on the
 * shortest time between two reads of one source: the refresh jitter may
 * shorten a TTL by up to 10 %, no more, so anything shorter is a second read
 * within a TTL (a stampede of clients each starting one would show as gaps
 * near zero). The mean gap is reported beside it, for how late refreshes run.
 * The second row checks that a 304 is the end of it: the read is neither
 * parsed (the gateway counts it as not modified) nor merged (its catalog
 * version does not move).
 */
import type { BenchOptions } from "./options.ts";
import type { ChildMessage, Placement } from "./processes.ts";
import { runLoad } from "./load.ts";
import { row, type Row } from "./results.ts";
import { ACCEPT, GRAPHQL_PATH } from "./hot-queries.ts";
import { startUpstreamGateway } from "./upstream-gateway.ts";
import { JITTER } from "../src/store/source-cache/refresh-policy.ts";

/** Per mode: the sources' TTL, how many TTLs the clients keep asking, and how many clients (the issue's 200). */
const SIZES = {
  full: { ttlSeconds: 2, ttls: 3.5, clients: 200 },
  quick: { ttlSeconds: 1, ttls: 3.5, clients: 200 },
  smoke: { ttlSeconds: 1, ttls: 2.5, clients: 20 },
} as const;
/** Items per feed: the scenario is about reads, not parsing. */
const ITEMS = 20;
/** Each upstream answers after this long, so clients keep coming while a read is on the wire. */
const UPSTREAM_DELAY_MS = 50;
/** The shortest TTL the refresh jitter makes, as a share of the TTL (see refresh-policy.ts). */
const SHORTEST_TTL = 1 - JITTER;

/** What the clients ask: mostly a front page (an edge-cache hit), every third request a page of its own (a miss). */
function clientStream(): () => string {
  let n = 0;
  return () => {
    n++;
    if (n % 3 !== 0) return JSON.stringify({ query: "{ articles(first: 5) { edges { node { title } } } }" });
    return JSON.stringify({
      query: "query Page($n: Int!) { articles(first: $n) { totalCount edges { node { id } } } }",
      variables: { n: 1 + (n % 20) },
    });
  };
}

type UpstreamReads = ChildMessage & {
  reads: number[];
  answered: number[];
  notModified: number[];
  readTimes: number[][];
};

/** Sums every sample of `name` in a Prometheus text whose labels include `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k!, v!]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) sum += Number(match[3]);
  }
  return sum;
}

/** Gaps between consecutive reads of each source, from its read number `from[source]` (counted from 0) on. */
export function readGaps(readTimes: number[][], from: number[]): number[] {
  const gaps: number[] = [];
  for (const [source, times] of readTimes.entries()) {
    for (let i = Math.max(0, from[source] ?? 0) + 1; i < times.length; i++) gaps.push(times[i]! - times[i - 1]!);
  }
  return gaps;
}

async function gatewayCounts(url: string): Promise<{ notModified: number; parsed: number; catalogVersion: number }> {
  const response = await fetch(`${url}/metrics`);
  if (response.status !== 200) throw new Error(`the gateway's /metrics answered ${response.status}`);
  const text = await response.text();
  return {
    notModified: metricSum(text, "newsgate_upstream_fetches_total", { outcome: "not_modified" }),
    parsed: metricSum(text, "newsgate_upstream_fetches_total", { outcome: "ok" }),
    catalogVersion: metricSum(text, "newsgate_catalog_version"),
  };
}

export async function runUpstreamScenario(options: BenchOptions, placement: Placement, log: (line: string) => void): Promise<Row[]> {
  const { ttlSeconds, ttls, clients } = SIZES[options.mode];
  const ttlMs = ttlSeconds * 1000;
  const served = await startUpstreamGateway(placement, {
    sources: options.sources,
    items: ITEMS,
    delayMs: UPSTREAM_DELAY_MS,
    unchanged: true,
    refreshSeconds: ttlSeconds,
  });
  const { upstreams, gateway, url } = served;
  try {
    const before = await upstreams.ask<UpstreamReads>({ type: "reads" }, "reads");
    const gatewayBefore = await gatewayCounts(url);
    const request = {
      method: "POST" as const,
      path: GRAPHQL_PATH,
      headers: { "content-type": "application/json", accept: ACCEPT },
      nextBody: clientStream(),
    };
    const load = await runLoad(url, request, ttls * ttlSeconds, clients, gateway.process.pid);
    const after = await upstreams.ask<UpstreamReads>({ type: "reads" }, "reads");
    const gatewayAfter = await gatewayCounts(url);

    // Gaps from each source's last read before the clients came (its warm-up read) on.
    const gaps = readGaps(
      after.readTimes,
      before.reads.map((count) => count - 1),
    );
    if (gaps.length === 0)
      throw new Error(`no source was read again in ${ttls} TTLs of ${ttlSeconds} s (reads per source: ${after.reads.join(", ")})`);
    const meanGapMs = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    const shortestGapMs = Math.min(...gaps);
    const longestGapMs = Math.max(...gaps);
    const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
    const reads = total(after.reads) - total(before.reads);
    // Reads answered while the clients asked: the upstreams are asked first, so the gateway has counted each of them.
    const answered = total(after.answered) - total(before.answered);
    const answered304 = total(after.notModified) - total(before.notModified);
    const countedNotModified = gatewayAfter.notModified - gatewayBefore.notModified;
    const parsed = gatewayAfter.parsed - gatewayBefore.parsed;
    const catalogBuilds = gatewayAfter.catalogVersion - gatewayBefore.catalogVersion;
    const requests = Math.round(load.requestsPerSecond * ttls * ttlSeconds);
    log(
      `  5. upstream: ${clients} clients for ${ttls} TTLs of ${ttlSeconds} s, ${requests} requests (${load.failures} failed); ${options.sources} sources read ${reads} times, ` +
        `a mean ${meanGapMs.toFixed(0)} ms apart (shortest ${shortestGapMs.toFixed(0)}, longest ${longestGapMs.toFixed(0)}); of ${answered} reads answered, ${answered304} got 304, ` +
        `${countedNotModified} counted as not modified by the gateway, ${parsed} parsed, ${catalogBuilds} catalog builds`,
    );
    // A 304 the gateway parsed anyway, or after which it built its catalog again, does not count.
    const skipped = Math.max(0, Math.min(answered304, countedNotModified) - parsed - catalogBuilds);
    const details = {
      ttlMs,
      sources: options.sources,
      clients,
      windowTtls: ttls,
      reads,
      gaps: gaps.length,
      meanGapMs,
      shortestGapMs,
      longestGapMs,
      client: { requests, failures: load.failures, p99Ms: load.latencyP99Ms },
    };
    return [
      row({
        id: "upstream.reads",
        scenario: `5. upstream: shortest time between two reads of one source (${options.sources} sources, ${clients} clients, ${ttls} TTLs)`,
        measured: { value: shortestGapMs, unit: "ms", label: "shortest gap" },
        baseline: { value: ttlMs, unit: "ms", label: "TTL" },
        target: { on: "ratio", op: ">=", value: SHORTEST_TTL },
        details,
      }),
      row({
        id: "upstream.freshness",
        scenario: "5. upstream: mean time between two reads of one source",
        measured: { value: meanGapMs, unit: "ms", label: "mean gap" },
        baseline: { value: ttlMs, unit: "ms", label: "TTL" },
        target: null,
        details,
      }),
      row({
        id: "upstream.unchanged",
        scenario: "5. upstream: reads answered 304, neither parsed nor merged again",
        measured: { value: skipped, unit: "reads", label: "not parsed, not merged" },
        baseline: { value: answered, unit: "reads", label: "reads answered" },
        target: { on: "ratio", op: ">=", value: 1 },
        details: { answered, answered304, countedNotModified, parsed, catalogBuilds },
      }),
    ];
  } finally {
    await served.close();
  }
}
