import type { IncomingMessage, ServerResponse } from "node:http";
import type { GraphQLSchema } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { createContext, type GraphQLContext } from "../../graphql/context.ts";
import { schema } from "../../graphql/schema.ts";
import type { Store } from "../../store/store.ts";
import type { ArticleEvents } from "../../live/article-events.ts";
import { ARTICLE_PAGE_QUERY, EXAMPLE_TABS } from "../pages/example-operations.ts";
import { createCompressedGraphiql } from "../pages/graphiql-compressed.ts";
import { createGraphiqlRenderer } from "../pages/graphiql-page.ts";
import { useGraphiqlHeaders } from "../plugins/use-graphiql-headers.ts";
import { createEdgeCache, type EdgeCacheOptions } from "../edge-cache/edge-cache.ts";
import { useEdgeExchange } from "../edge-cache/contract.ts";
import { createQueryCompiler } from "../plugins/use-compiled-queries.ts";
import { sendJson, type Route } from "./routes.ts";
import { createRequestPath } from "./request-path.ts";
import { createFetchHandler, type FetchHandler } from "./fetch-adapter.ts";
import { GRAPHQL_PATH, type ServerContext } from "../types.ts";
import { createEntityTags } from "../validators.ts";
import { checkPersistedOperations, type PersistedOperations } from "../plugins/persisted-operations.ts";
import { useHttpCaching } from "../plugins/use-http-caching.ts";
import { createDirectExecution } from "../edge-cache/direct-execution.ts";
import { createDocumentCaches } from "../plugins/document-caches.ts";
import { DEFAULT_MAX_REQUEST_BODY_BYTES, useHttpHygiene } from "../plugins/use-http-hygiene.ts";
import { useIncrementalDelivery } from "../plugins/use-incremental-delivery.ts";
import { usePersistedAllowList } from "../plugins/use-persisted-allow-list.ts";
import { createApqStore, useAutomaticPersistedQueries } from "../plugins/use-automatic-persisted-queries.ts";
import type { SharedOperationsStore } from "../plugins/shared-persisted-operations.ts";
import { useResponseCompression } from "../plugins/use-response-compression.ts";
import { createQueryCostLimit, type UseQueryCostOptions } from "../plugins/use-query-cost.ts";
import { useRequestErrorCodes } from "../plugins/use-request-error-codes.ts";
import { useRequestParams } from "./request-params.ts";
import { useQueryLimits, type UseQueryLimitsOptions } from "../plugins/use-query-limits.ts";
import { silentLogger, type Logger } from "../../log/logger.ts";
import type { Metrics } from "../../ops/metrics.ts";
import { withRequestLog } from "./request-log.ts";
import { createMetricsClients, useOperationMetrics } from "../plugins/use-operation-metrics.ts";
import { useUnexpectedErrorLog } from "../plugins/use-unexpected-error-log.ts";
import type { ClaimUpgrade, PartnerGate, RequestPartner } from "../../partners/partner-gate.ts";

/** Every limit on one request; each defaults to the constant named in its `@default`. */
export interface RequestLimits extends UseQueryLimitsOptions, UseQueryCostOptions {
  /** @default DEFAULT_MAX_REQUEST_BODY_BYTES */
  maxRequestBodyBytes?: number;
}

