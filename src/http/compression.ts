import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import Negotiator from "negotiator";
import { LRUCache } from "lru-cache";

/**
 * Content codings for text answers (GraphQL JSON, feeds, OPML, the widget's
 * script and JSON): br and gzip, negotiated on `Accept-Encoding`, brotli
 * preferred when the client takes both equally. Each compression runs on
 * libuv's pool (zlib's async API), never on the event loop, and whoever
 * stores an answer stores its compressed variants too (see `CompressedBodies`),
 * so a repeated answer is compressed once per encoding. A variant's ETag and
 * Vary are decided in validators.ts.
 */
export const ENCODINGS = ["br", "gzip"] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** Bodies smaller than this go as they are: the headers would eat what compression saves. */
export const MIN_COMPRESSED_BYTES = 1024;
/** Brotli's quality: 4 compresses a 92 KB answer about as well as gzip 9 in a fraction of its time (11 is 50× slower). */
export const BROTLI_QUALITY = 4;
export const GZIP_LEVEL = 6;
/** Compressed variants of stored bodies (feeds, OPML, widget) kept by the plain routes' senders together (see createCacheableSender), in bytes. */
export const DEFAULT_COMPRESSED_BODIES_BYTES = 16 * 1024 * 1024;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Compresses off the event loop. */
export function compress(encoding: Encoding, body: string | Buffer): Promise<Buffer> {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  return encoding === "br"
    ? brotli(bytes, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        },
      })
    : gzipAsync(bytes, { level: GZIP_LEVEL });
}

/** negotiator 1.x takes a server preference for ties; @types/negotiator (0.6) does not know it yet. */
interface PreferringNegotiator {
  encoding(available: string[], options: { preferred: string[] }): string | undefined;
}

/** Accept-Encoding values seen (browsers send a handful): negotiated once each. */
const negotiated = new Map<string, Encoding | null>();
const MAX_NEGOTIATED = 256;

/** The encoding to answer a request in, or null (identity). Memoized per header value: this runs on every cache hit. */
export function negotiateEncoding(header: string | string[] | undefined): Encoding | null {
  if (header === undefined || header === "") return null;
  const value = Array.isArray(header) ? header.join(", ") : header;
  let encoding = negotiated.get(value);
  if (encoding === undefined) {
    const chosen = (new Negotiator({ headers: { "accept-encoding": value } }) as unknown as PreferringNegotiator).encoding([...ENCODINGS], {
      preferred: [...ENCODINGS],
    });
    encoding = chosen === "br" || chosen === "gzip" ? chosen : null;
    if (negotiated.size >= MAX_NEGOTIATED) negotiated.clear();
    negotiated.set(value, encoding);
  }
  return encoding;
}

/** Media types worth compressing: JSON (GraphQL answers, JSON Feed), XML (RSS, Atom, OPML), JavaScript, HTML and other text. */
export function compressibleType(contentType: string | null | undefined): boolean {
  if (!contentType) return false;
  // Streamed answers (@defer's multipart, SSE) are written as they come: never buffered here.
  if (/^(multipart\/|text\/event-stream)/i.test(contentType)) return false;
  return /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript))/i.test(contentType);
}

/**
 * Compressed variants of bodies, by a key naming the body (its strong tag, an
 * entry's id), bounded by bytes. A variant is made once: concurrent requests
 * for one that is being made wait for the same compression. A failed
 * compression is not kept.
 */
export function createCompressedBodies(maxBytes = DEFAULT_COMPRESSED_BODIES_BYTES) {
  // lru-cache refuses a budget of 0 (an edge cache given a tiny maxBytes): one byte keeps nothing all the same.
  const budget = Math.max(1, Math.floor(maxBytes));
  const stored = new LRUCache<string, Buffer>({
    maxSize: budget,
    sizeCalculation: (bytes, key) => bytes.length + key.length + 64,
    maxEntrySize: budget,
  });
  const inFlight = new Map<string, Promise<Buffer>>();
  return {
    /** The stored variant, or undefined (a hit costs no promise). */
    peek(key: string, encoding: Encoding): Buffer | undefined {
      return stored.get(`${encoding}\n${key}`);
    },
    /** The variant, made now if it is not stored. */
    get(key: string, encoding: Encoding, body: () => string | Buffer): Promise<Buffer> {
      const full = `${encoding}\n${key}`;
      const found = stored.get(full);
      if (found) return Promise.resolve(found);
      let making = inFlight.get(full);
      if (!making) {
        making = compress(encoding, body()).then(
          (bytes) => {
            inFlight.delete(full);
            stored.set(full, bytes);
            return bytes;
          },
          (error: unknown) => {
            inFlight.delete(full);
            throw error;
          },
        );
        inFlight.set(full, making);
      }
      return making;
    },
    get calculatedSize() {
      return stored.calculatedSize;
    },
    clear: () => stored.clear(),
  };
}

export type CompressedBodies = ReturnType<typeof createCompressedBodies>;
