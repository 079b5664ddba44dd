import type { IncomingMessage, ServerResponse } from "node:http";
import type { GraphQLSchema } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { createContext, type GraphQLContext } from "../graphql/context.ts";
import { schema } from "../graphql/schema.ts";
import type { Catalog } from "../store/catalog.ts";
import type { Store } from "../store/store.ts";
import { ARTICLE_PAGE_QUERY, EXAMPLE_TABS } from "./example-operations.ts";
import { createCompressedGraphiql } from "./graphiql-compressed.ts";
import { createGraphiqlRenderer } from "./graphiql-page.ts";
import { useGraphiqlHeaders } from "./use-graphiql-headers.ts";
import { createEdgeCache, type EdgeCacheOptions, type EdgeExchange } from "./edge-cache.ts";
import { useEdgeExchange } from "./use-edge-exchange.ts";
import { useCompiledQueries } from "./use-compiled-queries.ts";
import { dispatch, sendJson, type Route } from "./routes.ts";
import { checkPersistedOperations, type PersistedOperations } from "./persisted-operations.ts";
import { createEntityTags, useHttpCaching } from "./use-http-caching.ts";
import { createDirectExecution } from "./direct-execution.ts";
import { createDocumentCaches } from "./document-caches.ts";
import { DEFAULT_MAX_REQUEST_BODY_BYTES, useHttpHygiene } from "./use-http-hygiene.ts";
import { useIncrementalDelivery } from "./use-incremental-delivery.ts";
import { usePersistedAllowList } from "./use-persisted-allow-list.ts";
import { createApqStore, useAutomaticPersistedQueries } from "./use-automatic-persisted-queries.ts";
import type { SharedOperationsStore } from "./shared-persisted-operations.ts";
import { useResponseCompression } from "./use-response-compression.ts";
import { useQueryCost, type UseQueryCostOptions } from "./use-query-cost.ts";
import { useRequestErrorCodes } from "./use-request-error-codes.ts";
import { useRequestParams } from "./request-params.ts";
import { useQueryLimits, type UseQueryLimitsOptions } from "./use-query-limits.ts";
import { silentLogger, type Logger } from "../log/logger.ts";
import type { Metrics } from "../ops/metrics.ts";
import { withRequestLog } from "./request-log.ts";
import { metricsClient, useOperationMetrics } from "./use-operation-metrics.ts";
import { useUnexpectedErrorLog } from "./use-unexpected-error-log.ts";
import type { PartnerGate } from "../partners/partner-gate.ts";

export const GRAPHQL_PATH = "/graphql";

/** What a caller of Yoga may pass with a request: the edge cache learns which catalog an answer read, and more (see EdgeExchange). */
export interface ServerContext {
  onCatalog?: (catalog: Catalog) => void;
  edge?: EdgeExchange;
  /** The request's `x-request-id`, for logs, where no Fetch request is built to carry it (direct execution). */
  requestId?: string;
}

/** Every limit on one request; each defaults to the constant named in its `@default`. */
export interface RequestLimits extends UseQueryLimitsOptions, UseQueryCostOptions {
  /** @default DEFAULT_MAX_REQUEST_BODY_BYTES */
  maxRequestBodyBytes?: number;
}

export interface AppDeps {
  store: Store;
  /**
   * Milliseconds until a source's snapshot goes stale in the feed cache, for
   * Cache-Control's max-age. @default none: max-age is the smallest `refreshSeconds`
   */
  remainingFreshMs?: (sourceId: string) => number;
  /** @default the defaults of `RequestLimits` */
  limits?: RequestLimits;
  /** The allow-list for production: only these operations run, named by their sha256. @default null (any operation runs) */
  persistedOperations?: PersistedOperations | null;
  /** Plain routes beside `/health`, `/ready` and GraphQL (feeds, pages, metrics). @default none */
  routes?: Route[];
  /** The response cache in front of Yoga; `false` turns it off. @default on, DEFAULT_EDGE_CACHE_BYTES */
  edgeCache?: false | Pick<EdgeCacheOptions, "maxBytes" | "onLookup" | "onMiss">;
  /**
   * Automatic persisted queries (Apollo's and urql's default protocol): a
   * document registered by one request runs by its sha256 alone after.
   * Shared through `shared` (the cluster's Redis) when given; off in
   * allow-list mode, where only listed documents run. `false` turns it off.
   * @default on, this process's memory alone
   */
  automaticPersistedQueries?: false | { shared?: SharedOperationsStore | null };
  /** One line per request (with its `x-request-id`) and unexpected resolver errors. @default a silent logger */
  logger?: Logger;
  /** Counts and times GraphQL operations. @default none */
  metrics?: Pick<Metrics, "graphqlOperation">;
  /**
   * Access control run before anything else, cached answers included: API keys, CORS, rate
   * limits. It owns CORS, so Yoga's is off when it is given. @default none (Yoga's CORS)
   */
  gate?: PartnerGate;
}

