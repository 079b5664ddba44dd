import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import Negotiator from "negotiator";
import { GRAPHIQL_CSP } from "./use-graphiql-headers.ts";

/** Brotli's quality for the page: 9 MB to about 2 MB in under a second of a pool thread (11 would take about 15 s). */
const BROTLI_QUALITY = 5;
const ENCODINGS = ["br", "gzip"] as const;
type Encoding = (typeof ENCODINGS)[number];

const compressors: Record<Encoding, (page: Buffer) => Promise<Buffer>> = {
  br: (page) => promisify(brotliCompress)(page, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: page.length } }),
  gzip: (page) => promisify(gzip)(page, { level: 6 }),
};

/**
 * GraphiQL's page, compressed: it embeds the whole GraphiQL bundle so it works
 * offline, 9 MB that a developer on a remote gateway would otherwise download
 * on every load (about 2 MB with brotli, 2.4 MB with gzip). Each encoding is
 * made once, on the first load that asks for it, on libuv's pool rather than
 * the event loop; until then, and for clients that accept neither, the page
 * goes through Yoga as before.
 *
 * Returns the node:http handler: true when it answers (the request is a load
 * of GraphiQL and the client takes br or gzip), else false. Should compressing
 * fail, that load is handed to `fallback` (Yoga).
 */
export function createCompressedGraphiql(
  graphqlPath: string,
  page: () => string,
  fallback: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const compressed = new Map<Encoding, Promise<Buffer>>();
  const bytes = (encoding: Encoding): Promise<Buffer> => {
    let made = compressed.get(encoding);
    if (!made) {
      made = compressors[encoding](Buffer.from(page()));
      // A failure is not kept: the next load tries again.
      made.catch(() => compressed.delete(encoding));
      compressed.set(encoding, made);
    }
    return made;
  };
  return (req, res) => {
    if (!isGraphiqlLoad(req, graphqlPath)) return false;
    // Brotli first when the client takes both equally (browsers list gzip first).
    const encoding = (new Negotiator(req) as PreferringNegotiator).encoding([...ENCODINGS], { preferred: [...ENCODINGS] }) as Encoding | undefined;
    if (!encoding || !ENCODINGS.includes(encoding)) return false;
    bytes(encoding).then(
      (body) => {
        if (res.headersSent || res.destroyed) return;
        // The headers Yoga's page carries (see use-graphiql-headers.ts), and what makes caches keep encodings apart.
        res.writeHead(200, {
          "content-type": "text/html",
          "content-encoding": encoding,
          "content-length": body.length,
          vary: "Accept, Accept-Encoding",
          "content-security-policy": GRAPHIQL_CSP,
          "x-content-type-options": "nosniff",
          "referrer-policy": "no-referrer",
        });
        res.end(body);
      },
      () => {
        if (!res.headersSent && !res.destroyed) fallback(req, res);
      },
    );
    return true;
  };
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
