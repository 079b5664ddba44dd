/**
 * The baseline of cold start: what the network alone costs. Reads every feed
 * at once over node:http, as the gateway's transport does (no concurrency
 * limit, no decoding, no parsing), and reports the time until the last body
 * has arrived. The global fetch would cost this process about twice the CPU
 * per body (WHATWG streams, a WebAssembly HTTP parser), a floor the gateway
 * no longer stands on.
 */
import http from "node:http";
import { failStart, listenToBench, tell } from "./processes.ts";

/** Bytes of the body at `url`, read to its end; fails on any status but 200. */
function readAll(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`${url}: HTTP ${response.statusCode}`));
          return;
        }
        let bytes = 0;
        response.on("data", (chunk: Buffer) => (bytes += chunk.length));
        response.on("end", () => resolve(bytes));
        response.on("error", reject);
      })
      .on("error", reject);
  });
}

listenToBench(async (message) => {
  if (message.type !== "fetch-all") return;
  const urls = message.urls as string[];
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const started = performance.now();
  const sizes = await Promise.all(urls.map((url) => readAll(url, agent)));
  tell({ type: "fetched", ms: performance.now() - started, bytes: sizes.reduce((a, b) => a + b, 0) });
  agent.destroy();
});
try {
  tell({ type: "ready" });
} catch (error) {
  failStart(error);
}
