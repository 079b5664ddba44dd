import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { matchesIfNoneMatch } from "./use-http-caching.ts";

export interface CacheableBody {
  body: string;
  contentType: string;
  /** When what the body shows last changed; second precision on the wire. */
  lastModified: Date;
  maxAgeSeconds: number;
  headers?: Record<string, string>;
}

/** A strong tag from the bytes themselves, so it survives restarts and rebuilds that change nothing. */
export function entityTag(body: string): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

/**
 * Writes a GET answer with `ETag`, `Last-Modified` and `Cache-Control`, or a
 * `304` when the client's `If-None-Match` (or, without one, its
 * `If-Modified-Since`) shows it already holds it (RFC 9110 §13.2.2).
 */
export function sendCacheable(req: IncomingMessage, res: ServerResponse, { body, contentType, lastModified, maxAgeSeconds, headers = {} }: CacheableBody, etag = entityTag(body)): void {
  const common = { etag, "last-modified": lastModified.toUTCString(), "cache-control": `public, max-age=${maxAgeSeconds}`, ...headers };
  if (notModified(req, etag, lastModified)) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  res.writeHead(200, { ...common, "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(req.method === "HEAD" ? undefined : body);
}

function notModified(req: IncomingMessage, etag: string, lastModified: Date): boolean {
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch) return matchesIfNoneMatch(ifNoneMatch, etag);
  const since = Date.parse(req.headers["if-modified-since"] ?? "");
  return Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}
