import type { IncomingMessage, ServerResponse } from "node:http";
import { stripIgnoredCharacters } from "graphql";
import { LRUCache } from "lru-cache";
import type { Catalog } from "../store/catalog.ts";
import type { Store } from "../store/store.ts";
import { freshSeconds, matchesIfNoneMatch, sortedKeys } from "./use-http-caching.ts";

/** Bytes of answers held, whatever their number. */
export const DEFAULT_EDGE_CACHE_BYTES = 64 * 1024 * 1024;
/** Answers larger than this are not kept: one page should not evict a hundred. */
export const MAX_EDGE_ENTRY_BYTES = 2 * 1024 * 1024;
/** Header telling clients and tests whether the edge cache answered. */
export const CACHE_STATUS_HEADER = "x-newsgate-cache";

export type EdgeOutcome = "hit" | "miss" | "bypass";

export interface EdgeCacheOptions {
  store: Store;
  /** Runs the request through Yoga (its Fetch API entry point), reporting the catalog its answer read. */
  execute: (request: Request, onCatalog: (catalog: Catalog) => void) => Promise<Response>;
  graphqlEndpoint: string;
  /** Bodies over this size are left to Yoga, which refuses them with 413. */
  maxRequestBodyBytes: number;
  /** @default DEFAULT_EDGE_CACHE_BYTES */
  maxBytes?: number;
  remainingFreshMs?: (sourceId: string) => number;
  /** Called once per request with what the cache did (metrics). */
  onLookup?: (outcome: EdgeOutcome) => void;
}

interface Entry {
  body: Buffer;
  contentType: string;
  etag: string | null;
  /** What the answer was computed from: it is served only while all of these still hold. */
  catalogVersion: number;
  healthKey: string;
  /** Set for answers that show source status (timestamps change on every read). */
  readGeneration: number | null;
}

/**
 * An in-process cache in front of Yoga for the queries a news site repeats.
 * A repeated operation is answered with stored bytes, skipping Yoga entirely.
 * Keys are the request as sent (method, URL, body, Accept) and, on a miss,
 * the normalized operation (document without insignificant characters,
 * variables with sorted keys, operation name, Accept), so a reformatted query
 * finds the same answer. An answer is served only while the catalog version,
 * the sources' health and (for answers showing source status) every read it
 * was built from are unchanged, and every source is within its freshness: a
 * source's change or an expired TTL sends the request back through Yoga.
 * Only complete, error-free JSON answers are kept; streamed (@defer, SSE)
 * requests never come here.
 */
export function createEdgeCache(options: EdgeCacheOptions) {
  const { store, execute, graphqlEndpoint, maxRequestBodyBytes, maxBytes = DEFAULT_EDGE_CACHE_BYTES, remainingFreshMs, onLookup } = options;
  const entries = new LRUCache<string, Entry>({
    maxSize: maxBytes,
    sizeCalculation: (entry, key) => entry.body.length + key.length + 256,
    maxEntrySize: MAX_EDGE_ENTRY_BYTES,
  });

  const valid = (entry: Entry): boolean => {
    const catalog = store.currentCatalog();
    return (
      catalog !== null &&
      entry.catalogVersion === catalog.version &&
      entry.healthKey === store.healthKey() &&
      (entry.readGeneration === null || entry.readGeneration === store.readGeneration) &&
      store.allFresh()
    );
  };

  /** Whether this request may go through the cache (else Yoga gets the node request untouched). */
  function accepts(req: IncomingMessage): boolean {
    if (req.method !== "GET" && req.method !== "POST") return false;
    const path = (req.url ?? "").split("?")[0];
    if (path !== graphqlEndpoint) return false;
    const accept = req.headers.accept ?? "";
    // GraphiQL's page, multipart (@defer/@stream) and SSE are Yoga's alone.
    if (/text\/html|multipart\/mixed|text\/event-stream/i.test(accept)) return false;
    if (req.method === "POST") {
      if (!/^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? "")) return false;
      const length = Number(req.headers["content-length"]);
      if (!Number.isFinite(length) || length > maxRequestBodyBytes) return false;
    }
    return true;
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = req.method === "POST" ? await readBody(req) : "";
    const accept = req.headers.accept ?? "";
    const rawKey = `${req.method}\n${req.url}\n${accept}\n${body}`;
    let entry = entries.get(rawKey);
    let normalizedKey: string | null = null;
    if (!entry) {
      normalizedKey = normalize(req, body, accept);
      if (normalizedKey) entry = entries.get(normalizedKey);
      if (entry && valid(entry)) entries.set(rawKey, entry);
    }
    if (entry && valid(entry)) {
      onLookup?.("hit");
      return sendEntry(req, res, entry);
    }
    onLookup?.("miss");
    let used: Catalog | null = null;
    const generation = store.readGeneration;
    const response = await execute(toRequest(req, body), (catalog) => (used = catalog));
    const bytes = Buffer.from(await response.arrayBuffer());
    // Kept only when the catalog the answer read is still the current one and no source was read meanwhile.
    const current = store.currentCatalog();
    const contentType = response.headers.get("content-type") ?? "";
    const cacheable =
      response.status === 200 &&
      /json/i.test(contentType) &&
      used !== null &&
      current === used &&
      generation === store.readGeneration &&
      bytes.length <= MAX_EDGE_ENTRY_BYTES &&
      isErrorFree(bytes);
    if (cacheable) {
      const stored: Entry = {
        body: bytes,
        contentType,
        etag: response.headers.get("etag"),
        catalogVersion: current!.version,
        healthKey: store.healthKey(),
        // Timestamps of source reads (Source.status) change without the catalog: such answers follow every read.
        readGeneration: mentionsSourceStatus(req, body) ? generation : null,
      };
      entries.set(rawKey, stored);
      normalizedKey ??= normalize(req, body, accept);
      if (normalizedKey) entries.set(normalizedKey, stored);
    }
    writeResponse(res, response, bytes, "miss");
  }

  function sendEntry(req: IncomingMessage, res: ServerResponse, entry: Entry): void {
    const headers: Record<string, string | number> = { "content-type": entry.contentType, [CACHE_STATUS_HEADER]: "hit" };
    if (req.method === "GET" && entry.etag) {
      headers.etag = entry.etag;
      headers["cache-control"] = `public, max-age=${freshSeconds(store.enabledSources, remainingFreshMs)}`;
      headers.vary = mergeVary(res.getHeader("vary"), "Accept");
      const ifNoneMatch = req.headers["if-none-match"];
      if (ifNoneMatch && matchesIfNoneMatch(ifNoneMatch, entry.etag)) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
    } else {
      headers["cache-control"] = "no-store";
    }
    headers["content-length"] = entry.body.length;
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : entry.body);
  }

  return {
    accepts,
    serve,
    /** Entries held (raw and normalized keys both count). */
    get size() {
      return entries.size;
    },
    clear: () => entries.clear(),
  };
}

