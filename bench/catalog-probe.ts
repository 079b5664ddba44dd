/**
 * Memory and index latency at catalog scale, in a child run with
 * `--expose-gc` so heap figures are taken after full collections.
 *
 * Memory: heap of `--articles` synthetic articles in a plain Map (the
 * baseline), then of what the gateway holds for them: the sources' snapshots,
 * the catalog from the real `buildCatalog` (merge, related index, sections,
 * tags) and the search index (`catalog.search()`), each step timed.
 * Indexes: latency of `related.relatedTo(id, 5)`, of `search().search(q)`
 * (every hit) and of a search as served (`selectArticles` and the first page
 * of 10, which the target is about) over distinct random ids and queries, after WARMUP_LOOKUPS other lookups
 * of each (their latencies are reported too), and of a linear scan of the
 * same data.
 *
 *   --articles N  --samples N (index lookups)  --scan-samples N
 *   --budget-ms MS (most time spent on one series of lookups; at least MIN_SAMPLES run)
 */
import { parseArgs } from "node:util";
import { selectArticles } from "../src/store/query/article-filter.ts";
import { buildCatalogSteps } from "../src/store/catalog/catalog.ts";
import { paginate } from "../src/store/query/paginate.ts";
import { runToEnd } from "../src/store/sliced/time-slice.ts";
import { LinearScan } from "./linear-scan.ts";
import { failStart, tell } from "./processes.ts";
import { percentile } from "./stats.ts";
import { syntheticCatalogInput } from "./synthetic-articles.ts";
import { createRandom, TextGenerator } from "./synthetic-text.ts";

/** Lookups per percentile figure at the least, however slow they are. */
const MIN_SAMPLES = 5;
/** Lookups of each index run before timing (reported apart), so the figures are the steady state's, not the JIT's first calls. */
const WARMUP_LOOKUPS = 200;

export interface LatencySummary {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface CatalogProbeResult {
  articles: number;
  /** Mean characters of title, summary, body and tags of an article. */
  textCharsPerArticle: number;
  heap: {
    /** Bytes of heap per article in each state. */
    plainMapPerArticle: number;
    totalPerArticle: number;
    catalogPerArticle: number;
    searchIndexPerArticle: number;
    relatedIndexPerArticle: number;
    snapshotsPerArticle: number;
  };
  buildMs: { generate: number; catalog: number; relatedIndex: number; searchIndex: number; linearScan: number };
  related: LatencySummary;
  /** The lookups run before timing, while the code was still being compiled. */
  warmup: { related: LatencySummary; search: LatencySummary; servedSearch: LatencySummary };
  /** The index alone: every hit of the query, best first. */
  search: LatencySummary;
  /** A search as the API serves it: the query's first page of 10 (`articles(query:, first: 10)` without GraphQL). */
  servedSearch: LatencySummary;
  relatedScan: LatencySummary;
  searchScan: LatencySummary;
}

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("catalog-probe needs node --expose-gc");
  gc();
  gc();
  // Typed arrays keep their contents outside the JS heap: counted too, or an index in typed arrays would look free.
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

function time<T>(task: () => T): [T, number] {
  const started = performance.now();
  const value = task();
  return [value, performance.now() - started];
}

/** Times `task` on each input until all ran or `budgetMs` passed (at least MIN_SAMPLES). */
function latencies<T>(inputs: T[], task: (input: T) => unknown, budgetMs = Number.POSITIVE_INFINITY): LatencySummary {
  const times: number[] = [];
  const started = performance.now();
  for (const input of inputs) {
    if (times.length >= MIN_SAMPLES && performance.now() - started > budgetMs) break;
    times.push(time(() => task(input))[1]);
  }
  return { samples: times.length, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), maxMs: Math.max(...times) };
}

/** Queries a reader types: a topic word, two, a prefix, a common word, a misspelling. */
function searchQueries(count: number, seed = 99): string[] {
  const text = new TextGenerator(1);
  const random = createRandom(seed);
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)]!;
  return Array.from({ length: count }, (_, n) => {
    const topic = pick(text.topics);
    switch (n % 5) {
      case 0:
        return pick(topic);
      case 1:
        return `${pick(topic)} ${pick(topic)}`;
      case 2:
        return pick(topic).slice(0, 5);
      case 3:
        return text.words[200 + Math.floor(random() * 800)]!;
      default: {
        const word = pick(topic);
        const at = 1 + Math.floor(random() * (word.length - 2));
        return `${word.slice(0, at)}${word[at + 1]}${word[at]}${word.slice(at + 2)}`;
      }
    }
  });
}

