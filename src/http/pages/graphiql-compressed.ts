import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import Negotiator from "negotiator";
import { GRAPHIQL_CSP } from "../plugins/use-graphiql-headers.ts";

/** Brotli's quality for the page: 9 MB to about 2 MB in under a second of a pool thread (11 would take about 15 s). */
const BROTLI_QUALITY = 5;
const ENCODINGS = ["br", "gzip"] as const;
type Encoding = (typeof ENCODINGS)[number];
/** The suffix of a compressed variant's tag: a strong tag names one sequence of bytes (RFC 9110 §8.8.3), so each encoding has its own. */
const TAG_SUFFIX: Record<Encoding, string> = { br: ".br", gzip: ".gz" };

/**
 * How long the page may be used without asking: not at all. It sits at the
 * API's own URL (`Vary: Accept` keeps it apart from GET answers) and changes
 * with the gateway's version (GraphiQL's bundle, the example operations for
 * the schema it serves), so browsers and shared caches may store it
 * (`public`) but revalidate every load (`no-cache`): a `304` of a few hundred
 * bytes instead of 2 MB, and never an old page after an upgrade.
 */
export const GRAPHIQL_CACHE_CONTROL = "public, no-cache";
export const GRAPHIQL_VARY = "Accept, Accept-Encoding";

const compressors: Record<Encoding, (page: Buffer) => Promise<Buffer>> = {
  br: (page) =>
    promisify(brotliCompress)(page, {
      params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: page.length },
    }),
  gzip: (page) => promisify(gzip)(page, { level: 6 }),
};

/** The page's bytes and its strong tag, from a hash of those bytes: the same on every instance and across restarts. */
interface PageBytes {
  bytes: Buffer;
  tag: string;
}

/**
 * GraphiQL's page, as the node:http handler answers every load of it. It
 * embeds the whole GraphiQL bundle so it works offline: 9 MB that a developer
 * on a remote gateway would otherwise download on every load (about 2 MB with
 * brotli, 2.4 MB with gzip). Each encoding is made once, on the first load
 * that asks for it, on libuv's pool rather than the event loop; clients that
 * accept neither get the page as it is.
 *
 * Every answer carries a strong `ETag` per encoding (the sha256 of the page,
 * computed once; `".br"` and `".gz"` for the compressed variants),
 * `Cache-Control: public, no-cache` and `Vary: Accept, Accept-Encoding`, with
 * the security headers of Yoga's page. An `If-None-Match` naming the variant
 * the client would get is answered `304` with no body, before anything is
 * compressed or rendered.
 *
 * Returns the node:http handler: true when it answers (the request is a load
 * of GraphiQL), else false. Should the page fail to render, that load is handed
 * to `fallback` (Yoga); should compressing fail, the page goes uncompressed.
 */
export function createCompressedGraphiql(
  graphqlPath: string,
  page: () => string,
  fallback: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const compressed = new Map<Encoding, Promise<Buffer>>();
  let plain: PageBytes | null = null;
  const pageBytes = (): PageBytes => {
    if (!plain) {
      const bytes = Buffer.from(page());
      plain = { bytes, tag: `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 27)}"` };
    }
    return plain;
  };
  const bytes = (encoding: Encoding): Promise<Buffer> => {
    let made = compressed.get(encoding);
    if (!made) {
      made = compressors[encoding](pageBytes().bytes);
      // A failure is not kept: the next load tries again.
      made.catch(() => compressed.delete(encoding));
      compressed.set(encoding, made);
    }
    return made;
  };
  return (req, res) => {
    if (!isGraphiqlLoad(req, graphqlPath)) return false;
    let base: PageBytes;
    try {
      base = pageBytes();
    } catch {
      fallback(req, res);
      return true;
    }
    // Brotli first when the client takes both equally (browsers list gzip first).
    const chosen = (new Negotiator(req) as PreferringNegotiator).encoding([...ENCODINGS], { preferred: [...ENCODINGS] });
    const encoding = ENCODINGS.find((e) => e === chosen) ?? null;
    const tag = encoding ? `${base.tag.slice(0, -1)}${TAG_SUFFIX[encoding]}"` : base.tag;
    // The headers Yoga's page carries (see use-graphiql-headers.ts), and what makes caches keep encodings apart.
    const headers = (etag: string) => ({
      etag,
      "cache-control": GRAPHIQL_CACHE_CONTROL,
      vary: GRAPHIQL_VARY,
      "content-security-policy": GRAPHIQL_CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
    if (matches(req.headers["if-none-match"], tag)) {
      res.writeHead(304, headers(tag));
      res.end();
      return true;
    }
    const send = (etag: string, body: Buffer, contentEncoding: Encoding | null) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(200, {
        "content-type": "text/html",
        ...(contentEncoding ? { "content-encoding": contentEncoding } : {}),
        "content-length": body.length,
        ...headers(etag),
      });
      res.end(body);
    };
    if (!encoding) {
      send(base.tag, base.bytes, null);
      return true;
    }
    bytes(encoding).then(
      (body) => send(tag, body, encoding),
      () => send(base.tag, base.bytes, null),
    );
    return true;
  };
}

/** `If-None-Match` (weak comparison, RFC 9110 §13.1.2): `*`, or the tag of the variant this request gets. */
function matches(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  return header.split(",").some((candidate) => {
    const opaque = candidate.trim().replace(/^W\//, "");
    return opaque === "*" || opaque === tag;
  });
}

/** negotiator 1.x takes a server preference for ties; @types/negotiator (0.6) does not know it yet. */
interface PreferringNegotiator {
  encoding(available: string[], options: { preferred: string[] }): string | undefined;
}

/** What Yoga renders GraphiQL for: a GET of the GraphQL path that accepts HTML. */
export function isGraphiqlLoad(req: IncomingMessage, graphqlPath: string): boolean {
  if (req.method !== "GET" || !req.headers.accept?.includes("text/html")) return false;
  const path = (req.url ?? "").split("?")[0];
  return path === graphqlPath || path === `${graphqlPath}/`;
}
