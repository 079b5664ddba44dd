import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { stripIgnoredCharacters } from "graphql";
import { LRUCache } from "lru-cache";
import type { Store } from "../../store/store.ts";
import { compress, createCompressedBodies, MIN_COMPRESSED_BYTES, negotiateEncoding, type Encoding } from "../compression.ts";
import { REQUEST_ID_HEADER } from "../server/request-log.ts";
import { readRequestParams } from "../server/request-params.ts";
import { encodedTag, type EntityTags, matchesIfNoneMatch, namesVariant, NO_STORE, publicMaxAge, sortedJson } from "../validators.ts";
import { createVaryMemo, mergeVary } from "../../protocol/vary.ts";
import { EdgeExchange } from "./contract.ts";
import { directParams, type DirectExecution, type DirectParams, type OperationMemo } from "./direct-execution.ts";

/** Bytes of answers held, whatever their number. */
export const DEFAULT_EDGE_CACHE_BYTES = 64 * 1024 * 1024;
/** Answers larger than this are not kept: one page should not evict a hundred. */
export const MAX_EDGE_ENTRY_BYTES = 2 * 1024 * 1024;
/** Header telling clients and tests whether the edge cache answered. */
export const CACHE_STATUS_HEADER = "x-newsgate-cache";

/** Distinct documents whose normalized form is remembered (a site sends a handful, with varying variables). */
export const MAX_NORMALIZED_DOCUMENTS = 1000;
/**
 * Characters of documents those memos hold, each (a document may be as long
 * as a request body: a thousand of 100 KB would be 100 MB).
 */
export const MAX_REMEMBERED_DOCUMENT_CHARS = 4 * 1024 * 1024;
/**
 * Keys of answers computed once and not kept, remembered at most (by count,
 * and by characters: keys hold whole documents and variables). An answer is
 * kept on its key's second miss: a one-off query (most distinct queries) then
 * costs no entry, and a scan of distinct queries, such as a crawler paging
 * through every article, cannot push the answers asked again and again out of
 * the cache. A key seen once stays known for its next misses, so an answer
 * that went stale (a source changed) is kept again on its first miss.
 */
export const MAX_SEEN_KEYS = 16_384;
export const MAX_SEEN_KEY_CHARS = 4 * 1024 * 1024;

export type EdgeOutcome = "hit" | "miss";

export interface EdgeCacheOptions {
  store: Store;
  /** Runs the request through Yoga (its Fetch API entry point) with the exchange as server context (see contract.ts). */
  execute: (request: Request, exchange: EdgeExchange) => Promise<Response>;
  /** The Request class Yoga reads: its own fetch API's is far cheaper to build than Node's. @default globalThis.Request */
  Request?: typeof Request;
  graphqlEndpoint: string;
  /** Bodies over this size are left to Yoga, which refuses them with 413. */
  maxRequestBodyBytes: number;
  /** @default DEFAULT_EDGE_CACHE_BYTES */
  maxBytes?: number;
  /** Called once per request with what the cache did (metrics). */
  onLookup?: (outcome: EdgeOutcome) => void;
  /** Called once per miss with what executed the operation: `direct` (see `direct`) or all of Yoga (tests, diagnostics). */
  onMiss?: (executedBy: "direct" | "yoga") => void;
  /**
   * Misses on an operation Yoga has already answered cleanly (same method,
   * document, operation name, Accept and Origin) run through `run` instead of
   * all of Yoga, with `entityTags` for GET's ETag (the tags Yoga's answers carry).
   * @default none: every miss goes through Yoga
   */
  direct?: { run: DirectExecution; entityTags: EntityTags };
  /**
   * The document an automatic persisted query's hash names, or null when it
   * is not known (see createApqStore). With it, a request naming a known
   * document by its hash alone is answered as the same request with the
   * document written out: same entry, same ETag. @default none
   */
  persistedQueries?: (sha256: string) => string | null | Promise<string | null>;
}

/** An operation Yoga answered cleanly: the headers it answered with, and what direct execution remembers of it. */
interface KnownOperation {
  headers: Record<string, string>;
  memo: OperationMemo;
  /** Counted against the memo's bound: the parsed document `memo` may hold. */
  documentChars: number;
}