export type EdgeCache = ReturnType<typeof createEdgeCache>;

/** The operation without formatting: document stripped of insignificant characters, sorted variables. */
function normalize(req: IncomingMessage, body: string, accept: string): string | null {
  try {
    let params: { query?: unknown; variables?: unknown; operationName?: unknown; extensions?: unknown };
    if (req.method === "POST") params = JSON.parse(body) as typeof params;
    else {
      const search = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
      const json = (name: string) => (search.has(name) ? JSON.parse(search.get(name)!) : undefined);
      params = { query: search.get("query") ?? undefined, variables: json("variables"), operationName: search.get("operationName") ?? undefined, extensions: json("extensions") };
    }
    if (typeof params.query !== "string" || params.extensions !== undefined) return null;
    return JSON.stringify([req.method, stripIgnoredCharacters(params.query), sortedKeys(params.variables ?? {}), params.operationName ?? null, accept]);
  } catch {
    return null;
  }
}

function mentionsSourceStatus(req: IncomingMessage, body: string): boolean {
  const text = req.method === "POST" ? body : decodeURIComponent(req.url ?? "");
  return /\bstatus\b/.test(text);
}

function isErrorFree(bytes: Buffer): boolean {
  try {
    const parsed = JSON.parse(bytes.toString("utf8")) as { errors?: unknown; data?: unknown };
    return parsed.errors === undefined && parsed.data !== undefined && parsed.data !== null;
  } catch {
    return false;
  }
}

/** Vary names already set on the response (by the partner gate: Origin, X-API-Key) kept beside ours. */
function mergeVary(current: string | number | string[] | undefined, added: string): string {
  const names = [...String(current ?? "").split(","), ...added.split(",")].map((n) => n.trim()).filter(Boolean);
  const seen = new Map<string, string>();
  for (const name of names) if (!seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  return [...seen.values()].join(", ");
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function toRequest(req: IncomingMessage, body: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(":")) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  headers.delete("content-length");
  const url = `http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`;
  return new Request(url, { method: req.method, headers, body: req.method === "POST" ? body : undefined });
}

function writeResponse(res: ServerResponse, response: Response, bytes: Buffer, status: "miss" | "bypass"): void {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === "content-length" || name === "transfer-encoding") return;
    headers[name] = name === "vary" ? mergeVary(res.getHeader("vary"), value) : value;
  });
  headers[CACHE_STATUS_HEADER] = status;
  res.writeHead(response.status, { ...headers, "content-length": String(bytes.length) });
  res.end(bytes);
}

