import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Registry } from "prom-client";
import type { Route } from "../server/routes.ts";

export const METRICS_PATH = "/metrics";

export interface MetricsRouteOptions {
  registry: Registry;
  /**
   * `NEWSGATE_METRICS_TOKEN`: when set, a scrape must send `Authorization:
   * Bearer <token>` (Prometheus's `authorization` setting); the metrics name
   * partners and sources. @default null: open, as before
   */
  token?: string | null;
}

/**
 * `GET /metrics`: the registry in Prometheus text format. It tells how busy
 * and healthy the gateway is, and names partners and sources: with a token,
 * only a scraper holding it reads it; without, keep it behind the same
 * network rules as other internal endpoints.
 */
export function createMetricsRoute({ registry, token = null }: MetricsRouteOptions): Route {
  const expected = token ? digest(token) : null;
  return {
    path: METRICS_PATH,
    handle: async (req, res) => {
      if (expected && !bearerMatches(req, expected)) {
        const body = JSON.stringify({ error: "send the metrics token as `Authorization: Bearer <token>`" });
        res.writeHead(401, {
          "content-type": "application/json; charset=utf-8",
          "www-authenticate": 'Bearer realm="newsgate metrics"',
          "cache-control": "no-store",
          "content-length": Buffer.byteLength(body),
        });
        res.end(req.method === "HEAD" ? undefined : body);
        return;
      }
      const text = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
      res.end(req.method === "HEAD" ? undefined : text);
    },
  };
}

/** Whether the request's bearer token is the configured one; compared as digests, in constant time. */
function bearerMatches(req: IncomingMessage, expected: Buffer): boolean {
  const match = /^Bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
