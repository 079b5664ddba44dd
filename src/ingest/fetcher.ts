import { realpath, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline, type Readable, type Transform } from "node:stream";
import { fileURLToPath } from "node:url";
import { constants as zlib, createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { nodeHttpTransport, type HeaderReader, type HttpResponse, type HttpTransport } from "./http-transport.ts";
import { credentialsOf, credentialStep, withoutUserinfo } from "./credentials.ts";
import { IngestError } from "./ingest-error.ts";
import { DEFAULT_NETWORK_POLICY, isPublicHop, mustBePublic, PrivateAddressError, type NetworkPolicy } from "./network-policy.ts";

/** Redirects followed before giving up: enough for http→https→www hops, too few for a loop. */
export const MAX_REDIRECTS = 5;
export const USER_AGENT = "Newsgate/0.1 (+https://github.com/newsgate; feed aggregator)";
const ACCEPT =
  "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5";
const ACCEPT_ENCODING = "gzip, deflate, br";

export interface FetchRequest {
  url: URL;
  timeoutMs: number;
  maxBytes: number;
  /** The source's configured headers: credentials, sent only to `url`'s origin (see credentials.ts). */
  headers?: Record<string, string>;
  /** Validators of the copy we hold, for a conditional request. */
  etag?: string | null;
  lastModified?: string | null;
  /** Local (`file:`) sources must resolve inside this folder. */
  rootDir: string;
  /**
   * A refresh of a source that holds a copy: requests are served that copy
   * meanwhile, so the read may wait its turn (see DEFAULT_BACKGROUND_CONCURRENCY).
   */
  background?: boolean;
  /** What to ask for (a web page rather than a feed, for full text). @default a feed's media types */
  accept?: string;
}

export type FetchOutcome =
  | {
      kind: "fetched";
      body: Buffer;
      contentType: string | null;
      /** How long the upstream says the body stays fresh (Cache-Control max-age, Expires). */
      freshForMs: number | null;
      etag: string | null;
      lastModified: string | null;
      /** Where the body came from after redirects, for resolving relative links. */
      finalUrl: URL;
      /** The response's `Link` header (WebSub discovery names hubs there). @default null */
      link?: string | null;
    }
  | { kind: "not-modified"; freshForMs: number | null };

/**
 * Owns every network rule: timeout over headers and body together, a byte cap on
 * the decompressed stream (so a gzip bomb stops early), manual redirects with a
 * hop limit and a scheme check, credentials kept to their origin, private
 * addresses refused as `policy` says, conditional requests, and confined local files.
 */
export function createFetcher(transport: HttpTransport = nodeHttpTransport, policy: NetworkPolicy = DEFAULT_NETWORK_POLICY) {
  return async function fetchFeed(request: FetchRequest): Promise<FetchOutcome> {
    if (request.url.protocol === "file:") return readLocal(request);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), request.timeoutMs);
    try {
      return await fetchHttp(transport, policy, request, controller.signal);
    } catch (error) {
      if (controller.signal.aborted) {
        throw new IngestError("TIMEOUT", `no complete answer within ${request.timeoutMs} ms`, { cause: error });
      }
      if (error instanceof IngestError) throw error;
      if (error instanceof PrivateAddressError) throw privateAddress(error, policy);
      throw new IngestError("NETWORK", describeNetworkError(error), { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };
}

async function fetchHttp(
  transport: HttpTransport,
  policy: NetworkPolicy,
  request: FetchRequest,
  signal: AbortSignal,
): Promise<FetchOutcome> {
  let url = withoutUserinfo(request.url);
  // Set to null once a redirect left their origin: no later hop gets them back.
  let credentials = credentialsOf(request.url, request.headers);
  let publicHopSeen = false;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = {
      "user-agent": USER_AGENT,
      accept: request.accept ?? ACCEPT,
      "accept-encoding": ACCEPT_ENCODING,
      ...credentials?.headers,
    };
    // Validators only make sense for the URL they were given for.
    if (hop === 0 && request.etag) headers["if-none-match"] = request.etag;
    if (hop === 0 && request.lastModified) headers["if-modified-since"] = request.lastModified;
    const response = await transport(url, {
      headers,
      signal,
      publicOnly: mustBePublic(policy, publicHopSeen) ? policy.classify : undefined,
    });
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      discard(response);
      // Only a hop that redirects decides anything, so a plain read classifies no address.
      publicHopSeen ||= isPublicHop(policy, response.remoteAddress);
      const location = response.headers.get("location");
      if (!location) throw new IngestError("HTTP_STATUS", `HTTP ${response.status} without a Location header`);
      if (hop + 1 > MAX_REDIRECTS)
        throw new IngestError("TOO_MANY_REDIRECTS", `more than ${MAX_REDIRECTS} redirects (last to ${location})`);
      const next = withoutUserinfo(new URL(location, url));
      if (next.protocol !== "http:" && next.protocol !== "https:") {
        throw new IngestError("HTTP_STATUS", `redirect to a ${next.protocol} URL refused`);
      }
      const step = credentialStep(credentials, url, next);
      if (step === "refuse") {
        throw new IngestError(
          "INSECURE_REDIRECT",
          `redirect from ${url.origin} to plain http (${next.origin}) refused: the source sends credentials`,
        );
      }
      if (step === "drop") credentials = null;
      url = next;
      continue;
    }
    if (response.status === 304) {
      discard(response);
      return { kind: "not-modified", freshForMs: freshFor(response.headers) };
    }
    if (response.status < 200 || response.status > 299) {
      discard(response);
      throw new IngestError("HTTP_STATUS", `HTTP ${response.status} ${response.statusText}`.trim(), {
        retryAfterMs: retryAfter(response.headers),
      });
    }
    const declared = Number(response.headers.get("content-length"));
    // A declared length only counts when nothing is encoded: compressed bodies grow.
    if (!response.headers.get("content-encoding") && Number.isFinite(declared) && declared > request.maxBytes) {
      response.body.destroy();
      throw tooLarge(request.maxBytes);
    }
    const body = await readCapped(response, request.maxBytes);
    return {
      kind: "fetched",
      body,
      contentType: response.headers.get("content-type"),
      freshForMs: freshFor(response.headers),
      etag: response.headers.get("etag"),
      lastModified: response.headers.get("last-modified"),
      // Without user:password, which relative links resolved against it would otherwise publish.
      finalUrl: url,
      link: response.headers.get("link"),
    };
  }
}

