/**
 * The processes of the warm-restart scenario (warm-restart.ts). Sends
 * `loaded` once its modules are, then does one of two things, timed from the
 * message on, and reports the time:
 *
 * - `go` (sources file, Redis URL, key prefix, articles expected): a gateway
 *   started as src/main.ts starts it with REDIS_URL (its V8 flags, the shared
 *   cache connected, createGateway, parser threads only for sources Redis held no copy of, listen, the
 *   refresher's first round), POSTing itself a front page (20 stories with
 *   section, summary, reading time and date) and every source's state until
 *   the answer has every source's articles, every source ok and a full page;
 *   replies `answered` with the time and its Redis calls that failed. It keeps serving until stopped (the
 *   first instance of the cluster stays up while another restarts).
 * - `read` (Redis URL, key prefix, source ids): the baseline. A plain ioredis
 *   connection GETs every source's snapshot key at once and turns each into a
 *   snapshot as the shared cache does (`storedSnapshot`: the JSON parsed with
 *   its dates revived, then checked); replies `read` with the time and bytes.
 *   Then, timed apart, builds the catalog from those snapshots in one go on
 *   this thread (`buildCatalogSteps`, its indexes left to build later as a
 *   gateway leaves them): the work no restarted instance skips while each
 *   builds its own catalog, as cold as in a restarted process.
 */
import { Redis } from "ioredis";
import { loadSourcesFile } from "../src/config/sources-file.ts";
import { createGateway } from "../src/create-gateway.ts";
import { listen } from "../src/http/server/server.ts";
import { IngestPool } from "../src/ingest/ingest-pool.ts";
import { silentLogger } from "../src/log/logger.ts";
import { setGatewayV8Flags } from "../src/ops/v8-heap.ts";
import { createRedis, SharedCache, storedSnapshot } from "../src/store/source-cache/shared-cache.ts";
import { buildCatalogSteps } from "../src/store/catalog/catalog.ts";
import { runToEnd } from "../src/store/sliced/time-slice.ts";
import type { SourceSnapshot } from "../src/model/source-snapshot.ts";
import { waitForCompleteAnswer } from "./complete-answer.ts";
import { failStart, listenToBench, tell, type ChildMessage } from "./processes.ts";

let stopGateway: (() => Promise<void>) | null = null;

async function startGateway(message: ChildMessage): Promise<void> {
  const started = performance.now();
  const expected = Number(message.expected);
  const config = await loadSourcesFile(String(message.sources));
  // As src/main.ts starts an instance with REDIS_URL: parser threads only for sources the cluster held no copy of.
  const ingestPool = new IngestPool();
  const sharedCache = new SharedCache({
    redis: createRedis(String(message.redisUrl)),
    prefix: String(message.prefix),
    logger: silentLogger(),
  });
  await sharedCache.connect();
  const gateway = createGateway({ config, ingestPool, sharedCache });
  void gateway.sourcesWithoutSharedCopy.then((count) => {
    if (count > 0) ingestPool.warm();
  });
  const running = await listen(gateway.app, 0, "127.0.0.1");
  gateway.refresher.start();
  stopGateway = async () => {
    await gateway.shutdown();
    await running.close();
    await sharedCache.close();
  };
  const attempts = await waitForCompleteAnswer(running.url, { expected, sources: config.sources.length, started });
  const ms = performance.now() - started;
  tell({ type: "answered", ms, attempts, redisErrors: Object.fromEntries(sharedCache.errors) });
}

async function readSnapshots(message: ChildMessage): Promise<void> {
  const ids = message.ids as string[];
  // The keys as the shared cache names them, worked out before the clock starts.
  const naming = new SharedCache({ redis: new Redis({ lazyConnect: true }), prefix: String(message.prefix), logger: silentLogger() });
  const keys = ids.map((id) => naming.snapshotKey(id));
  const config = await loadSourcesFile(String(message.sources));
  const started = performance.now();
  const redis = new Redis(String(message.redisUrl), { lazyConnect: true });
  await redis.connect();
  const texts = await Promise.all(keys.map((key) => redis.get(key)));
  let bytes = 0;
  let articles = 0;
  const snapshots = new Map<string, SourceSnapshot>();
  for (const [i, text] of texts.entries()) {
    const snapshot = text === null ? null : storedSnapshot(text, ids[i]!);
    if (!snapshot) throw new Error(`no snapshot of ${ids[i]} at ${keys[i]}`);
    bytes += text!.length;
    articles += snapshot.articles.length;
    snapshots.set(ids[i]!, snapshot);
  }
  const ms = performance.now() - started;
  redis.disconnect();
  const building = performance.now();
  const catalog = runToEnd(
    buildCatalogSteps({ version: 1, now: Date.now(), sections: config.sections, sources: config.sources, snapshots }),
  );
  const catalogMs = performance.now() - building;
  tell({ type: "read", ms, bytes, articles, catalogMs, stories: catalog.articles.length });
}

async function main(): Promise<void> {
  setGatewayV8Flags();
  listenToBench(
    (message) => {
      if (message.type === "go") return startGateway(message);
      if (message.type === "read") return readSnapshots(message);
    },
    () => stopGateway?.(),
  );
  tell({ type: "loaded" });
}

main().catch(failStart);
