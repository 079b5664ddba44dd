/**
 * The gateway of the cold-start and stall scenarios, over the fixture
 * upstreams, started as src/main.ts starts it (its V8 flags, createGateway, listen, the
 * refresher's first round) with one difference: its monotonic clock can be
 * moved, so the bench can make every source stale at once.
 *
 * 1. Cold start: sends `loaded` once its modules are, and waits for `go`
 *    (with the sources file and the articles expected). From just before
 *    loading the sources file, it POSTs a query to itself (a front page and
 *    every source's state) until the answer has every source's articles and
 *    every source ok; sends `cold` with the time.
 * 2. `idle-start` / `idle-stop`: event-loop delay while nothing refreshes (the baseline).
 * 3. `refresh-start` (with `maxMs`): stops the refresher, moves the clock
 *    past every TTL, starts the refresher (all sources refresh together, and
 *    the catalog is rebuilt as they land); sends `refresh-done` with the
 *    event-loop delay seen until every source was read again and the catalog
 *    shows it, or until `maxMs` passed (then `finished` is false).
 */
import { loadSourcesFile } from "../src/config/sources-file.ts";
import { IngestPool } from "../src/ingest/ingest-pool.ts";
import { createGateway } from "../src/create-gateway.ts";
import { setGatewayV8Flags } from "../src/ops/v8-heap.ts";
import { listen } from "../src/http/server/server.ts";
import { watchEventLoop, watchGc } from "./event-loop.ts";
import { readThreadCpu, threadCpuSince } from "./thread-cpu.ts";
import { waitForCompleteAnswer } from "./complete-answer.ts";
import { failStart, listenToBench, tell, type ChildMessage } from "./processes.ts";

/** Moves the clock past any freshness (TTLs are capped at 6 h). */
const CLOCK_JUMP_MS = 7 * 3600 * 1000;
const POLL_MS = 10;

export interface GoMessage extends ChildMessage {
  type: "go";
  sources: string;
  expected: number;
}

function nextMessage<T extends ChildMessage>(type: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (message: ChildMessage) => {
      if (message.type !== type) return;
      process.off("message", listener);
      resolve(message as T);
    };
    process.on("message", listener);
  });
}

async function main(): Promise<void> {
  setGatewayV8Flags();
  const loadedAfterMs = performance.now();
  const go = nextMessage<GoMessage>("go");
  tell({ type: "loaded" });
  const { sources, expected } = await go;
  const started = performance.now();
  const cpuBefore = readThreadCpu();

  const config = await loadSourcesFile(sources);
  // The parser threads load their modules while the first fetches are on the wire.
  const ingestPool = new IngestPool();
  if (config.sources.length > 0) ingestPool.warm();
  let clockOffset = 0;
  const gateway = createGateway({ config, ingestPool, monotonicNow: () => performance.now() + clockOffset });
  const running = await listen(gateway.app, 0, "127.0.0.1");
  gateway.refresher.start();
  const attempts = await waitForCompleteAnswer(running.url, { expected, sources: config.sources.length, started });
  const coldMs = performance.now() - started;
  tell({
    type: "cold",
    ms: coldMs,
    moduleLoadMs: loadedAfterMs,
    attempts,
    url: running.url,
    cpu: threadCpuSince(cpuBefore, readThreadCpu()),
  });

  let watch: ReturnType<typeof watchEventLoop> | null = null;
  listenToBench(
    async (message) => {
      if (message.type === "idle-start") {
        watch = watchEventLoop();
        tell({ type: "idle-started" });
      } else if (message.type === "idle-stop") {
        tell({ type: "idle", delay: watch!.stop() });
      } else if (message.type === "refresh-start") {
        await gateway.refresher.stop();
        const { store } = gateway;
        const reads = store.readGeneration;
        const version = store.currentCatalog()?.version ?? 0;
        clockOffset += CLOCK_JUMP_MS;
        watch = watchEventLoop();
        const gc = watchGc();
        const maxMs = Number(message.maxMs);
        const refreshStarted = performance.now();
        gateway.refresher.start();
        tell({ type: "refresh-started" });
        // Done when every source was read again and the catalog shows what they sent (or time is up).
        let finished = false;
        while (performance.now() - refreshStarted < maxMs) {
          const current = store.currentCatalog();
          if (store.readGeneration - reads >= config.sources.length && current && current.version > version) {
            finished = true;
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
        const refreshMs = performance.now() - refreshStarted;
        const delay = watch.stop();
        const gcPauses = gc.stop();
        // The catalog as last built: `currentCatalog` is null while a change waits for its build.
        const built = (store as { builtCatalog?: { version: number } | null }).builtCatalog ?? store.currentCatalog();
        tell({
          type: "refresh-done",
          delay,
          gc: gcPauses,
          refreshMs,
          finished,
          reads: store.readGeneration - reads,
          catalogBuilds: built ? built.version - version : null,
        });
      }
    },
    async () => {
      await gateway.refresher.stop();
      await running.close();
    },
  );
}

main().catch(failStart);