export interface AppDeps {
  store: Store;
  /** What `articleAdded` subscribes to: the wiring's one instance, shared by every app on the store (createGateway's). */
  articleEvents: ArticleEvents;
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
   * limits. It owns CORS, so Yoga's is off when it is given. A gate made by
   * `createPartnerGate` also says whose key admitted each request, which the
   * operation metrics count by, and judges WebSocket upgrades. @default none (Yoga's CORS)
   */
  gate?: PartnerGate & { partnerOf?: RequestPartner; claimUpgrade?: ClaimUpgrade };
}

export interface App {
  yoga: YogaServerInstance<ServerContext, GraphQLContext>;
  /** The node:http request handler: the partner gate, plain routes, the edge cache, then Yoga (see createRequestPath). */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** The same request path as a fetch-style handler, with no socket (see createFetchHandler). */
  fetch: FetchHandler;
  /**
   * Marks a request as a WebSocket upgrade for the app's partner gate, which
   * then hands `onGate` its check instead of answering (see ClaimUpgrade).
   * Without such a gate `onGate` is never called and the app answers the
   * request as plain HTTP.
   */
  claimUpgrade: ClaimUpgrade;
  /** What GraphQL over WebSocket must hold to as HTTP does: the allow-list in force (the cluster's, if shared) and the body limit. */
  webSocketRules: { persistedOperations: PersistedOperations | null; maxMessageBytes: number };
}

/** Builds the HTTP application without listening, so tests can drive it through `fetch` (the whole path) or `yoga.fetch` (Yoga alone). */
export function createApp({
  store,
  articleEvents,
  limits = {},
  persistedOperations = null,
  routes = [],
  edgeCache = {},
  logger = silentLogger(),
  metrics,
  gate,
  automaticPersistedQueries = {},
}: AppDeps): App {
  const partnerOf: RequestPartner = gate?.partnerOf ?? (() => null);
  const clientOf = createMetricsClients(partnerOf);
  const { maxRequestBodyBytes = DEFAULT_MAX_REQUEST_BODY_BYTES, maxDepth, maxAliases, maxTokens, maxDirectives, ...costLimits } = limits;
  // One set of tags for Yoga's GET answers and the edge cache's direct ones.
  const entityTags = createEntityTags(store);
  // Validated against the schema as served (with @defer and @stream): read from Yoga once it exists.
  let servedSchema: GraphQLSchema | null = null;
  const apqStore =
    automaticPersistedQueries && !persistedOperations
      ? createApqStore({ shared: automaticPersistedQueries.shared, schema: () => (servedSchema ??= yoga.getEnveloped({}).schema) })
      : null;
  // Shared by their plugins and direct execution, which runs prepared operations without envelop.
  const compiler = createQueryCompiler();
  const cost = createQueryCostLimit(costLimits);
  const contextOf = (initial: ServerContext): GraphQLContext => {
    const exchange = initial.edge;
    return createContext(store, articleEvents, exchange && ((catalog) => exchange.readCatalog(catalog)));
  };
  // Order matters where plugins share a hook: the allow-list resolves a hash to its document
  // before the cache keys on the document; the limits see every document, listed or not.
  const plugins: Plugin[] = [
    useGraphiqlHeaders(),
    // First: they see every operation, refused ones too, and errors before Yoga masks them.
    ...(metrics ? [useOperationMetrics({ metrics, clientOf })] : []),
    useUnexpectedErrorLog({ logger }),
    useHttpHygiene({ graphqlEndpoint: GRAPHQL_PATH, maxRequestBodyBytes }),
    // Strict query strings and form bodies, bounded variables, coded 400s: before the plugins that read parameters.
    useRequestParams(),
    ...(persistedOperations ? [usePersistedAllowList({ operations: persistedOperations })] : []),
    // A hash alone becomes its document before anything reads the document (tags, limits, cost).
    ...(apqStore ? [useAutomaticPersistedQueries({ store: apqStore })] : []),
    useHttpCaching({ store, graphqlEndpoint: GRAPHQL_PATH, entityTags }),
    useQueryLimits({ maxDepth, maxAliases, maxTokens, maxDirectives }),
    useRequestErrorCodes(),
    cost.plugin,
    useIncrementalDelivery(),
    compiler.plugin,
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
    context: contextOf,
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
        execute: (request, exchange) => Promise.resolve(yoga.handleRequest(request, { edge: exchange })),
        Request: yoga.fetchAPI.Request,
        graphqlEndpoint: GRAPHQL_PATH,
        maxRequestBodyBytes,
        // In allow-list mode no document is sent as text, so none would be answered directly anyway.
        direct: persistedOperations
          ? undefined
          : {
              run: createDirectExecution({
                yoga,
                prepared: { compiler, cost, context: contextOf },
                onOperation:
                  metrics &&
                  ((operation, outcome, seconds, serverContext) =>
                    metrics.graphqlOperation(operation, outcome, seconds, clientOf(serverContext.edge?.req))),
              }),
              entityTags,
            },
        persistedQueries: apqStore ? (hash) => apqStore.get(hash) : undefined,
        ...edgeCache,
      })
    : null;
  // The 9 MB page, compressed for clients that take br or gzip (a check of the method on other requests).
  const compressedGraphiql = graphiqlOptions
    ? createCompressedGraphiql(
        GRAPHQL_PATH,
        () => renderGraphiql(graphiqlOptions),
        (req, res) => void yoga(req, res),
      )
    : null;
  const handle = withRequestLog(
    createRequestPath({ routes: allRoutes, gate, graphiql: compressedGraphiql, edge, yoga: (req, res) => void yoga(req, res) }),
    { logger },
  );
  return {
    yoga,
    handle,
    fetch: createFetchHandler(handle),
    claimUpgrade: gate?.claimUpgrade ?? (() => undefined),
    webSocketRules: { persistedOperations, maxMessageBytes: maxRequestBodyBytes },
  };
}