/** What the edge cache remembers of a document text. */
interface DocumentFacts {
  /** Names the document in the keys of known operations, so they need not hold its text. */
  id: number;
  /**
   * A digest of the document stripped of insignificant characters (a
   * reformatted document has the same): it stands for the document in
   * normalized keys, which are then short to build, hash and remember. Null
   * when the document does not lex.
   */
  strippedDigest: string | null;
}

/** An answer as written to the client, from Yoga or from direct execution. */
interface Answer {
  status: number;
  /** Without Content-Length, which is set from the body. */
  headers: Record<string, string>;
  /**
   * The body as text: written to the socket as it is, which encodes it without
   * a Buffer of its own (a Buffer per miss is memory the collector tracks, for
   * an answer most often never asked again).
   */
  body: string;
  /** The body's length in UTF-8 bytes. */
  bytes: number;
}

interface Entry {
  /** Names the entry's compressed variants (see `compressed`). */
  id: number;
  /** Text until the answer is first served from here, then its bytes: hits write stored bytes. */
  body: string | Buffer;
  bytes: number;
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
 * was built from are unchanged, and every source is within its freshness
 * (`Store.allFresh`): a
 * source's change or an expired TTL sends the request back through Yoga.
 * Only complete, error-free JSON answers are kept; streamed (@defer, SSE)
 * requests never come here.
 *
 * A miss on an operation Yoga has already answered cleanly for the same
 * method, document, operation name, Accept and Origin (a page's query with
 * new variables) runs through Yoga's envelop alone when `direct` is given
 * (see `createDirectExecution`), and is answered with the headers Yoga gave
 * that operation; a result with errors still gets Yoga's own answer.
 */
export function createEdgeCache(options: EdgeCacheOptions) {
  const {
    store,
    execute,
    Request = globalThis.Request,
    graphqlEndpoint,
    maxRequestBodyBytes,
    maxBytes = DEFAULT_EDGE_CACHE_BYTES,
    onLookup,
    onMiss,
    direct,
    persistedQueries,
  } = options;
  const endpointWithQuery = `${graphqlEndpoint}?`;
  // Each stored answer's br and gzip variants, made on the first request that takes that encoding; they go with their entry.
  const compressed = createCompressedBodies(Math.floor(maxBytes / 4));
  let nextEntryId = 0;
  const entries = new LRUCache<string, Entry>({
    maxSize: maxBytes,
    sizeCalculation: (entry, key) => entry.bytes + key.length + 256,
    // Never more than the whole budget: an entry over maxSize that is under maxEntrySize would be kept alone.
    maxEntrySize: Math.min(MAX_EDGE_ENTRY_BYTES, maxBytes),
  });
  // What is worked out once per document text: a miss hashes its document once, and every key after that is short or made of parts made once.
  const documents = new LRUCache<string, DocumentFacts>({
    max: MAX_NORMALIZED_DOCUMENTS,
    maxSize: MAX_REMEMBERED_DOCUMENT_CHARS,
    sizeCalculation: (facts, query) => query.length + (facts.strippedDigest?.length ?? 0) + 1,
  });
  let nextDocumentId = 0;
  // Operations Yoga answered cleanly, with the headers it answered with (less those that vary per answer) and what direct execution remembers of them.
  const knownOperations = new LRUCache<string, KnownOperation>({
    max: MAX_NORMALIZED_DOCUMENTS,
    maxSize: MAX_REMEMBERED_DOCUMENT_CHARS,
    // The key names its document by id; what direct execution remembers holds the parsed document (about twice its text).
    sizeCalculation: (known, key) => known.documentChars + key.length + 256,
  });
  const seenOnce = new LRUCache<string, true>({
    max: MAX_SEEN_KEYS,
    maxSize: MAX_SEEN_KEY_CHARS,
    sizeCalculation: (_seen, key) => Math.max(1, key.length),
  });
  // Vary names already set on the response (by the partner gate: Origin, X-API-Key) kept beside
  // ours; the gate sets the same Vary on every response, so each merge is remembered per value.
  const varyWithAccept = createVaryMemo("Accept");
  /** For answers of 1 KB or more, which go compressed to clients that take br or gzip. */
  const varyWithAcceptEncoding = createVaryMemo("Accept, Accept-Encoding");
  /** Every other merge of a Vary this cache writes: the same few pairs on every answer. */
  const mergeVaryOf = createVaryMerges();

  /** Whether an answer under `key` is kept: on the key's second miss, or at once when an older answer was kept under it. */
  const admit = (key: string): boolean => {
    if (entries.has(key) || seenOnce.has(key)) return true;
    seenOnce.set(key, true);
    return false;
  };

  /** Whether a stored answer may be served now: what it was computed from still holds, and every source is fresh. */
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

  const factsOf = (query: string): DocumentFacts => {
    let facts = documents.get(query);
    if (facts === undefined) {
      let strippedDigest: string | null;
      try {
        strippedDigest = createHash("sha256").update(stripIgnoredCharacters(query)).digest("base64url");
      } catch {
        strippedDigest = null;
      }
      facts = { id: nextDocumentId++, strippedDigest };
      documents.set(query, facts);
    }
    return facts;
  };

  /**
   * The operation without formatting: the document stripped of insignificant
   * characters (by its digest), the method, Accept, the operation name and
   * the variables with sorted keys. Lines: only the last two may hold a line
   * break, and as JSON neither does.
   */
  const normalize = (req: IncomingMessage, params: OperationParams | null, accept: string): string | null => {
    if (!params || typeof params.query !== "string" || params.extensions !== undefined) return null;
    const { strippedDigest } = factsOf(params.query);
    if (strippedDigest === null) return null;
    return `${strippedDigest}\n${req.method}\n${accept}\n${JSON.stringify(params.operationName ?? null)}\n${sortedJson(params.variables ?? {})}`;
  };

  /** Whether this request may go through the cache (else Yoga gets the node request untouched). */
  function accepts(req: IncomingMessage): boolean {
    if (req.method !== "GET" && req.method !== "POST") return false;
    const url = req.url ?? "";
    // Its path (before any `?`) is the endpoint.
    if (url !== graphqlEndpoint && !url.startsWith(endpointWithQuery)) return false;
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
    if (entry && !valid(entry)) entry = undefined;
    let params: OperationParams | null | undefined;
    let normalizedKey: string | null = null;
    /** The document an automatic persisted query named by its hash alone, when it is known. */
    let persistedDocument: string | null = null;
    if (!entry) {
      // A raw key stale or unknown: the answer stored since, or one to a differently formatted request.
      params = readParams(req, body);
      const hash = persistedQueries ? persistedHash(params) : null;
      if (hash) {
        persistedDocument = await persistedQueries!(hash);
        // Known: the request is the same operation with its document written out (extensions change no answer here).
        if (persistedDocument !== null)
          params = { query: persistedDocument, variables: params!.variables, operationName: params!.operationName };
      }
      normalizedKey = normalize(req, params, accept);
      const found = normalizedKey ? entries.get(normalizedKey) : undefined;
      if (found && valid(found)) entries.set(rawKey, (entry = found));
    }
    if (entry) {
      onLookup?.("hit");
      return sendEntry(req, res, entry, negotiateEncoding(req.headers["accept-encoding"]));
    }
    onLookup?.("miss");
    params ??= readParams(req, body);
    const generation = store.readGeneration;
    // A body that parsed to an object goes to Yoga parsed; any other body goes as sent, for Yoga's own refusal.
    const parsed = req.method === "POST" && isPlainObject(params) ? params : null;
    const exchange = new EdgeExchange(parsed, req);
    const operation = direct ? directParams(params) : null;
    const knownKey = operation ? knownOperationKey(factsOf(operation.query).id, req, operation, accept) : null;
    let answer = knownKey ? await answerDirectly(req, operation!, knownOperations.get(knownKey), exchange) : null;
    // A hash-only POST goes to Yoga with its document (parsed, see useEdgeExchange); a GET's hash Yoga resolves itself (useAutomaticPersistedQueries).
    onMiss?.(answer || exchange.result ? "direct" : "yoga");
    if (!answer) {
      answer = await answerByYoga(req, body, parsed, exchange);
      // Answered cleanly: direct execution may answer this operation from now on, with these headers.
      if (knownKey && exchange.clean && answer.status === 200 && /json/i.test(answer.headers["content-type"] ?? "")) {
        const { etag: _etag, "cache-control": _cacheControl, ...headers } = answer.headers;
        knownOperations.set(knownKey, { headers, memo: {}, documentChars: 2 * operation!.query.length });
      }
    }
    const json = /json/i.test(answer.headers["content-type"] ?? "");
    // Kept only when the catalog the answer read is still the current one and no source was read meanwhile.
    const current = store.currentCatalog();
    const cacheable =
      answer.status === 200 &&
      json &&
      exchange.clean &&
      exchange.catalog !== null &&
      current === exchange.catalog &&
      generation === store.readGeneration &&
      answer.bytes <= MAX_EDGE_ENTRY_BYTES;
    let stored: Entry | null = null;
    // Under the normalized key alone when there is one: a repeat finds it there and adds its raw key then.
    const key = cacheable ? ((normalizedKey ??= normalize(req, params, accept)) ?? rawKey) : null;
    if (key !== null && admit(key)) {
      stored = {
        id: nextEntryId++,
        body: answer.body,
        bytes: answer.bytes,
        contentType: answer.headers["content-type"]!,
        etag: answer.headers.etag ?? null,
        catalogVersion: current!.version,
        healthKey: store.healthKey(),
        // Timestamps of source reads (Source.status) change without the catalog: such answers follow every read.
        readGeneration:
          mentionsSourceStatus(req, body) || (persistedDocument !== null && /\bstatus\b/.test(persistedDocument)) ? generation : null,
      };
      entries.set(key, stored);
    }
    const encoding =
      answer.bytes >= MIN_COMPRESSED_BYTES && answer.status !== 304 && json ? negotiateEncoding(req.headers["accept-encoding"]) : null;
    if (!encoding) return writeAnswer(req, res, answer, null, null, mergeVaryOf);
    // Compressed off the event loop; kept with the entry when the answer was kept, so the next hit in this encoding finds it.
    const bytes = stored ? await variant(stored, encoding) : await compress(encoding, answer.body);
    writeAnswer(req, res, answer, encoding, bytes, mergeVaryOf);
  }

  /** A stored answer's variant in an encoding: made on its first request, then kept (the same bytes every time after). */
  function variant(entry: Entry, encoding: Encoding): Promise<Buffer> {
    return compressed.get(String(entry.id), encoding, () => entry.body);
  }

  /**
   * The answer of direct execution for an operation Yoga answered cleanly
   * before (`headers` are the ones it answered with); null when Yoga must answer:
   * an operation not known yet, a conditional GET, or a result with errors
   * (then left in the exchange, for Yoga to answer without executing again).
   */
  async function answerDirectly(
    req: IncomingMessage,
    operation: DirectParams,
    known: KnownOperation | undefined,
    exchange: EdgeExchange,
  ): Promise<Answer | null> {
    if (!direct || !known || (req.method === "GET" && req.headers["if-none-match"] !== undefined)) return null;
    const { headers, memo } = known;
    const outcome = await direct.run(operation, { edge: exchange, requestId: firstValue(req.headers[REQUEST_ID_HEADER]) }, memo);
    if (outcome.kind === "result") exchange.result = outcome.result;
    if (outcome.kind !== "answer") return null;
    exchange.clean = true;
    const answered: Record<string, string> = { ...headers };
    if (req.method === "GET") {
      // As useHttpCaching tags Yoga's GET answers: from the catalog the answer was built from.
      const tag = direct.entityTags(exchange.catalog ?? (await store.catalog()), operation, req.headers.accept ?? null);
      if (tag) {
        answered.etag = tag;
        answered["cache-control"] = publicMaxAge(store.maxAgeSeconds());
      } else {
        answered["cache-control"] = NO_STORE;
      }
    } else {
      answered["cache-control"] = NO_STORE;
    }
    return { status: 200, headers: answered, ...textBody(outcome.body) };
  }

  async function answerByYoga(
    req: IncomingMessage,
    body: string,
    parsed: Record<string, unknown> | null,
    exchange: EdgeExchange,
  ): Promise<Answer> {
    const response = await execute(toRequest(Request, req, req.method === "POST" && !parsed ? body : null), exchange);
    const headers: Record<string, string> = {};
    // Names as Yoga wrote them ("Content-Type"): lower-cased here, where they are looked up.
    response.headers.forEach((value, name) => {
      const lower = name.toLowerCase();
      if (lower !== "content-length" && lower !== "transfer-encoding") headers[lower] = value;
    });
    return { status: response.status, headers, ...textBody(await response.text()) };
  }

  function sendEntry(req: IncomingMessage, res: ServerResponse, entry: Entry, accepted: Encoding | null): void | Promise<void> {
    const compressible = entry.bytes >= MIN_COMPRESSED_BYTES;
    const encoding = compressible ? accepted : null;
    const headers: Record<string, string | number> = { "content-type": entry.contentType, [CACHE_STATUS_HEADER]: "hit" };
    if (req.method === "GET" && entry.etag) {
      headers.etag = encoding ? encodedTag(entry.etag, encoding) : entry.etag;
      headers["cache-control"] = publicMaxAge(store.maxAgeSeconds());
      headers.vary = compressible ? varyWithAcceptEncoding(res.getHeader("vary")) : varyWithAccept(res.getHeader("vary"));
      const ifNoneMatch = req.headers["if-none-match"];
      if (ifNoneMatch && matchesIfNoneMatch(ifNoneMatch, entry.etag)) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
    } else {
      headers["cache-control"] = NO_STORE;
      if (compressible) headers.vary = mergeVaryOf(res.getHeader("vary"), "Accept-Encoding");
    }
    if (encoding) {
      const ready = compressed.peek(String(entry.id), encoding);
      if (ready) return writeEncoded(req, res, headers, encoding, ready);
      return variant(entry, encoding).then((bytes) => writeEncoded(req, res, headers, encoding, bytes));
    }
    // Encoded once, on the first hit: an answer never asked again (most misses) never is.
    if (typeof entry.body === "string") entry.body = Buffer.from(entry.body, "utf8");
    headers["content-length"] = entry.bytes;
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : entry.body);
  }

