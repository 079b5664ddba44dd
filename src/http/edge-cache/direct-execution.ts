import { getOperationAST, type ExecutionResult } from "graphql";
import { isAsyncIterable, type YogaServerInstance } from "graphql-yoga";
import type { GraphQLContext } from "../../graphql/context.ts";
import type { OperationOutcome } from "../../ops/metrics.ts";
import type { ServerContext } from "../types.ts";
import { MAX_PARAMS_JSON_DEPTH, nestsDeeperThan } from "../server/request-params.ts";

/** The parameters of an operation that may run directly: a query string and, at most, variables and an operation name. */
export interface DirectParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/**
 * What running an operation directly gave:
 * - `answer`: a complete, error-free result, serialized as Yoga would;
 * - `result`: any other result (errors, refusals, no data), for Yoga's HTTP
 *   layer to answer as if it had executed it (status, masking already done);
 * - `declined`: not run, or it threw: Yoga runs the request as usual.
 */
export type DirectOutcome = { kind: "answer"; body: string } | { kind: "result"; result: ExecutionResult } | { kind: "declined" };

export interface DirectExecutionOptions {
  yoga: Pick<YogaServerInstance<ServerContext, GraphQLContext>, "getEnveloped">;
  /** Told of each operation run here, as Yoga's operation metrics would be (`useOperationMetrics`). @default none */
  onOperation?: (operation: string, outcome: OperationOutcome, seconds: number, serverContext: ServerContext) => void;
  /** Milliseconds clock. @default performance.now */
  now?: () => number;
}

/**
 * Runs an operation through Yoga's envelop (the parse and validation caches,
 * the query limits and cost, compiled queries, error codes and masking: every
 * plugin hook on the operation itself) without Yoga's HTTP layer (its Fetch
 * request and response, parameter parsing and result processing), which is
 * most of what a cache miss costs. The edge cache uses it for operations Yoga
 * has already answered cleanly for the same method, document and headers
 * (see `directParams` and `createEdgeCache`), so what Yoga checks at the HTTP
 * level has been checked for them.
 *
 * Queries only, as Yoga's `processRequest` runs them.
 */
export function createDirectExecution({ yoga, onOperation, now = () => performance.now() }: DirectExecutionOptions) {
  return async function run(params: DirectParams, serverContext: ServerContext): Promise<DirectOutcome> {
    const started = now();
    const enveloped = yoga.getEnveloped({ ...serverContext, params } as ServerContext);
    let result: ExecutionResult;
    let operation: string | null = null;
    try {
      const document = enveloped.parse(params.query);
      const definition = getOperationAST(document, params.operationName ?? undefined);
      // A mutation over GET, a subscription, several operations without a name: Yoga's own rules apply.
      if (definition?.operation !== "query") return { kind: "declined" };
      operation = definition.name?.value ?? null;
      const errors = enveloped.validate(enveloped.schema, document);
      if (errors.length > 0) {
        result = { errors };
      } else {
        const contextValue = await enveloped.contextFactory();
        const executed = await enveloped.execute({
          schema: enveloped.schema,
          document,
          contextValue,
          variableValues: params.variables,
          operationName: params.operationName,
        });
        // Streamed results are Yoga's (the edge cache never sends it requests that accept them).
        if (isAsyncIterable(executed)) return { kind: "declined" };
        result = executed as ExecutionResult;
      }
    } catch {
      // Yoga answers what throws (it masks and words it); queries only read, so running again is safe.
      return { kind: "declined" };
    }
    const clean = !result.errors?.length && result.data != null && result.extensions === undefined && !("stringify" in result);
    onOperation?.(
      params.operationName ?? operation ?? "anonymous",
      result.errors?.length ? "error" : "ok",
      (now() - started) / 1000,
      serverContext,
    );
    return clean ? { kind: "answer", body: JSON.stringify(result) } : { kind: "result", result };
  };
}

export type DirectExecution = ReturnType<typeof createDirectExecution>;

const EXPECTED_PARAMS = new Set(["query", "variables", "operationName", "extensions"]);

/**
 * The request's parameters when they may run directly, else null (Yoga then
 * answers them, refusals included): a string query without `@defer` or
 * `@stream`, variables that are an object within `MAX_PARAMS_JSON_DEPTH`
 * (Yoga refuses deeper ones), a string operation name, no extensions and
 * nothing Yoga does not expect.
 */
export function directParams(params: unknown): DirectParams | null {
  if (params === null || typeof params !== "object" || Array.isArray(params)) return null;
  const { query, variables, operationName, extensions } = params as Record<string, unknown>;
  if (typeof query !== "string" || /@(defer|stream)\b/.test(query)) return null;
  if (variables != null && (typeof variables !== "object" || Array.isArray(variables) || nestsDeeperThan(variables, MAX_PARAMS_JSON_DEPTH)))
    return null;
  if (operationName != null && typeof operationName !== "string") return null;
  if (extensions !== undefined) return null;
  // Yoga refuses any other parameter that is set.
  for (const [key, value] of Object.entries(params)) if (value != null && !EXPECTED_PARAMS.has(key)) return null;
  return { query, variables: variables as DirectParams["variables"], operationName: operationName as DirectParams["operationName"] };
}