function main(): void {
  const { values } = parseArgs({
    options: {
      articles: { type: "string" },
      samples: { type: "string" },
      "scan-samples": { type: "string" },
      "budget-ms": { type: "string" },
    },
  });
  const count = Number(values.articles ?? 100_000);
  const samples = Number(values.samples ?? 1000);
  const scanSamples = Number(values["scan-samples"] ?? 20);
  const budgetMs = Number(values["budget-ms"] ?? 10_000);

  const empty = heapUsed();
  const [input, generateMs] = time(() => syntheticCatalogInput(count));
  let plainMap: Map<string, unknown> | null = new Map();
  for (const snapshot of input.snapshots.values()) for (const article of snapshot.articles) plainMap.set(article.id, article);
  const withMap = heapUsed();
  plainMap = null;
  const withSnapshots = heapUsed();

  // The related index builds on first read: the heap before and after that read is its share.
  const [catalog, mergeMs] = time(() =>
    runToEnd(
      buildCatalogSteps({
        version: 1,
        now: Date.now(),
        sections: input.config.sections,
        sources: input.config.sources,
        snapshots: input.snapshots,
      }),
    ),
  );
  const withoutRelated = heapUsed();
  const relatedMs = time(() => catalog.related)[1];
  const catalogMs = mergeMs + relatedMs;
  const withCatalog = heapUsed();
  const [search, searchIndexMs] = time(() => catalog.search());
  const withSearch = heapUsed();

  const random = createRandom(42);
  // Distinct ids, the warm-up's apart from the measured ones: the index remembers its lookups, and a
  // repeated id would be answered from memory.
  const picked = new Set<string>();
  while (picked.size < Math.min(samples + WARMUP_LOOKUPS, catalog.articles.length))
    picked.add(catalog.articles.at(Math.floor(random() * catalog.articles.length))!.id);
  const warmupIds = [...picked].slice(0, WARMUP_LOOKUPS);
  const ids = [...picked].slice(WARMUP_LOOKUPS);
  const queries = searchQueries(samples);
  // Lookups as a serving process makes them, its code compiled and warm (the HTTP scenarios warm
  // up too): without this the first few dozen lookups, run before the JIT has compiled them, were
  // the p99 (a few ms each, against 0.5 ms for the slowest 1% once warm).
  const warmup = latencies(warmupIds, (id) => catalog.related.relatedTo(id, 5));
  const searchWarmup = latencies(searchQueries(WARMUP_LOOKUPS, 7), (query) => search.search(query));
  const related = latencies(ids, (id) => catalog.related.relatedTo(id, 5), budgetMs);
  const searched = latencies(queries, (query) => search.search(query), budgetMs);
  const servedPage = (query: string) => {
    const selection = selectArticles(catalog, { query });
    return paginate(selection.list, { first: 10 }, selection.order, selection.keyAt);
  };
  const servedWarmup = latencies(searchQueries(WARMUP_LOOKUPS, 7), servedPage);
  const served = latencies(queries, servedPage, budgetMs);

  const articles = catalog.articles.toArray();
  const [scan, linearScanMs] = time(() => new LinearScan(articles));
  const positions = new Map(articles.map((article, index) => [article.id, index]));
  const relatedScan = latencies(ids.slice(0, scanSamples), (id) => scan.relatedTo(positions.get(id)!, 5), budgetMs);
  const searchScan = latencies(queries.slice(0, scanSamples), (query) => scan.search(query), budgetMs);

  const textChars = articles.reduce(
    (sum, a) => sum + a.title.length + (a.summary?.length ?? 0) + (a.rawBodyHtml?.length ?? 0) + a.tags.join("").length,
    0,
  );
  const result: CatalogProbeResult = {
    articles: catalog.articles.length,
    textCharsPerArticle: textChars / catalog.articles.length,
    heap: {
      plainMapPerArticle: (withMap - empty) / count,
      totalPerArticle: (withSearch - empty) / count,
      snapshotsPerArticle: (withSnapshots - empty) / count,
      catalogPerArticle: (withCatalog - withSnapshots) / count,
      searchIndexPerArticle: (withSearch - withCatalog) / count,
      relatedIndexPerArticle: (withCatalog - withoutRelated) / count,
    },
    buildMs: { generate: generateMs, catalog: catalogMs, relatedIndex: relatedMs, searchIndex: searchIndexMs, linearScan: linearScanMs },
    related,
    search: searched,
    servedSearch: served,
    warmup: { related: warmup, search: searchWarmup, servedSearch: servedWarmup },
    relatedScan,
    searchScan,
  };
  tell({ type: "result", result });
  // Let the message leave before exiting.
  setTimeout(() => process.exit(0), 100);
}

try {
  main();
} catch (error) {
  failStart(error);
}
