import type { IncomingMessage, ServerResponse } from "node:http";
import {
  compressibleType,
  createCompressedBodies,
  MIN_COMPRESSED_BYTES,
  negotiateEncoding,
  type CompressedBodies,
} from "../compression.ts";
import { encodedTag, entityTag, notModified, publicMaxAge } from "../validators.ts";
import { mergeVary } from "../../protocol/vary.ts";

export interface CacheableBody {
  body: string;
  contentType: string;
  /** When what the body shows last changed; second precision on the wire. */
  lastModified: Date;
  maxAgeSeconds: number;
  headers?: Record<string, string>;
}

export type SendCacheable = (req: IncomingMessage, res: ServerResponse, answer: CacheableBody, etag?: string) => void;

/**
 * Writes a GET answer with `ETag`, `Last-Modified` and `Cache-Control`, or a
 * `304` when the client's `If-None-Match` (or, without one, its
 * `If-Modified-Since`) shows it already holds it (RFC 9110 §13.2.2).
 *
 * A text body of 1 KB or more is sent br- or gzip-encoded when the client
 * takes it (`Vary: Accept-Encoding`), with a tag of its own per encoding
 * (`"…​.br"`, `"….gz"`); each variant is compressed once, off the event loop,
 * and kept in `compressedBodies`, keyed by the body's strong tag, so a feed or
 * the widget's script is compressed once per encoding while it stays the
 * same. `etag` must name the body (the default, `entityTag(body)`, does).
 * Each set of routes makes its own sender, and with it its own variants.
 */
export function createCacheableSender(compressedBodies: CompressedBodies = createCompressedBodies()): SendCacheable {
  return (req, res, answer, etag) => sendCacheable(compressedBodies, req, res, answer, etag);
}

function sendCacheable(
  compressedBodies: CompressedBodies,
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
    "cache-control": publicMaxAge(maxAgeSeconds),
    ...headers,
  };
  if (compressible) common.vary = mergeVary(res.getHeader("vary"), `${headers.vary ?? ""}, Accept-Encoding`);
  if (notModified(req.headers["if-none-match"], req.headers["if-modified-since"], tag, lastModified)) {
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
