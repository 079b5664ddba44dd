import { createHash, randomBytes } from "node:crypto";
import { stripIgnoredCharacters } from "graphql";
import { isAsyncIterable, type GraphQLParams, type Plugin } from "graphql-yoga";
import type { SourceConfig, SourcesConfig } from "../config/sources-file.ts";
import type { GraphQLContext } from "../graphql/context.ts";

import type { Catalog } from "../store/catalog.ts";
import { FirstStale } from "../store/first-stale.ts";
import type { Store } from "../store/store.ts";
import { baseOpaqueTag } from "./compression.ts";
import type { SourceSnapshot } from "../model/source-snapshot.ts";

export interface UseHttpCachingOptions {
  store: Store;
  graphqlEndpoint: string;
  /** Milliseconds until a source's snapshot goes stale (0 when it is). @default none: every source counts as just read */
  remainingFreshMs?: (sourceId: string) => number;
  /** Computes the tags; share one with every other place that answers GET (the edge cache's direct answers). @default a new one */
  entityTags?: EntityTags;
}

/** The weak ETag of an answer built from `catalog` for these parameters and Accept header; null when the query is not a document. */
export type EntityTags = (
  catalog: Catalog,
  params: { query?: string; operationName?: string | null; variables?: unknown },
  accept: string | null,
) => string | null;

/**
 * Entity tags as described on `useHttpCaching`. The boot id is drawn once per
 * call, so every answer of one server must take its tags from one of these.
 */
export function createEntityTags(store: Store): EntityTags {
  const bootId = randomBytes(9).toString("base64url");
  return (catalog, params, accept) => {
    let query: string;
    try {
      query = stripIgnoredCharacters(params.query ?? "");
    } catch {
      return null; // Not a document: it gets an error answer, never a tag.
    }
    const health = store.enabledSources.map((source) => sourceHealth(store.snapshot(source.id)));
    const key = JSON.stringify([
      bootId,
      catalog.version,
      health,
      query,
      params.operationName ?? null,
      sortedKeys(params.variables ?? {}),
      (accept ?? "").replace(/\s+/g, "").toLowerCase(),
    ]);
    return `W/"${catalog.version}-${createHash("sha256").update(key).digest("base64url").slice(0, 22)}"`;
  };
}

/** What one GraphQL request produced, kept until its response is written. */
interface Exchange {
  catalog: () => Promise<Catalog>;
  params: GraphQLParams;
  /** The answer had errors, or streamed (`@defer`/`@stream`): neither is stored by caches. */
  uncacheable: boolean;
  /** Set when the client's `If-None-Match` matched before execution. */
  notModifiedTag?: string;
}

const NO_STORE = "no-store";

/**
 * HTTP caching for GraphQL over GET (the only method for which shared caches
 * and browsers keep answers). A successful GET answer carries a weak `ETag`
 * and `Cache-Control: public, max-age=N`, where N is how long every source the
 * answer came from stays fresh (see `createFreshness`). It varies on `Accept`
 * (which picks the media type). A matching `If-None-Match` gets `304` with no body.
 * POST answers, errors and streamed answers get `Cache-Control: no-store`.
 *
 * The tag covers this process's boot id (catalog versions restart at 1 on each
 * start), the catalog version (it changes whenever a source's content does),
 * each source's health (`Source.status.ok` changes without the content), the
 * query with insignificant characters stripped, the operation name, the
 * variables with sorted keys, and the `Accept` header. It is weak because the
 * answer may differ in timestamps such as `lastFetchedAt` alone.
 *
 * A conditional GET is checked against the current catalog before execution,
 * so a `304` costs a cache lookup; otherwise the tag is computed after
 * execution from the very catalog the answer was built from.
 */
