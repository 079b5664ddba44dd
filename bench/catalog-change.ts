/**
 * Issue #26's first target: a catalog that changes in place. At each size
 * (10k, 100k and 1M articles in sources of 100 for a full run), a child
 * (catalog-change-probe.ts) serves the synthetic catalog from a real store
 * while sources change one at a time; the rows give how long a change takes
 * to be visible to queries, the CPU it costs per changed source at each size
 * (the ratio between the largest and the smallest is the target: work
 * proportional to the change, not to the catalog), and heap per article at
 * the largest size with every index.
 */
import type { CatalogChangeResult } from "./catalog-change-probe.ts";
import type { BenchOptions } from "./options.ts";
import { BenchChild, type Placement } from "./processes.ts";
import { row, type Row } from "./results.ts";

/** Catalog sizes per mode, smallest first: the ratio compares the last with the first. */
const SIZES = { full: [10_000, 100_000, 1_000_000], quick: [10_000, 100_000], smoke: [2_000, 10_000] } as const;
/** Changes measured per size. */
const CHANGES = { full: 60, quick: 30, smoke: 8 } as const;
/** Mean time between two changes: 1,000 sources refreshing every 5 minutes change about this often (the figure). */
const CHANGE_INTERVAL_MS = 300;
/** Heap a probe may use: a million articles with every index. */
const PROBE_HEAP_MB = 14_336;
const MAX_VISIBLE_MS = 1000;
const MAX_CPU_GROWTH = 3;
const MAX_BYTES_PER_ARTICLE = 4 * 1024;

export async function runCatalogChangeScenarios(options: BenchOptions, placement: Placement, log: (line: string) => void): Promise<Row[]> {
  const results: CatalogChangeResult[] = [];
  for (const articles of SIZES[options.mode]) {
    const probe = new BenchChild("catalog-change-probe.ts", {
      core: placement.pinned ? placement.serverCore : null,
      nodeArgs: ["--expose-gc", `--max-old-space-size=${PROBE_HEAP_MB}`],
      args: ["--articles", String(articles), "--changes", String(CHANGES[options.mode]), "--interval-ms", String(CHANGE_INTERVAL_MS)],
    });
    try {
      const { result } = (await probe.next("result", 1_800_000)) as unknown as { result: CatalogChangeResult };
      log(
        `  1. in place: ${count(result.articles)} articles (${count(result.sources)} sources): first catalog ${seconds(result.buildMs.firstCatalog)}, indexes ${seconds(result.buildMs.indexes)}; ` +
          `${result.changes} changes (${result.coalesced} taken in with another), visible p50 ${result.visibleMs.p50.toFixed(0)} ms p99 ${result.visibleMs.p99.toFixed(0)} ms; ` +
          `CPU per changed source ${result.cpuPerChangeMs.mean.toFixed(2)} ms mean, ${result.cpuPerChangeMs.p99.toFixed(2)} ms p99; heap ${(result.heap.totalPerArticle / 1024).toFixed(2)} KB/article`,
      );
      results.push(result);
    } finally {
      await probe.stop();
    }
  }
  const smallest = results[0]!;
  const largest = results.at(-1)!;
  const rows: Row[] = results.map((result) =>
    row({
      id: `change.cpu.${result.articles}`,
      scenario: `1. in place: CPU per changed source (10 items new, 10 gone), ${count(result.articles)} articles`,
      measured: { value: result.cpuPerChangeMs.mean, unit: "ms", label: "CPU of the calls that made new versions" },
      baseline: { value: result.buildMs.firstCatalog, unit: "ms", label: "first catalog from scratch" },
      target: null,
      details: { ...result },
    }),
  );
  rows.push(
    row({
      id: "change.cpu-growth",
      scenario: `1. in place: CPU per changed source, ${count(largest.articles)} against ${count(smallest.articles)} articles`,
      measured: { value: largest.cpuPerChangeMs.mean, unit: "ms", label: `${count(largest.articles)} articles` },
      baseline: { value: smallest.cpuPerChangeMs.mean, unit: "ms", label: `${count(smallest.articles)} articles` },
      target: { on: "ratio", op: "<=", value: MAX_CPU_GROWTH },
      details: { sizes: results.map((result) => [result.articles, result.cpuPerChangeMs]) },
    }),
    row({
      id: "change.visible",
      scenario: `1. in place: a changed source visible to queries, p99, ${count(largest.articles)} articles`,
      measured: { value: largest.visibleMs.p99, unit: "ms", label: "change to query (by id, section front, search)" },
      baseline: { value: CHANGE_INTERVAL_MS, unit: "ms", label: "mean time between changes" },
      target: { on: "measured", op: "<=", value: MAX_VISIBLE_MS },
      details: { visible: largest.visibleMs, changes: largest.changes, coalesced: largest.coalesced },
    }),
    row({
      id: "change.heap",
      scenario: `1. in place: heap per article, ${count(largest.articles)} articles, every index`,
      measured: { value: largest.heap.totalPerArticle, unit: "B/article", label: "snapshots + catalog + indexes" },
      baseline: { value: largest.heap.articlesPerArticle, unit: "B/article", label: "the articles alone" },
      target: { on: "measured", op: "<=", value: MAX_BYTES_PER_ARTICLE },
      details: { heap: largest.heap },
    }),
  );
  return rows;
}

const count = (n: number) => n.toLocaleString("en-US");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
