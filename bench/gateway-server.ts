/**
 * The gateway measured by the HTTP scenarios, started as `npm start` starts it
 * (src/main.ts): its V8 flags, createGateway over a sources file, listen, the
 * refresher's first round. Differences, on purpose: 127.0.0.1 on a free port, no request
 * log (createGateway's silent default; `npm start` logs each request at
 * info), and readiness reported over IPC once the catalog is built.
 *
 * With `--yoga`, the same process also serves, on a second port and over the
 * same store, `createApp({ edgeCache: false })`: Yoga's path alone, for a
 * diagnostic row (one process fewer to start than a second gateway).
 *
 *   --sources FILE   sources file (default: the bundled demo set)
 *   --yoga           also serve the app without its edge cache
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { loadSourcesFile } from "../src/config/sources-file.ts";
import { createGateway } from "../src/create-gateway.ts";
import { setGatewayV8Flags } from "../src/ops/v8-heap.ts";
import { createApp } from "../src/http/server/app.ts";
import { listen, type RunningServer } from "../src/http/server/server.ts";
import { failStart, listenToBench, ROOT, tell } from "./processes.ts";

async function main(): Promise<void> {
  setGatewayV8Flags();
  const { values } = parseArgs({ options: { sources: { type: "string" }, yoga: { type: "boolean" } } });
  const config = await loadSourcesFile(values.sources ?? path.join(ROOT, "sources/default.json"));
  const gateway = createGateway({ config });
  const running = await listen(gateway.app, 0, "127.0.0.1");
  const yoga: RunningServer | null = values.yoga
    ? await listen(createApp({ store: gateway.store, articleEvents: gateway.articleEvents, edgeCache: false }), 0, "127.0.0.1")
    : null;
  gateway.refresher.start();
  await gateway.warmUp();
  listenToBench(
    () => undefined,
    async () => {
      await gateway.refresher.stop();
      await Promise.all([running.close(), yoga?.close()]);
    },
  );
  tell({ type: "ready", url: running.url, yogaUrl: yoga?.url ?? null });
}

main().catch(failStart);
