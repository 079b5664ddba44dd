/**
 * The gateway under load, in its own process so the load generator and the
 * fault server do not share its event loop: createGateway over the sources
 * file named by argv[2], listen on 127.0.0.1, the refresher's first round, as
 * `npm start` does. It reports `{ type: "ready", url }` over IPC and answers
 * `{ type: "memory" }` with its memory after a forced GC (run it with
 * `--expose-gc`).
 */
import { loadSourcesFile } from "../src/config/sources-file.ts";
import { createGateway } from "../src/create-gateway.ts";
import { listen } from "../src/http/server/server.ts";

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file || !process.send) throw new Error("usage: run by bench-load/run.ts with a sources file and an IPC channel");
  const gateway = createGateway({ config: await loadSourcesFile(file) });
  const running = await listen(gateway.app, 0, "127.0.0.1");
  gateway.refresher.start();
  await gateway.warmUp();
  process.on("message", (message: { type: string }) => {
    if (message.type === "memory") {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      const { heapUsed, rss } = process.memoryUsage();
      process.send!({ type: "memory", heapUsed, rss, gcForced: Boolean(gc) });
    } else if (message.type === "stop") {
      void gateway.refresher
        .stop()
        .then(() => running.close())
        .then(() => process.exit(0));
    }
  });
  process.send({ type: "ready", url: running.url });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
