/**
 * Scenarios 6 and 7 (the numbers): memory per article and index latency at catalog scale,
 * measured in a child with `--expose-gc` (see catalog-probe.ts).
 */
import type { BenchOptions } from "./options.ts";
import type { CatalogProbeResult } from "./catalog-probe.ts";
import { BenchChild, type Placement } from "./processes.ts";
import { row, type Row } from "./results.ts";

/** Heap the probe may use: 100k articles with every index and the linear scan's copies. */
const PROBE_HEAP_MB = 6144;
/** Most time spent timing one series of lookups (index or scan), per mode. */
const LOOKUP_BUDGET_MS = { full: 6_000, quick: 2_000, smoke: 500 } as const;
/** The memory target: 4 KB of heap per article. */
const MAX_BYTES_PER_ARTICLE = 4 * 1024;

export async function runCatalogScenarios(options: BenchOptions, placement: Placement, log: (line: string) => void): Promise<Row[]> {
  const probe = new BenchChild("catalog-probe.ts", {
    core: placement.pinned ? placement.serverCore : null,
    nodeArgs: ["--expose-gc", `--max-old-space-size=${PROBE_HEAP_MB}`],
    args: [
      "--articles",
      String(options.articles),
      "--samples",
      String(options.indexSamples),
      "--scan-samples",
      String(options.scanSamples),
      "--budget-ms",
      String(LOOKUP_BUDGET_MS[options.mode]),
    ],
  });
  try {
    const { result } = (await probe.next("result", 600_000)) as unknown as { result: CatalogProbeResult };
    const { heap, buildMs } = result;
    log(
      `  6. memory: ${result.articles} articles of ${result.textCharsPerArticle.toFixed(0)} characters; built catalog in ${(buildMs.catalog / 1000).toFixed(1)} s, search index in ${(buildMs.searchIndex / 1000).toFixed(1)} s; per article: catalog ${heap.catalogPerArticle.toFixed(0)} B (related index ${heap.relatedIndexPerArticle.toFixed(0)} B), search index ${heap.searchIndexPerArticle.toFixed(0)} B`,
    );
    const n = result.articles.toLocaleString("en-US");
    return [
      row({
        id: "memory",
        scenario: `6. heap per article, ${n} articles, every index`,
        measured: { value: heap.totalPerArticle, unit: "B/article", label: "snapshots + catalog + indexes" },
        baseline: { value: heap.plainMapPerArticle, unit: "B/article", label: "plain Map of the articles" },
        target: { on: "measured", op: "<=", value: MAX_BYTES_PER_ARTICLE },
        details: { ...heap, textCharsPerArticle: result.textCharsPerArticle, buildMs },
      }),
      row({
        id: "index.related",
        scenario: `7. related(first: 5) p99, ${n} articles`,
        measured: { value: result.related.p99Ms, unit: "ms", label: "related index" },
        baseline: { value: result.relatedScan.p99Ms, unit: "ms", label: "linear cosine scan" },
        target: { on: "measured", op: "<=", value: 5 },
        details: { index: result.related, warmup: result.warmup.related, scan: result.relatedScan },
      }),
      row({
        id: "index.search",
        scenario: `7. search p99 (first page of 10, as served), ${n} articles`,
        measured: { value: result.servedSearch.p99Ms, unit: "ms", label: "search index and page" },
        baseline: { value: result.searchScan.p99Ms, unit: "ms", label: "linear substring scan" },
        target: { on: "measured", op: "<=", value: 5 },
        details: { served: result.servedSearch, index: result.search, warmup: result.warmup, scan: result.searchScan },
      }),
    ];
  } finally {
    await probe.stop();
  }
}
