/**
 * The edge cache's contract with Yoga: one `EdgeExchange` per request the
 * edge cache forwards, passed as the server context's `edge` field, and
 * `useEdgeExchange`, Yoga's side of it. Nothing else passes between them.
 *
 * In (set by the edge cache before Yoga runs):
 * - `params`: the POST body, already parsed. Yoga takes it instead of reading
 *   and parsing the body again; what Yoga checks after parsing (the
 *   parameters' shape, batching, the method) still runs. Null for GET.
 * - `result`: a result direct execution already computed (errors, refusals):
 *   Yoga's HTTP layer answers it as if it had executed it, executing nothing.
 * - `req`: the Node request, for who asked (per-client operation metrics).
 *
 * Out (set while Yoga, or direct execution, answers):
 * - `catalog`: the catalog the answer read, set by the GraphQL context when
 *   the request first reads one (`readCatalog`);
 * - `clean`: the final execution result is complete and error-free (data,
 *   no errors, not streamed).
 *
 * The edge cache keeps an answer only when `clean` is set and `catalog` is
 * still the current one once the answer is written, so it never parses a
 * serialized answer to find out whether it may be stored.
 */
import type { IncomingMessage } from "node:http";
import type { ExecutionResult } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import type { Catalog } from "../../store/catalog/catalog.ts";

export class EdgeExchange {
  /** The catalog the answer read; null until it reads one. */
  catalog: Catalog | null = null;
  /** Whether the final execution result is complete and error-free. */
  clean = false;
  /** A result already computed by direct execution, for Yoga to answer as is. */
  result?: ExecutionResult;

  constructor(
    /** The POST body already parsed; null for GET and for bodies Yoga must refuse itself. */
    readonly params: Record<string, unknown> | null,
    /** The Node request, when there is one. */
    readonly req?: IncomingMessage,
  ) {}

  /** The GraphQL context calls it with the catalog the request reads. */
  readCatalog(catalog: Catalog): void {
    this.catalog = catalog;
  }
}

/** The exchange a Yoga context or server context carries, if the request came through the edge cache. */
export function edgeExchangeOf(context: unknown): EdgeExchange | undefined {
  return (context as { edge?: EdgeExchange } | null)?.edge;
}

/**
 * Yoga's side of the contract, for requests that come through the edge cache;
 * any other request is left alone. Register it after every plugin that may
 * replace a result, so it sees the final one (Yoga's error masking, which
 * comes later, only rewrites messages).
 */
export function useEdgeExchange(): Plugin {
  return {
    onRequestParse({ serverContext, requestParser, setRequestParser }) {
      const params = edgeExchangeOf(serverContext)?.params;
      // Only in place of a parser Yoga chose for this request (a JSON POST).
      if (params && requestParser) setRequestParser(() => params);
    },
    onParams({ context, setResult }) {
      const computed = edgeExchangeOf(context)?.result;
      if (computed) setResult(computed);
    },
    onExecutionResult({ result, context }) {
      const exchange = edgeExchangeOf(context);
      if (!exchange) return;
      exchange.clean = !isAsyncIterable(result) && result != null && !result.errors?.length && result.data != null;
    },
  };
}
