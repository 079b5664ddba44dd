import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { TABLE_HEADER, type BenchResults } from "../../bench/results.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Every row the bench reports, in order: one per performance target's scenario (and Yoga's path and the misses' peer, for diagnosis). */
const ROW_IDS = [
  "hot.post",
  "hot.post-yoga",
  "hot.post-variables",
  "hot.get",
  "hot.get-variables",
  "hot.get-br",
  "misses.post",
  "misses.post-yoga",
  "misses.post-peer",
  "misses.post-vs-peer",
  "misses.post-floor",
  "misses.post-peer-vs-floor",
  "misses.post-vs-floor",
  "traffic.throughput",
  "traffic.p99",
  "traffic.edge-hits",
  "traffic.clean",
  "cold-start",
  "cold-start.floor",
  "cold-start.beyond-floor",
  "cold-start.all-cores",
  "stalls",
  "warm-restart",
  "warm-restart.catalog",
  "upstream.reads",
  "upstream.freshness",
  "upstream.unchanged",
  "memory",
  "index.related",
  "index.search",
  "change.cpu.2000",
  "change.cpu.10000",
  "change.cpu-growth",
  "change.visible",
  "change.heap",
];
/** Rows made only where the bench can pin processes to cores (taskset and two cores or more). */
const PINNED_ONLY = new Set(["cold-start.all-cores"]);
/** The smoke run takes about 60 s on a quiet 2-core machine; a shared one is slower. */
const SMOKE_TIMEOUT_MS = 180_000;

let dir: string | null = null;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Not a performance test: the machine is shared and noisy. It checks that `npm run bench` still runs
// every scenario end to end and reports numbers in the table's shape, so the bench cannot rot.
it(
  "runs every bench scenario in a tiny version and reports finite positive figures in the table's shape",
  async () => {
    dir = await mkdtemp(path.join(tmpdir(), "newsgate-bench-smoke-"));
    const out = path.join(dir, "results.json");
    const run = await promisify(execFile)(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick", "--smoke", "--out", out], {
      cwd: ROOT,
      timeout: SMOKE_TIMEOUT_MS,
    }).catch((error: Error & { stdout?: string; stderr?: string }) => ({
      stdout: `${error.message}\n${error.stdout ?? ""}`,
      stderr: error.stderr ?? "",
    }));
    const text = await readFile(out, "utf8").catch(() => {
      throw new Error(`the bench wrote no results\n${run.stdout}\n${run.stderr}`);
    });
    const results = JSON.parse(text) as BenchResults;

    expect(results.failures, run.stdout).toEqual([]);
    expect(results.mode).toBe("smoke");
    expect(results.machine.cpus).toBeGreaterThan(0);
    const pinned = results.machine.placement.endsWith("(taskset)");
    expect(results.rows.map((row) => row.id)).toEqual(ROW_IDS.filter((id) => pinned || !PINNED_ONLY.has(id)));
    for (const row of results.rows) {
      const figures = [row.measured.value, row.baseline?.value, row.ratio];
      for (const value of figures) {
        expect(Number.isFinite(value), `${row.id}: ${JSON.stringify(figures)}`).toBe(true);
        expect(value, row.id).toBeGreaterThan(0);
      }
      // A row with a target says pass or fail; a row without one only informs.
      expect(typeof row.pass === "boolean", row.id).toBe(row.target !== null);
    }

    // Where /proc gives threads' CPU times, the cold start says which threads its time went to.
    if (existsSync("/proc/self/task")) {
      for (const row of results.rows.filter((r) => r.id === "cold-start" || r.id === "cold-start.all-cores")) {
        const cpu = row.details?.cpuMs as { mainMs: number; parserMs: number; otherMs: number } | undefined;
        expect(cpu?.mainMs, row.id).toBeGreaterThan(0);
        expect(cpu?.parserMs, row.id).toBeGreaterThanOrEqual(0);
        expect(cpu?.otherMs, row.id).toBeGreaterThanOrEqual(0);
      }
    }

    // The libraries' floor says what each step cost, over every item the gateway reads.
    const floor = results.rows.find((r) => r.id === "cold-start.floor")!;
    expect(floor.details.items).toBe(5 * 100);
    // Past the floor: every item read as the gateway reads it, then the catalog of their stories (the feeds share none).
    const beyond = results.rows.find((r) => r.id === "cold-start.beyond-floor")!;
    expect(beyond.details.stories).toBe(5 * 100);
    // The misses' floor and peer answer the sampled queries with the gateway's data, or their rows compare different work.
    for (const id of ["misses.post-peer", "misses.post-floor"])
      expect(results.rows.find((r) => r.id === id)!.details.sameDataAsGateway, id).toBe(true);
    for (const step of ["decode", "parse", "text"])
      expect((floor.details.stepCpuMs as Record<string, number>)[step], step).toBeGreaterThanOrEqual(0);

    const lines = results.table.split("\n");
    expect(lines).toHaveLength(results.rows.length + 2);
    expect(lines[0]).toBe(`| ${TABLE_HEADER.join(" | ")} |`);
    for (const line of lines) expect(line.split(" | ")).toHaveLength(TABLE_HEADER.length);
    for (const [index, row] of results.rows.entries())
      expect(lines[index + 2]!.endsWith(row.pass === null ? "| info |" : row.pass ? "| pass |" : "| FAIL |")).toBe(true);
  },
  SMOKE_TIMEOUT_MS + 10_000,
);
