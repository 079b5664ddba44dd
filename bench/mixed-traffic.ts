/**
 * Scenario 9 (#26, "real traffic"): the gateway over fixture upstreams (a
 * catalog of `sources` × 100 stories), asked a mixed stream of what a news
 * site's readers ask (`traffic-stream.ts`: article pages by a Zipf law over
 * every article, section fronts, searches) at 200 connections, against the
 * bare node:http server asked the same stream by the same client, interleaved
 * (bare, gateway, bare, gateway, …) as in scenarios 1 and 2.
 *
 * Each contender reads the stream from its own start and keeps its place from
 * the warm-up through the rounds, so the gateway meets one continuous stream:
 * the warm-up fills its edge cache as the first minutes of traffic would. The
 * edge cache's hit ratio is read from the gateway's /metrics around the
 * measured rounds. Every answer of the run is checked (200, data, no errors).
 */
import type { BenchOptions } from "./options.ts";
import { BenchChild, type Placement } from "./processes.ts";
import { interleave, type Contender, type InterleavedResult, type LoadRequest } from "./load.ts";
import { median } from "./stats.ts";
import { row, type Row } from "./results.ts";
import { cpuRatio, details, goodAnswer, post, setBareBody, summary, type Answer } from "./hot-queries.ts";
import { startUpstreamGateway } from "./upstream-gateway.ts";
import { metricSum } from "./upstream-reads.ts";
import {
  AnswerTally,
  keepOnSecondMissIdeal,
  type RequestKind,
  type TallyCounts,
  tallySince,
  titleVocabulary,
  TRAFFIC_MIX,
  TRAFFIC_ZIPF_EXPONENT,
  type TrafficCatalog,
  trafficStream,
} from "./traffic-stream.ts";

/**
 * Per mode: connections (the issue's 200), and the stream's length: more
 * requests than the gateway answers in the run, so it never meets the
 * stream's start again (the bare server, faster, goes round it).
 */
const SIZES = {
  full: { connections: 200, requests: 150_000 },
  quick: { connections: 200, requests: 60_000 },
  smoke: { connections: 20, requests: 5_000 },
} as const;
const STREAM_SEED = 26;
/** The requests checked before the run (their answers' mean size picks the bare server's body), from a stream of their own. */
const SAMPLE_SEED = 2026;
const SAMPLE_REQUESTS = 100;
/** A miss runs far more code than a hit: warm up as long as scenario 2 does. */
const WARMUP_FACTOR = 4;
/** The upstreams answer at once: the scenario is about serving, not reading feeds. */
const UPSTREAM_DELAY_MS = 20;
/** The largest page the API gives. */
const PAGE_SIZE = 100;
const CATALOG_PAGE_QUERY =
  "query CatalogPage($first: Int!, $after: String) { articles(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id title } } } }";

interface CatalogPage {
  articles: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: { id: string; title: string } }[];
  };
}

function dataOf<T>(answer: Answer): T {
  return (JSON.parse(answer.bytes.toString("utf8")) as { data: T }).data;
}

/** Every article the gateway lists (paged through, newest first), its sections, and the search words of its titles. */
async function readCatalog(url: string): Promise<TrafficCatalog & { totalCount: number }> {
  const articleIds: string[] = [];
  const titles: string[] = [];
  let after: string | null = null;
  let totalCount = 0;
  do {
    const page: CatalogPage = dataOf(await goodAnswer(url, post({ query: CATALOG_PAGE_QUERY, variables: { first: PAGE_SIZE, after } })));
    totalCount = page.articles.totalCount;
    for (const { node } of page.articles.edges) {
      articleIds.push(node.id);
      titles.push(node.title);
    }
    after = page.articles.pageInfo.hasNextPage ? page.articles.pageInfo.endCursor : null;
  } while (after !== null);
  const { sections } = dataOf<{ sections: { slug: string }[] }>(await goodAnswer(url, post({ query: "{ sections { slug } }" })));
  return { articleIds, sections: sections.map((s) => s.slug), vocabulary: titleVocabulary(titles), totalCount };
}

async function edgeLookups(url: string): Promise<{ hits: number; lookups: number }> {
  const response = await fetch(`${url}/metrics`);
  if (response.status !== 200) throw new Error(`the gateway's /metrics answered ${response.status}`);
  const text = await response.text();
  return {
    hits: metricSum(text, "newsgate_cache_lookups_total", { layer: "edge", result: "hit" }),
    lookups: metricSum(text, "newsgate_cache_lookups_total", { layer: "edge" }),
  };
}

/** A contender's own place in the stream, and its own tally of answers. */
interface Reader {
  request: LoadRequest;
  tally: AnswerTally;
  /** Bodies taken from the stream so far (a body is taken as a request is made). */
  taken: () => number;
}

function streamReader(bodies: string[]): Reader {
  const tally = new AnswerTally();
  let next = 0;
  return {
    request: { ...post({}), body: undefined, nextBody: () => bodies[next++ % bodies.length]!, onResponse: tally.record },
    tally,
    taken: () => next,
  };
}

