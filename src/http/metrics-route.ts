import type { Registry } from "prom-client";
import type { Route } from "./routes.ts";

export const METRICS_PATH = "/metrics";

/**
 * `GET /metrics`: the registry in Prometheus text format. It tells how busy
 * and healthy the gateway is, not what it serves; put it behind the same
 * network rules as other internal endpoints if that matters.
 */
export function createMetricsRoute({ registry }: { registry: Registry }): Route {
  return {
    path: METRICS_PATH,
    handle: async (req, res) => {
      const text = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
      res.end(req.method === "HEAD" ? undefined : text);
    },
  };
}