export function useHttpCaching({
  store,
  graphqlEndpoint,
  remainingFreshMs,
  entityTags: tags = createEntityTags(store),
}: UseHttpCachingOptions): Plugin {
  const exchanges = new WeakMap<Request, Exchange>();
  const freshness = createFreshness(store, remainingFreshMs);
  const entityTag = (catalog: Catalog, params: GraphQLParams, request: Request): string | null =>
    tags(catalog, params, request.headers.get("accept"));

  return {
    onParams({ params, request, setResult }) {
      const ifNoneMatch = request.headers.get("if-none-match");
      // Synchronous unless there is something to check: most requests pay no promise here.
      if (request.method !== "GET" || !ifNoneMatch) return;
      return store.catalog().then((catalog) => {
        const tag = entityTag(catalog, params, request);
        if (!tag || !matchesIfNoneMatch(ifNoneMatch, tag)) return;
        // The client holds this very answer: skip execution; onResponse turns this into a 304.
        exchanges.set(request, { catalog: async () => catalog, params, uncacheable: false, notModifiedTag: tag });
        setResult({});
      });
    },
    onExecutionResult({ result, request, context }) {
      if (exchanges.get(request)?.notModifiedTag) return;
      const graphqlContext = context as Partial<GraphQLContext> & { params?: GraphQLParams };
      if (!graphqlContext.catalog || !graphqlContext.params) return;
      exchanges.set(request, {
        catalog: graphqlContext.catalog,
        params: graphqlContext.params,
        uncacheable: !result || isAsyncIterable(result) || Boolean(result.errors?.length),
      });
    },
    async onResponse({ request, response, setResponse, fetchAPI }) {
      if (pathOf(request.url) !== graphqlEndpoint) return;
      // Accept chooses between GraphiQL's page and a JSON answer at the same URL, and between media types.
      if (request.method === "GET") addVary(response.headers, "Accept");
      if (response.headers.get("content-type")?.startsWith("text/html")) return; // GraphiQL
      const exchange = exchanges.get(request);
      if (request.method !== "GET" || !exchange || exchange.uncacheable || response.status !== 200) {
        if (!response.headers.has("cache-control")) response.headers.set("cache-control", NO_STORE);
        return;
      }
      // The request's own catalog, already read by its resolvers: the tag names the version the body shows.
      const tag = exchange.notModifiedTag ?? entityTag(await exchange.catalog(), exchange.params, request);
      if (!tag) {
        response.headers.set("cache-control", NO_STORE);
        return;
      }
      const maxAge = freshness.maxAgeSeconds();
      const headers = { etag: tag, "cache-control": `public, max-age=${maxAge}`, vary: response.headers.get("vary") ?? "Accept" };
      const ifNoneMatch = request.headers.get("if-none-match");
      if (exchange.notModifiedTag || (ifNoneMatch && matchesIfNoneMatch(ifNoneMatch, tag))) {
        setResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    },
  };
}

/** The most an answer may stay fresh: the smallest `refreshSeconds`, whatever longer freshness a publisher asked for; with no sources, nothing to go by: 0. */
function freshSeconds(sources: readonly SourceConfig[]): number {
  return sources.length === 0 ? 0 : Math.min(...sources.map((source) => source.refreshSeconds));
}

/**
 * How long every enabled source stays fresh (the first to go stale alone is
 * asked: see FirstStale), and the max-age of an answer served now: the least
 * time any enabled source has left before the feed cache reads it again (0
 * for one that is stale and being refreshed), at most `freshSeconds`.
 */
export function createFreshness(store: Store, remainingFreshMs: ((sourceId: string) => number) | undefined) {
  const firstStale = remainingFreshMs ? new FirstStale(remainingFreshMs) : null;
  /** `freshSeconds`, per configuration. */
  let refresh: { config: SourcesConfig; seconds: number } | null = null;
  const refreshSeconds = (): number => {
    if (refresh?.config !== store.config) refresh = { config: store.config, seconds: freshSeconds(store.enabledSources) };
    return refresh.seconds;
  };

  /** Milliseconds until the first enabled source goes stale (Infinity with none); 0 when one is. */
  const remainingMs = (): number => {
    if (!firstStale) return store.allFresh() ? Number.POSITIVE_INFINITY : 0;
    return firstStale.leftMs(store.config, store.readGeneration, () => store.enabledSources);
  };

  return {
    remainingMs,
    /** Cache-Control's max-age for an answer served now. */
    maxAgeSeconds: (): number => {
      if (!firstStale) return freshSeconds(store.enabledSources);
      return Math.min(refreshSeconds(), Math.floor(Math.min(remainingMs(), Number.MAX_SAFE_INTEGER) / 1000));
    },
  };
}

/**
 * The path of an absolute URL, as `new URL(url).pathname` gives it, without
 * building a URL object for the common plain path; one with dots, escapes or
 * backslashes (which the URL parser normalizes) still goes through it.
 */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return new URL(url).pathname;
  const end = url.slice(start).search(/[?#]/);
  const path = end === -1 ? url.slice(start) : url.slice(start, start + end);
  return /^[\w/-]*$/.test(path) ? path : new URL(url).pathname;
}

/**
 * Weak comparison (RFC 9110 §13.1.2): `W/` is ignored; `*` matches any
 * current answer. A content coding's suffix (`.br`, `.gz`, see `encodedTag`)
 * is ignored too: a client holding any encoding of the answer holds the
 * answer (it stores it decoded), so it gets its 304 whatever it accepts now.
 */
export function matchesIfNoneMatch(header: string, tag: string): boolean {
  const wanted = baseOpaqueTag(tag);
  return header.split(",").some((candidate) => candidate.trim() === "*" || baseOpaqueTag(candidate) === wanted);
}

function sourceHealth(snapshot: SourceSnapshot | undefined): string {
  if (!snapshot) return "untried";
  return snapshot.ok ? "ok" : (snapshot.error?.code ?? "failed");
}

/** Variables as a value whose JSON does not depend on the order the client wrote keys in. */
export function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}

function addVary(headers: Headers, name: string): void {
  const current = headers.get("vary");
  if (!current) {
    headers.set("vary", name);
    return;
  }
  const names = current.split(",").map((v) => v.trim().toLowerCase());
  if (!names.includes(name.toLowerCase()) && !names.includes("*")) headers.set("vary", `${current}, ${name}`);
}
