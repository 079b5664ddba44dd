import { realpath, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { IngestError } from "./ingest-error.ts";

/** Redirects followed before giving up: enough for http→https→www hops, too few for a loop. */
export const MAX_REDIRECTS = 5;
export const USER_AGENT = "Newsgate/0.1 (+https://github.com/newsgate; feed aggregator)";
const ACCEPT = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5";

export interface FetchRequest {
  url: URL;
  timeoutMs: number;
  maxBytes: number;
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
    }
  | { kind: "not-modified"; freshForMs: number | null };

export type FetchFunction = typeof globalThis.fetch;

/**
 * Owns every network rule: timeout over headers and body together, a byte cap on
 * the decompressed stream (so a gzip bomb stops early), manual redirects with a
 * hop limit and a scheme check, conditional requests, and confined local files.
 */
export function createFetcher(fetchImpl: FetchFunction = globalThis.fetch) {
  return async function fetchFeed(request: FetchRequest): Promise<FetchOutcome> {
    if (request.url.protocol === "file:") return readLocal(request);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), request.timeoutMs);
    try {
      return await fetchHttp(fetchImpl, request, controller.signal);
    } catch (error) {
      if (controller.signal.aborted) {
        throw new IngestError("TIMEOUT", `no complete answer within ${request.timeoutMs} ms`, { cause: error });
      }
      if (error instanceof IngestError) throw error;
      throw new IngestError("NETWORK", describeNetworkError(error), { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };
}

async function fetchHttp(fetchImpl: FetchFunction, request: FetchRequest, signal: AbortSignal): Promise<FetchOutcome> {
  let url = request.url;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { "user-agent": USER_AGENT, accept: ACCEPT, ...request.headers };
    // Validators only make sense for the URL they were given for.
    if (hop === 0 && request.etag) headers["if-none-match"] = request.etag;
    if (hop === 0 && request.lastModified) headers["if-modified-since"] = request.lastModified;
    const response = await fetchImpl(url, { headers, redirect: "manual", signal });
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      await response.body?.cancel();
      const location = response.headers.get("location");
      if (!location) throw new IngestError("HTTP_STATUS", `HTTP ${response.status} without a Location header`);
      if (hop + 1 > MAX_REDIRECTS) throw new IngestError("TOO_MANY_REDIRECTS", `more than ${MAX_REDIRECTS} redirects (last to ${location})`);
      const next = new URL(location, url);
      if (next.protocol !== "http:" && next.protocol !== "https:") {
        throw new IngestError("HTTP_STATUS", `redirect to a ${next.protocol} URL refused`);
      }
      url = next;
      continue;
    }
    if (response.status === 304) {
      await response.body?.cancel();
      return { kind: "not-modified", freshForMs: freshFor(response.headers) };
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new IngestError("HTTP_STATUS", `HTTP ${response.status} ${response.statusText}`.trim(), { retryAfterMs: retryAfter(response.headers) });
    }
    const declared = Number(response.headers.get("content-length"));
    // A declared length only counts when nothing is encoded: compressed bodies grow.
    if (!response.headers.get("content-encoding") && Number.isFinite(declared) && declared > request.maxBytes) {
      await response.body?.cancel();
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
      finalUrl: url,
    };
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
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
export function freshFor(headers: Headers): number | null {
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
export function retryAfter(headers: Headers): number | null {
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
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `network error ${cause.code}`;
  return error instanceof Error ? error.message : String(error);
}