export interface App {
  yoga: YogaServerInstance<ServerContext, GraphQLContext>;
  /** The node:http request handler: plain routes first, then GraphQL. */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** What GraphQL over WebSocket must hold to as HTTP does: the allow-list in force (the cluster's, if shared) and the body limit. */
  webSocketRules: { persistedOperations: PersistedOperations | null; maxMessageBytes: number };
}

/** Builds the HTTP application without listening, so tests can drive it through `yoga.fetch` too. */
export function createApp({
  store,
  remainingFreshMs,
  limits = {},
  persistedOperations = null,
  routes = [],
  edgeCache = {},
  logger = silentLogger(),
  metrics,
  gate,
  automaticPersistedQueries = {},
}: AppDeps): App {
  const { maxRequestBodyBytes = DEFAULT_MAX_REQUEST_BODY_BYTES, maxDepth, maxAliases, maxTokens, maxDirectives, ...costLimits } = limits;
  // One set of tags for Yoga's GET answers and the edge cache's direct ones.
  const entityTags = createEntityTags(store);
  // Validated against the schema as served (with @defer and @stream): read from Yoga once it exists.
  let servedSchema: GraphQLSchema | null = null;
  const apqStore =
    automaticPersistedQueries && !persistedOperations
      ? createApqStore({ shared: automaticPersistedQueries.shared, schema: () => (servedSchema ??= yoga.getEnveloped({}).schema) })
      : null;
  // Order matters where plugins share a hook: the allow-list resolves a hash to its document
  // before the cache keys on the document; the limits see every document, listed or not.
  const plugins: Plugin[] = [
    useGraphiqlHeaders(),
    // First: they see every operation, refused ones too, and errors before Yoga masks them.
    ...(metrics ? [useOperationMetrics({ metrics })] : []),
    useUnexpectedErrorLog({ logger }),
    useHttpHygiene({ graphqlEndpoint: GRAPHQL_PATH, maxRequestBodyBytes }),
    // Strict query strings and form bodies, bounded variables, coded 400s: before the plugins that read parameters.
    useRequestParams(),
    ...(persistedOperations ? [usePersistedAllowList({ operations: persistedOperations })] : []),
    // A hash alone becomes its document before anything reads the document (tags, limits, cost).
    ...(apqStore ? [useAutomaticPersistedQueries({ store: apqStore })] : []),
    useHttpCaching({ store, graphqlEndpoint: GRAPHQL_PATH, remainingFreshMs, entityTags }),
    useQueryLimits({ maxDepth, maxAliases, maxTokens, maxDirectives }),
    useRequestErrorCodes(),
    useQueryCost(costLimits),
    useIncrementalDelivery(),
    useCompiledQueries(),
    // After useHttpCaching's onResponse, which sets the tag a compressed answer's variant is named from.
    useResponseCompression(),
    // Last: it reports the final result to the edge cache.
    ...(edgeCache ? [useEdgeExchange()] : []),
  ];
  // GraphiQL from the package's own bundle: it works with no internet. In allow-list mode it
  // could only show refusals, so it is off.
  // GraphiQL asks by GET: a POST to /graphql would make browsers drop their cached copy of the page
  // (RFC 9111 §4.4), and the schema has no mutations.
  const graphiqlOptions = persistedOperations
    ? false
    : {
        title: "Newsgate GraphiQL",
        defaultQuery: ARTICLE_PAGE_QUERY,
        defaultTabs: EXAMPLE_TABS,
        method: "GET" as const,
        useGETForQueries: true,
      };
  const renderGraphiql = createGraphiqlRenderer();
  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    // Unexpected errors never reach clients with their message or stack, whatever NODE_ENV says.
    maskedErrors: { isDev: false },
    context: (initial) => createContext(store, initial.onCatalog),
    plugins,
    maxRequestBodySize: maxRequestBodyBytes,
    // No file uploads in this API, so no multipart request parser to attack.
    multipart: false,
    // Bounded by the documents' size too: Yoga's own keep 1024 of any length.
    parserAndValidationCache: { ...createDocumentCaches(), validationCache: true },
    renderGraphiQL: renderGraphiql,
    graphiql: graphiqlOptions,
    logging: false,
    cors: gate ? false : undefined,
  });
  // Checked against the schema as served (with @defer and @stream), so a stale list stops start-up.
  if (persistedOperations) checkPersistedOperations(persistedOperations, yoga.getEnveloped({}).schema);

  const allRoutes: Route[] = [
    { path: "/health", handle: (_req, res) => sendJson(res, 200, { status: "ok" }) },
    {
      path: "/ready",
      handle: (_req, res) => {
        const ready = store.isReady();
        sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "warming up" });
      },
    },
    { path: "/", handle: (_req, res) => void res.writeHead(302, { location: GRAPHQL_PATH }).end() },
    ...routes,
  ];
  const edge = edgeCache
    ? createEdgeCache({
        store,
        execute: (request, exchange) => Promise.resolve(yoga.handleRequest(request, { onCatalog: exchange.onCatalog, edge: exchange })),
        Request: yoga.fetchAPI.Request,
        graphqlEndpoint: GRAPHQL_PATH,
        maxRequestBodyBytes,
        remainingFreshMs,
        // In allow-list mode no document is sent as text, so none would be answered directly anyway.
        direct: persistedOperations
          ? undefined
          : {
              run: createDirectExecution({
                yoga,
                onOperation:
                  metrics &&
                  ((operation, outcome, seconds, serverContext) =>
                    metrics.graphqlOperation(
                      operation,
                      outcome,
                      seconds,
                      metricsClient((serverContext as { edge?: EdgeExchange }).edge?.req),
                    )),
              }),
              entityTags,
            },
        persistedQueries: apqStore ? (hash) => apqStore.get(hash) : undefined,
        ...edgeCache,
      })
    : null;
  // No plain route claims the GraphQL path (checked once here): its requests skip the route table.
  const routedGraphql = allRoutes.some((route) =>
    typeof route.path === "string" ? route.path === GRAPHQL_PATH : route.path.test(GRAPHQL_PATH),
  );
  // The 9 MB page, compressed for clients that take br or gzip (a check of the method on other requests).
  const compressedGraphiql = graphiqlOptions
    ? createCompressedGraphiql(
        GRAPHQL_PATH,
        () => renderGraphiql(graphiqlOptions),
        (req, res) => void yoga(req, res),
      )
    : null;
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const plainGraphql = !routedGraphql && (req.url === GRAPHQL_PATH || req.url?.startsWith(`${GRAPHQL_PATH}?`));
    if (!plainGraphql && dispatch(allRoutes, req, res)) return;
    if (compressedGraphiql?.(req, res)) return;
    if (edge?.accepts(req)) {
      edge.serve(req, res).catch(() => {
        if (!res.headersSent)
          sendJson(res, 500, { errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
        else res.destroy();
      });
      return;
    }
    void yoga(req, res);
  };
  // The gate goes first: a preflight, a refused key or a spent budget never reaches routes, the edge cache or Yoga.
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const answered = gate ? gate(req, res) : false;
    if (answered === false) return serve(req, res);
    if (answered === true) return;
    answered.then(
      (done) => void (done || serve(req, res)),
      () => {
        if (!res.headersSent)
          sendJson(res, 500, { errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
        else res.destroy();
      },
    );
  };
  return {
    yoga,
    handle: withRequestLog(handle, { logger }),
    webSocketRules: { persistedOperations, maxMessageBytes: maxRequestBodyBytes },
  };
}