function roundsMedian(result: InterleavedResult, name: string, pick: (r: { latencyP99Ms: number }) => number): number {
  return median((result.runs.get(name) ?? []).map(pick));
}

const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);

export async function runTrafficScenario(options: BenchOptions, placement: Placement, log: (line: string) => void): Promise<Row[]> {
  const { connections, requests } = SIZES[options.mode];
  const core = placement.pinned ? placement.serverCore : null;
  const bare = new BenchChild("bare-server.ts", { core: null });
  const starting = startUpstreamGateway(placement, {
    sources: options.sources,
    items: options.itemsPerSource,
    delayMs: UPSTREAM_DELAY_MS,
    unchanged: true,
    nodeArgs: options.profile ? ["--cpu-prof", "--cpu-prof-dir=bench/profiles"] : [],
  });
  try {
    const [bareReady, served] = await Promise.all([bare.next("ready"), starting]);
    bare.pin(core);
    const bareUrl = String(bareReady.url);
    const { url: gatewayUrl, gateway } = served;

    const catalog = await readCatalog(gatewayUrl);
    if (catalog.articleIds.length !== catalog.totalCount)
      throw new Error(`paging listed ${catalog.articleIds.length} articles of ${catalog.totalCount}`);
    // Checked before the run, on requests of their own: every kind answers cleanly (this also has the indexes built).
    const sample = trafficStream(catalog, SAMPLE_REQUESTS, SAMPLE_SEED);
    const sampleBytes: Record<RequestKind, number[]> = { article: [], section: [], search: [] };
    const sampleAnswers: Answer[] = [];
    for (const [i, body] of sample.bodies.entries()) {
      const answer = await goodAnswer(gatewayUrl, post({}), body);
      sampleAnswers.push(answer);
      sampleBytes[sample.kinds[i]!].push(answer.bytes.length);
    }
    for (const { kind } of TRAFFIC_MIX) if (sampleBytes[kind].length === 0) throw new Error(`the sample asked no ${kind} request`);
    const stream = trafficStream(catalog, requests, STREAM_SEED);
    const meanOf = (values: number[]) => Math.round(values.reduce((a, b) => a + b, 0) / values.length);
    // The bare server writes one answer: the sampled one nearest the stream's mean answer (each kind's sampled mean, weighted by
    // its count in the stream), so it moves about as many bytes per request as the gateway.
    const meanBytes = TRAFFIC_MIX.reduce((sum, { kind }) => sum + meanOf(sampleBytes[kind]) * stream.counts[kind], 0) / requests;
    const bareAnswer = sampleAnswers.reduce((best, a) =>
      Math.abs(a.bytes.length - meanBytes) < Math.abs(best.bytes.length - meanBytes) ? a : best,
    );
    await setBareBody(bare, bareUrl, bareAnswer, post({}));
    log(
      `  9. traffic: ${catalog.articleIds.length} articles from ${options.sources} sources, ${catalog.sections.length} sections, ${catalog.vocabulary.length} search words; ` +
        `a stream of ${requests} requests (${stream.distinct} distinct: ${stream.counts.article} article pages, ${stream.counts.section} section fronts, ${stream.counts.search} searches); ` +
        `sampled answers ${meanOf(sampleBytes.article)}/${meanOf(sampleBytes.section)}/${meanOf(sampleBytes.search)} bytes (article/section/search), the bare server writes ${bareAnswer.bytes.length}`,
    );

    const readers = new Map<string, Reader>();
    const readerOf = (contender: Contender): LoadRequest => {
      let reader = readers.get(contender.name);
      if (!reader) readers.set(contender.name, (reader = streamReader(stream.bodies)));
      return reader.request;
    };
    const contenders: Contender[] = [
      { name: "bare", url: bareUrl, pid: bare.process.pid },
      { name: "gateway", url: gatewayUrl, pid: gateway.process.pid },
    ];
    let edgeBefore = { hits: 0, lookups: 0 };
    let tallyBefore: TallyCounts | null = null;
    let takenBefore = 0;
    const result = await interleave(contenders, readerOf, {
      rounds: options.rounds,
      seconds: options.loadSeconds,
      warmupSeconds: options.warmupSeconds * WARMUP_FACTOR,
      connections,
      afterWarmup: async () => {
        edgeBefore = await edgeLookups(gatewayUrl);
        tallyBefore = readers.get("gateway")!.tally.snapshot();
        takenBefore = readers.get("gateway")!.taken();
      },
    });
    const edgeAfter = await edgeLookups(gatewayUrl);
    const gatewayReader = readers.get("gateway")!;
    const bareReader = readers.get("bare")!;
    const whole = gatewayReader.tally.snapshot();
    const rounds = tallySince(whole, tallyBefore!);
    const taken = gatewayReader.taken();
    const edge = { hits: edgeAfter.hits - edgeBefore.hits, lookups: edgeAfter.lookups - edgeBefore.lookups };
    // The sample was asked first: its answers count toward what the cache has seen.
    const asked = (i: number) =>
      i < sample.bodies.length ? sample.bodies[i]! : stream.bodies[(i - sample.bodies.length) % stream.bodies.length]!;
    const ideal = keepOnSecondMissIdeal(asked, sample.bodies.length + takenBefore, sample.bodies.length + taken);
    // Errors and timeouts of the rounds (autocannon counts non-2xx with them; the tally has those already).
    const roundFailures = (result.runs.get("gateway") ?? []).reduce((sum, r) => sum + r.failures, 0);
    const transportFailures = Math.max(0, roundFailures - rounds.non200);
    const gatewayP99 = roundsMedian(result, "gateway", (r) => r.latencyP99Ms);
    const bareP99 = roundsMedian(result, "bare", (r) => r.latencyP99Ms);
    log(`    ${summary(result)}; p99 ${gatewayP99} ms against ${bareP99} ms`);
    log(
      `    edge cache over the rounds: ${edge.hits} hits of ${edge.lookups} lookups (${((edge.hits / edge.lookups) * 100).toFixed(1)} %; ` +
        `a cache keeping every answer on its second miss would reach ${(ideal * 100).toFixed(1)} %); ` +
        `answers checked ${whole.answers}, clean ${whole.clean}${gatewayReader.tally.firstProblem ? `, first problem: ${gatewayReader.tally.firstProblem}` : ""}; ` +
        `the gateway took ${taken} of the stream's ${requests} requests${taken > requests ? " (it went round the stream)" : ""}`,
    );

    const common = {
      catalog: {
        articles: catalog.articleIds.length,
        sources: options.sources,
        sections: catalog.sections.length,
        searchWords: catalog.vocabulary.length,
      },
      mix: Object.fromEntries(TRAFFIC_MIX.map(({ kind, share }) => [kind, share])),
      zipfExponent: TRAFFIC_ZIPF_EXPONENT,
      connections,
      stream: { requests, distinct: stream.distinct, counts: stream.counts, seed: STREAM_SEED, takenByGateway: taken },
      answerBytes: {
        sampleMean: { article: meanOf(sampleBytes.article), section: meanOf(sampleBytes.section), search: meanOf(sampleBytes.search) },
        gatewayRoundsMean: rounds.answers > 0 ? Math.round(rounds.bodyChars / rounds.answers) : null,
        streamMeanEstimate: Math.round(meanBytes),
        bare: bareAnswer.bytes.length,
      },
    };
    const edgeDetails = {
      rounds: { ...edge, hitRatio: ratio(edge.hits, edge.lookups) },
      byHeaderRounds: {
        hits: rounds.edgeHits,
        misses: rounds.edgeMisses,
        hitRatio: ratio(rounds.edgeHits, rounds.edgeHits + rounds.edgeMisses),
      },
      byHeaderWholeRun: {
        hits: whole.edgeHits,
        misses: whole.edgeMisses,
        hitRatio: ratio(whole.edgeHits, whole.edgeHits + whole.edgeMisses),
      },
      keepOnSecondMissIdeal: Math.round(ideal * 10_000) / 10_000,
    };
    const loadDetails = details(result);
    const scenario = `9. real traffic: article pages (Zipf over ${catalog.articleIds.length} articles), section fronts, searches; ${connections} connections`;
    return [
      row({
        id: "traffic.throughput",
        scenario,
        measured: { value: result.medians.get("gateway")!, unit: "req/s", label: "gateway" },
        baseline: { value: result.medians.get("bare")!, unit: "req/s", label: "bare node:http" },
        cpuRatio: cpuRatio(result, "gateway"),
        target: null,
        details: { ...common, edgeCache: edgeDetails, ...loadDetails },
      }),
      row({
        id: "traffic.p99",
        scenario: "9. real traffic: p99 latency (median of the rounds)",
        measured: { value: gatewayP99, unit: "ms", label: "gateway" },
        baseline: { value: bareP99, unit: "ms", label: "bare node:http" },
        target: null,
        details: { latencyP99Ms: { gateway: loadDetails.gateway?.latencyP99Ms, bare: loadDetails.bare?.latencyP99Ms } },
      }),
      row({
        id: "traffic.edge-hits",
        scenario: "9. real traffic: edge-cache hits over the rounds (/metrics)",
        measured: { value: edge.hits, unit: "requests", label: "edge-cache hits" },
        baseline: { value: edge.lookups, unit: "requests", label: "edge-cache lookups" },
        target: null,
        details: edgeDetails,
      }),
      row({
        id: "traffic.clean",
        scenario: "9. real traffic: answers 200 with data and no errors (warm-up and rounds)",
        measured: { value: whole.clean, unit: "requests", label: "clean answers" },
        baseline: { value: whole.answers + transportFailures, unit: "requests", label: "requests answered or failed" },
        target: { on: "ratio", op: ">=", value: 1 },
        details: {
          gateway: { ...whole, transportFailures, firstProblem: gatewayReader.tally.firstProblem },
          bare: { ...bareReader.tally.snapshot(), firstProblem: bareReader.tally.firstProblem },
        },
      }),
    ];
  } finally {
    await Promise.all([
      bare.stop(),
      starting.then(
        (served) => served.close(),
        () => undefined,
      ),
    ]);
  }
}
