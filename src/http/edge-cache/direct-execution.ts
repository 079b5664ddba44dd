import { getOperationAST, type DocumentNode, type ExecutionResult, type GraphQLSchema } from "graphql";
import type { CompiledQuery } from "graphql-jit";
import { isAsyncIterable, type YogaServerInstance } from "graphql-yoga";
import type { GraphQLContext } from "../../graphql/context.ts";
import type { OperationOutcome } from "../../ops/metrics.ts";
import type { ServerContext } from "../types.ts";
import type { QueryCompiler } from "../plugins/use-compiled-queries.ts";
import type { QueryCostLimit } from "../plugins/use-query-cost.ts";
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

/**
 * What direct execution remembers of one known operation (one per entry of
 * the edge cache's known operations, bounded with them): once Yoga's envelop
 * has run its document cleanly and compiled it, the document, the schema it
 * was checked against and its compiled form. Empty until then.
 */
export interface OperationMemo {
  prepared?: PreparedOperation;
}

interface PreparedOperation {
  document: DocumentNode;
  schema: GraphQLSchema;
  /** The operation's name in its document, for metrics. */
  name: string | null;
  compiled: CompiledQuery;
}

export interface DirectExecutionOptions {
  yoga: Pick<YogaServerInstance<ServerContext, GraphQLContext>, "getEnveloped">;
  /**
   * What runs a prepared operation without envelop (see `run`): the app's
   * compiled queries, its cost limit and Yoga's context factory, the very
   * ones its plugins use. @default none: every operation runs through envelop
   */
  prepared?: {
    compiler: Pick<QueryCompiler, "compiledFor">;
    cost: Pick<QueryCostLimit, "allows">;
    /** Yoga's `context` option: what it adds to the initial context. */
    context: (initial: ServerContext & { params: DirectParams }) => object;
  };
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
 * With `prepared` and the operation's `memo`, an operation whose document
 * envelop has run cleanly and compiled skips envelop too: its per-request
 * hooks, promise hops and caches cost more than the compiled query itself.
 * What they would do for it is done here or cannot change: the document
 * parsed and validated (the token, depth, alias and directive limits
 * included) without errors against the same schema and rules, which depend
 * on the document alone; the cost, which depends on the variables, is
 * judged by the same limit; the context is Yoga's. Only a complete,
 * error-free answer is taken from there: any other outcome (a refused cost,
 * variables that do not coerce, a resolver error, a throw) runs again
 * through envelop, whose plugins word, code, mask and log it as always
 * (queries only read, so running again is safe).
 *
 * Queries only, as Yoga's `processRequest` runs them.
 */
export function createDirectExecution({ yoga, prepared: shortcut, onOperation, now = () => performance.now() }: DirectExecutionOptions) {
  /** The answer of a prepared operation, or null when envelop must run it (see above); without a promise of its own when the result has none. */
  const runPrepared = (
    { document, schema, compiled }: PreparedOperation,
    params: DirectParams,
    serverContext: ServerContext,
  ): string | null | Promise<string | null> => {
    if (!shortcut!.cost.allows(schema, document, params.operationName, params.variables)) return null;
    try {
      // As envelop builds it: the initial context, extended with what Yoga's context factory gives.
      const initial = { ...serverContext, params };
      const result = compiled.query(undefined, Object.assign(initial, shortcut!.context(initial)), params.variables);
      return result instanceof Promise ? result.then(cleanJson, () => null) : cleanJson(result);
    } catch {
      return null;
    }
  };

  /** Envelop's run of an operation (see above). */
  const runEnveloped = async (
    params: DirectParams,
    serverContext: ServerContext,
    memo: OperationMemo | undefined,
    started: number,
  ): Promise<DirectOutcome> => {
    const enveloped = yoga.getEnveloped({ ...serverContext, params } as ServerContext);
    let result: ExecutionResult;
    let operation: string | null = null;
    let document: DocumentNode;
    try {
      document = enveloped.parse(params.query);
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
    const clean = isClean(result);
    onOperation?.(
      params.operationName ?? operation ?? "anonymous",
      result.errors?.length ? "error" : "ok",
      (now() - started) / 1000,
      serverContext,
    );
    // Validated without errors and compiled by now: the next requests for this operation may skip envelop.
    if (clean && shortcut && memo && !memo.prepared) {
      const compiled = shortcut.compiler.compiledFor(document, params.operationName);
      if (compiled) memo.prepared = { document, schema: enveloped.schema, name: operation, compiled };
    }
    return clean ? { kind: "answer", body: JSON.stringify(result) } : { kind: "result", result };
  };

  return function run(params: DirectParams, serverContext: ServerContext, memo?: OperationMemo): Promise<DirectOutcome> {
    const started = now();
    const ready = shortcut && memo?.prepared;
    if (!ready) return runEnveloped(params, serverContext, memo, started);
    // One promise hop when the compiled query has one; none of its own.
    return Promise.resolve(runPrepared(ready, params, serverContext)).then((body) => {
      if (body === null) return runEnveloped(params, serverContext, memo, started);
      onOperation?.(params.operationName ?? ready.name ?? "anonymous", "ok", (now() - started) / 1000, serverContext);
      return { kind: "answer", body };
    });
  };
}

/** The JSON of a complete, error-free result; null for any other. */
function cleanJson(result: ExecutionResult): string | null {
  return isClean(result) ? JSON.stringify(result) : null;
}

/** A complete, error-free result, answered as JSON as Yoga would answer it. */
function isClean(result: ExecutionResult): boolean {
  return !result.errors?.length && result.data != null && result.extensions === undefined && !("stringify" in result);
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
