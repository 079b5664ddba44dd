import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  compressibleType,
  createCompressedBodies,
  encodedTag,
  mergeVary,
  MIN_COMPRESSED_BYTES,
  negotiateEncoding,
  type CompressedBodies,
} from "./compression.ts";
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
 * Compressed variants of the bodies `sendCacheable` writes, keyed by their
 * strong tag (a hash of the body), so a feed or the widget's script is
 * compressed once per encoding while it stays the same.
 */
const compressedBodies: CompressedBodies = createCompressedBodies();

/**
 * Writes a GET answer with `ETag`, `Last-Modified` and `Cache-Control`, or a
 * `304` when the client's `If-None-Match` (or, without one, its
 * `If-Modified-Since`) shows it already holds it (RFC 9110 §13.2.2).
 *
 * A text body of 1 KB or more is sent br- or gzip-encoded when the client
 * takes it (`Vary: Accept-Encoding`), with a tag of its own per encoding
 * (`"…​.br"`, `"….gz"`); each variant is compressed once, off the event loop,
 * and kept (see `createCompressedBodies`). `etag` must name the body (the
 * default, `entityTag(body)`, does).
 */
export function sendCacheable(
  req: IncomingMessage,
  res: ServerResponse,
  { body, contentType, lastModified, maxAgeSeconds, headers = {} }: CacheableBody,
  etag = entityTag(body),
): void {
  const compressible =
    compressibleType(contentType) && body.length >= MIN_COMPRESSED_BYTES / 4 && Buffer.byteLength(body) >= MIN_COMPRESSED_BYTES;
  const encoding = compressible ? negotiateEncoding(req.headers["accept-encoding"]) : null;
  const tag = encodedTag(etag, encoding);
  const common: Record<string, string> = {
    etag: tag,
    "last-modified": lastModified.toUTCString(),
    "cache-control": `public, max-age=${maxAgeSeconds}`,
    ...headers,
  };
  if (compressible) common.vary = mergeVary(res.getHeader("vary"), `${headers.vary ?? ""}, Accept-Encoding`);
  if (notModified(req, tag, lastModified)) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  if (!encoding) {
    res.writeHead(200, { ...common, "content-type": contentType, "content-length": Buffer.byteLength(body) });
    res.end(req.method === "HEAD" ? undefined : body);
    return;
  }
  const write = (bytes: Buffer) => {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(200, { ...common, "content-type": contentType, "content-encoding": encoding, "content-length": bytes.length });
    res.end(req.method === "HEAD" ? undefined : bytes);
  };
  const stored = compressedBodies.peek(etag, encoding);
  if (stored) {
    write(stored);
    return;
  }
  compressedBodies
    .get(etag, encoding, () => body)
    .then(write, () => {
      // Compression failed (it should not): the body goes as it is, under its own tag.
      if (res.headersSent || res.destroyed) return;
      res.writeHead(200, { ...common, etag, "content-type": contentType, "content-length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
    });
}

function notModified(req: IncomingMessage, etag: string, lastModified: Date): boolean {
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch) return matchesIfNoneMatch(ifNoneMatch, etag);
  const since = Date.parse(req.headers["if-modified-since"] ?? "");
  return Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}
