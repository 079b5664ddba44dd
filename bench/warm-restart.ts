/**
 * Warm restart (REDIS_URL): `sources` fixture upstreams of `itemsPerSource`
 * items, a first gateway that reads them and stores every source's snapshot
 * in Redis, and, while it runs, another gateway started on the same Redis and
 * key prefix (a restarted instance). Measured: that instance's first complete
 * front page, from just before it loads its sources file. Baseline, in the
 * same run: a process of its own reading those same snapshots from Redis
 * (one GET per source, each turned into a snapshot as the shared cache does).
 * Each round starts both afresh, on the server's core; the medians are
 * reported. The restarted instances must read no upstream: the upstreams
 * count their reads, and the row's details give them.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import type { BenchOptions } from "./options.ts";
import { BenchChild, type ChildMessage, type Placement } from "./processes.ts";
import { row, type Row } from "./results.ts";
import { median } from "./stats.ts";
import { BENCH_SECTIONS } from "./synthetic-articles.ts";

export const BENCH_REDIS_URL = "redis://127.0.0.1:6379";
/** Longest a gateway may take to its first complete answer (a cold one reads every upstream). */
const ANSWER_TIMEOUT_MS = 180_000;

/** Whether a Redis answers at `url` within a second. */
async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under `prefix`. */
async function dropKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } catch {
    // Nothing to drop when Redis went away.
  } finally {
    redis.disconnect();
  }
}

async function upstreamReads(upstreams: BenchChild): Promise<number> {
  const reads = (await upstreams.ask({ type: "reads" }, "reads")).reads as number[];
  return reads.reduce((sum, n) => sum + n, 0);
}

export async function runWarmRestartScenario(options: BenchOptions, placement: Placement, log: (line: string) => void): Promise<Row[]> {
  const redisUrl = BENCH_REDIS_URL;
  if (!(await redisAnswers(redisUrl))) {
    log(`  8. warm restart: info: no Redis answers at ${redisUrl}; the row is skipped`);
    return [];
  }
  const serverCore = placement.pinned ? placement.serverCore : null;
  const helperCore = placement.pinned ? placement.loadCore : null;
  const { sources, itemsPerSource, upstreamDelayMs } = options;
  const expected = sources * itemsPerSource;
  const prefix = `newsgate-bench:warm:${process.pid}:${Date.now()}:`;
  const dir = await mkdtemp(path.join(tmpdir(), "newsgate-bench-warm-"));
  const upstreams = new BenchChild("upstreams.ts", {
    core: helperCore,
    args: ["--count", String(sources), "--items", String(itemsPerSource), "--delay", String(upstreamDelayMs)],
  });
  // The instance that stays up: it reads every upstream once and stores the snapshots.
  const first = new BenchChild("warm-restart-server.ts", { core: helperCore });
  const children = [upstreams, first];
  try {
    const [ready] = await Promise.all([upstreams.next("ready", 180_000), first.next("loaded")]);
    const urls = ready.urls as string[];
    const ids = urls.map((_, i) => `upstream-${i}`);
    const file = path.join(dir, "sources.json");
    const sourceList = urls.map((url, i) => ({
      id: ids[i],
      name: `Upstream ${i}`,
      url,
      section: BENCH_SECTIONS[i % BENCH_SECTIONS.length]!.slug,
    }));
    await writeFile(file, JSON.stringify({ sections: BENCH_SECTIONS, sources: sourceList }));
    const go: ChildMessage = { type: "go", sources: file, redisUrl, prefix, expected };

    const cold = await first.ask(go, "answered", ANSWER_TIMEOUT_MS);
    const readsBefore = await upstreamReads(upstreams);
    log(
      `  8. warm restart: the first instance read ${readsBefore} upstreams and answered a complete front page after ${Number(cold.ms).toFixed(0)} ms`,
    );

    const rounds: { restartMs: number; readMs: number; catalogMs: number; attempts: number; redisErrors: Record<string, number> }[] = [];
    let bytes = 0;
    for (let round = 0; round < options.rounds; round++) {
      // Baseline: a fresh process reads every snapshot from Redis, as a restarted instance would at best.
      const reader = new BenchChild("warm-restart-server.ts", { core: serverCore });
      children.push(reader);
      await reader.next("loaded");
      const read = await reader.ask({ type: "read", redisUrl, prefix, ids, sources: file }, "read", ANSWER_TIMEOUT_MS);
      await reader.stop();
      if (Number(read.articles) !== expected) throw new Error(`Redis held ${Number(read.articles)} articles, not ${expected}`);
      bytes = Number(read.bytes);

      const restarted = new BenchChild("warm-restart-server.ts", {
        core: serverCore,
        nodeArgs: options.profile ? ["--cpu-prof", "--cpu-prof-dir=bench/profiles"] : [],
      });
      children.push(restarted);
      await restarted.next("loaded");
      const answered = await restarted.ask(go, "answered", ANSWER_TIMEOUT_MS);
      await restarted.stop();
      rounds.push({
        restartMs: Number(answered.ms),
        readMs: Number(read.ms),
        catalogMs: Number(read.catalogMs),
        attempts: Number(answered.attempts),
        redisErrors: answered.redisErrors as Record<string, number>,
      });
    }
    const reads = (await upstreamReads(upstreams)) - readsBefore;
    const restartMs = median(rounds.map((r) => r.restartMs));
    const readMs = median(rounds.map((r) => r.readMs));
    const catalogMs = median(rounds.map((r) => r.catalogMs));
    log(
      `  8. warm restart: ${sources} sources, ${(bytes / 2 ** 20).toFixed(1)} MiB of snapshots in Redis; first complete front page after ${restartMs.toFixed(0)} ms, plain read of the snapshots ${readMs.toFixed(0)} ms, then the catalog built from them in the same fresh process ${catalogMs.toFixed(0)} ms (medians of ${rounds.length}); upstream reads by the restarted instances: ${reads}`,
    );
    return [
      row({
        id: "warm-restart",
        scenario: `8. warm restart from Redis, ${sources} sources × ${itemsPerSource} items${reads > 0 ? ` (${reads} upstream reads!)` : ""}`,
        measured: { value: restartMs, unit: "ms", label: "restarted gateway" },
        baseline: { value: readMs, unit: "ms", label: "plain read of the snapshots" },
        target: { on: "ratio", op: "<=", value: 1.5 },
        details: { articles: expected, snapshotBytes: bytes, upstreamReads: reads, firstInstanceMs: Number(cold.ms), rounds },
      }),
      // What target 4 leaves for everything past the read (0.5x of it), against the one step every restarted instance takes: its own catalog.
      row({
        id: "warm-restart.catalog",
        scenario: `8. warm restart, the catalog built from those snapshots in a fresh process, one thread (${expected} articles)`,
        measured: { value: catalogMs, unit: "ms", label: "catalog from the snapshots" },
        baseline: { value: readMs, unit: "ms", label: "plain read of the snapshots" },
        target: null,
        details: { rounds: rounds.map((r) => ({ readMs: r.readMs, catalogMs: r.catalogMs })) },
      }),
    ];
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await dropKeys(redisUrl, prefix);
    await rm(dir, { recursive: true, force: true });
  }
}
