import { isAsyncIterable, type GraphQLParams, type Plugin } from "graphql-yoga";
import type { GraphQLContext } from "../../graphql/context.ts";
import type { Catalog } from "../../store/catalog/catalog.ts";
import type { Store } from "../../store/store.ts";
import { createEntityTags, type EntityTags, matchesIfNoneMatch, NO_STORE, publicMaxAge } from "../validators.ts";
import { createVaryMemo } from "../../protocol/vary.ts";

export interface UseHttpCachingOptions {
  store: Store;
  graphqlEndpoint: string;
  /** Computes the tags; share one with every other place that answers GET (the edge cache's direct answers). @default a new one */
  entityTags?: EntityTags;
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

/**
 * HTTP caching for GraphQL over GET (the only method for which shared caches
 * and browsers keep answers). A successful GET answer carries a weak `ETag`
 * and `Cache-Control: public, max-age=N`, where N is how long every source the
 * answer came from stays fresh (`Store.maxAgeSeconds`). It varies on `Accept`
 * (which picks the media type). A matching `If-None-Match` gets `304` with no body.
 * POST answers, errors and streamed answers get `Cache-Control: no-store`.
 *
 * The tag is described on `createEntityTags` (validators.ts).
 *
 * A conditional GET is checked against the current catalog before execution,
 * so a `304` costs a cache lookup; otherwise the tag is computed after
 * execution from the very catalog the answer was built from.
 */
export function useHttpCaching({ store, graphqlEndpoint, entityTags: tags = createEntityTags(store) }: UseHttpCachingOptions): Plugin {
  const exchanges = new WeakMap<Request, Exchange>();
  // The Vary a GET answer already has is one of a handful (Yoga's, the gate's): each merge is remembered.
  const varyWithAccept = createVaryMemo("Accept");
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
      if (request.method === "GET") response.headers.set("vary", varyWithAccept(response.headers.get("vary") ?? undefined));
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
      const headers = { etag: tag, "cache-control": publicMaxAge(store.maxAgeSeconds()), vary: response.headers.get("vary") ?? "Accept" };
      const ifNoneMatch = request.headers.get("if-none-match");
      if (exchange.notModifiedTag || (ifNoneMatch && matchesIfNoneMatch(ifNoneMatch, tag))) {
        setResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
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
