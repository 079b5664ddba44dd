/**
 * The baseline of cold start: what the network alone costs. Fetches every
 * feed at once with plain fetch (no concurrency limit, no parsing) and
 * reports the time until the last body has arrived.
 */
import { failStart, listenToBench, tell } from "./processes.ts";

listenToBench(async (message) => {
  if (message.type !== "fetch-all") return;
  const urls = message.urls as string[];
  const started = performance.now();
  const sizes = await Promise.all(
    urls.map(async (url) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      return (await response.arrayBuffer()).byteLength;
    }),
  );
  tell({ type: "fetched", ms: performance.now() - started, bytes: sizes.reduce((a, b) => a + b, 0) });
});
try {
  tell({ type: "ready" });
} catch (error) {
  failStart(error);
}