  return {
    accepts,
    serve,
    /** Characters of documents held by the memos of normalized and known documents (tests, diagnostics). */
    get documentChars() {
      return documents.calculatedSize + knownOperations.calculatedSize;
    },
    /** Entries held (raw and normalized keys both count). */
    get size() {
      return entries.size;
    },
    clear: () => {
      entries.clear();
      compressed.clear();
    },
  };
}

export type EdgeCache = ReturnType<typeof createEdgeCache>;

type VaryMerge = (current: string | number | string[] | undefined, added: string) => string;

/** Distinct pairs one memo of Vary merges remembers (the gate's, Yoga's and ours make a handful). */
const MAX_MEMOIZED_VARY_MERGES = 100;

/** `mergeVary`, remembered per pair of values. */
function createVaryMerges(): VaryMerge {
  const merges = new Map<string, string>();
  return (current, added) => {
    const key = `${String(current ?? "")}\n${added}`;
    let merged = merges.get(key);
    if (merged === undefined) {
      merged = mergeVary(current, added);
      if (merges.size >= MAX_MEMOIZED_VARY_MERGES) merges.clear();
      merges.set(key, merged);
    }
    return merged;
  };
}

interface OperationParams {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

/**
 * The request's GraphQL parameters, from the JSON body or the query string;
 * null when Yoga refuses them at parsing (not JSON, a malformed query string,
 * variables or extensions nested too deep): the request then goes to Yoga as
 * sent, for its coded 400, and nothing here walks or stringifies its variables.
 */
function readParams(req: IncomingMessage, body: string): OperationParams | null {
  return readRequestParams(req.method, req.url ?? "", body);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function mentionsSourceStatus(req: IncomingMessage, body: string): boolean {
  if (req.method === "POST") return /\bstatus\b/.test(body);
  // A query string that does not decode is refused before an answer is kept; counted as mentioning it all the same.
  try {
    return /\bstatus\b/.test(decodeURIComponent(req.url ?? ""));
  } catch {
    return true;
  }
}

/**
 * The sha256 an automatic persisted query names with no document
 * (`extensions.persistedQuery`, version 1), else null.
 */
function persistedHash(params: OperationParams | null): string | null {
  if (!params || params.query != null || !isPlainObject(params.extensions)) return null;
  const persisted = params.extensions.persistedQuery;
  if (!isPlainObject(persisted) || persisted.version !== 1 || typeof persisted.sha256Hash !== "string") return null;
  return /^[0-9a-fA-F]{64}$/.test(persisted.sha256Hash) ? persisted.sha256Hash.toLowerCase() : null;
}

function writeEncoded(
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string | number>,
  encoding: Encoding,
  bytes: Buffer,
): void {
  if (res.headersSent || res.destroyed) return;
  headers["content-encoding"] = encoding;
  headers["content-length"] = bytes.length;
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : bytes);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * The Fetch request Yoga reads, built as Yoga's own node adapter builds it (the
 * node headers object as is). With no body when the edge cache parsed it: Yoga
 * then reads nothing, and its body-size guard has no stream to wrap.
 */
function toRequest(RequestClass: typeof Request, req: IncomingMessage, body: string | null): Request {
  const url = `http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`;
  const headers = body === null ? req.headers : withoutLength(req.headers);
  return new RequestClass(url, { method: req.method, headers: headers as Record<string, string>, ...(body === null ? {} : { body }) });
}

/** Headers without Content-Length, which a body given as a string sets itself. */
function withoutLength(headers: IncomingMessage["headers"]): IncomingMessage["headers"] {
  const { "content-length": _length, ...rest } = headers;
  return rest;
}

function firstValue(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

/** A miss's answer, as is or in `encoding` (`bytes`); a 304's tag names the variant the client holds. */
function writeAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  answer: Answer,
  encoding: Encoding | null,
  bytes: Buffer | null,
  mergeVaryOf: VaryMerge,
): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers))
    headers[name] = name === "vary" ? mergeVaryOf(res.getHeader("vary"), value) : value;
  headers[CACHE_STATUS_HEADER] = "miss";
  if (answer.status === 304 && headers.etag) {
    const accepted = negotiateEncoding(req.headers["accept-encoding"]);
    if (namesVariant(req.headers["if-none-match"], accepted)) headers.etag = encodedTag(headers.etag, accepted);
  }
  if (answer.bytes >= MIN_COMPRESSED_BYTES && /json/i.test(headers["content-type"] ?? ""))
    headers.vary = mergeVaryOf(headers.vary ?? res.getHeader("vary"), "Accept-Encoding");
  if (encoding && bytes) {
    if (headers.etag) headers.etag = encodedTag(headers.etag, encoding);
    headers["content-encoding"] = encoding;
    headers["content-length"] = String(bytes.length);
    res.writeHead(answer.status, headers);
    res.end(bytes);
    return;
  }
  headers["content-length"] = String(answer.bytes);
  res.writeHead(answer.status, headers);
  res.end(answer.body, "utf8");
}

function textBody(body: string): Pick<Answer, "body" | "bytes"> {
  return { body, bytes: Buffer.byteLength(body, "utf8") };
}

/**
 * What decides Yoga's answer to an operation besides its variables and the
 * catalog: the method, the document as sent (named by its id in the edge
 * cache's memo of documents), the operation name, and the headers Yoga reads
 * (Accept picks the media type; Origin, CORS when Yoga's is on).
 */
function knownOperationKey(documentId: number, req: IncomingMessage, operation: DirectParams, accept: string): string {
  const name = operation.operationName;
  // What cannot hold a line break (an id, a method, header values; a header never holds a NUL) first, then the name, which can.
  return `${documentId}\n${req.method}\n${accept}\n${req.headers.origin ?? "\0"}\n${name == null ? "-" : `+${name}`}`;
}