/** The transport's refusal as the source's error, saying which rule refused it. */
function privateAddress(error: PrivateAddressError, policy: NetworkPolicy): IngestError {
  const rule = policy.refusePrivateAddresses
    ? "private addresses are refused (--refuse-private-addresses)"
    : "a redirect from a public address may not lead into a private network";
  return new IngestError("PRIVATE_ADDRESS", `${error.message}: refused, ${rule}`, { cause: error });
}

/** The body decoded (gzip, deflate, br, as `Content-Encoding` lists them), stopped as soon as it exceeds `maxBytes`. */
function readCapped(response: HttpResponse, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const decoders = decodersFor(response.headers.get("content-encoding"));
    // pipeline passes any stream's error to all of them, the last one included.
    if (decoders.length > 0) pipeline([response.body, ...decoders], () => undefined);
    const decoded: Readable = decoders.at(-1) ?? response.body;
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      response.body.destroy();
      decoded.destroy();
      reject(error);
    };
    decoded.on("data", (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) fail(tooLarge(maxBytes));
      else chunks.push(chunk);
    });
    decoded.once("end", () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, total));
    });
    decoded.once("error", fail);
    // The connection lost (or the timeout's abort) before the body's end.
    decoded.once("close", () => fail(new Error("the body ended early")));
    response.body.once("error", fail);
  });
}

/** Decoders for the codings applied, in the order to undo them; codings we do not know are left as they are. */
function decodersFor(contentEncoding: string | null): Transform[] {
  const codings = (contentEncoding ?? "")
    .toLowerCase()
    .split(",")
    .map((coding) => coding.trim());
  // Lenient at the end, as browsers are: a stream cut short gives what it had.
  const flush = { flush: zlib.Z_SYNC_FLUSH, finishFlush: zlib.Z_SYNC_FLUSH };
  const decoders: Transform[] = [];
  for (const coding of codings.reverse()) {
    if (coding === "gzip" || coding === "x-gzip") decoders.push(createGunzip(flush));
    else if (coding === "deflate") decoders.push(createInflate(flush));
    else if (coding === "br")
      decoders.push(createBrotliDecompress({ flush: zlib.BROTLI_OPERATION_FLUSH, finishFlush: zlib.BROTLI_OPERATION_FLUSH }));
  }
  return decoders;
}

/** A declared body up to this size is read to its end when discarded, so its connection can serve the next request. */
const DRAIN_MAX_BYTES = 64 * 1024;

/**
 * A response whose body is not wanted (a redirect, an error, a 304): a small
 * one is read to its end and its connection kept; any other is closed, since
 * nothing would stop reading an endless one.
 */
function discard(response: HttpResponse): void {
  // Nothing waits on it: a connection lost meanwhile must not become an unhandled error.
  response.body.on("error", () => undefined);
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (response.status === 304 || (Number.isFinite(declared) && declared <= DRAIN_MAX_BYTES)) response.body.resume();
  else response.body.destroy();
}

async function readLocal(request: FetchRequest): Promise<FetchOutcome> {
  const file = fileURLToPath(request.url);
  let resolved: string;
  let root: string;
  try {
    [resolved, root] = await Promise.all([realpath(file), realpath(request.rootDir)]);
  } catch (error) {
    throw new IngestError("NOT_FOUND", `local feed ${path.basename(file)} not found`, { cause: error });
  }
  // Checked after resolving symlinks, so a link cannot lead out of the folder.
  const relative = path.relative(root, resolved);
  if (relative.startsWith("..") || path.isAbsolute(relative)) {
    throw new IngestError("FORBIDDEN_PATH", "local feed resolves outside the sources file's folder");
  }
  const info = await stat(resolved);
  if (!info.isFile()) throw new IngestError("NOT_FOUND", `${path.basename(file)} is not a file`);
  if (info.size > request.maxBytes) throw tooLarge(request.maxBytes);
  const lastModified = info.mtime.toUTCString();
  const etag = `"${info.size}-${info.mtimeMs}"`;
  if (request.etag === etag) return { kind: "not-modified", freshForMs: null };
  const body = await readFile(resolved);
  return { kind: "fetched", body, contentType: null, freshForMs: null, etag, lastModified, finalUrl: request.url };
}

/** Freshness the upstream grants: Cache-Control max-age (s-maxage for shared caches), else Expires minus Date. */
export function freshFor(headers: HeaderReader): number | null {
  const control = headers.get("cache-control") ?? "";
  if (/\b(no-store|no-cache)\b/i.test(control)) return 0;
  const maxAge = /\bs-maxage\s*=\s*(\d{1,9})/i.exec(control) ?? /\bmax-age\s*=\s*(\d{1,9})/i.exec(control);
  if (maxAge) return Number(maxAge[1]) * 1000;
  const expires = Date.parse(headers.get("expires") ?? "");
  if (Number.isFinite(expires)) {
    const date = Date.parse(headers.get("date") ?? "");
    return Math.max(0, expires - (Number.isFinite(date) ? date : Date.now()));
  }
  return null;
}

/** Retry-After as seconds or as an HTTP date, in milliseconds. */
export function retryAfter(headers: HeaderReader): number | null {
  const value = headers.get("retry-after")?.trim();
  if (!value) return null;
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1000;
  const when = Date.parse(value);
  if (!Number.isFinite(when)) return null;
  const date = Date.parse(headers.get("date") ?? "");
  return Math.max(0, when - (Number.isFinite(date) ? date : Date.now()));
}

function tooLarge(maxBytes: number): IngestError {
  return new IngestError("TOO_LARGE", `body exceeds ${maxBytes} bytes`);
}

function describeNetworkError(error: unknown): string {
  const coded = error as { code?: string; cause?: { code?: string } };
  const code = coded.cause?.code ?? coded.code;
  if (code) return `network error ${code}`;
  return error instanceof Error ? error.message : String(error);
}
