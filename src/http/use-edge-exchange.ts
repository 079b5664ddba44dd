import { isAsyncIterable, type Plugin } from "graphql-yoga";
import type { EdgeExchange } from "./edge-cache.ts";

/**
 * Yoga's side of the edge cache's exchange (see `EdgeExchange`), for requests
 * that come through the edge cache; any other request is left alone.
 *
 * - A POST body the edge cache already parsed is taken as the request's
 *   parameters: Yoga's JSON parser is replaced for that request, so the body
 *   is neither read nor parsed twice. What Yoga checks after parsing (the
 *   parameters' shape, batching, the method) still runs.
 * - A result the edge cache already computed (direct execution, see
 *   `createDirectExecution`) is answered as is: Yoga's HTTP layer turns it
 *   into the response it would have made, without executing again.
 * - The execution result tells the edge cache whether the answer may be
 *   stored (data and no errors, not streamed), so it need not parse the
 *   serialized answer to find out.
 *
 * Register it after every plugin that may replace a result, so it sees the
 * final one (Yoga's error masking, which comes later, only rewrites messages).
 */
export function useEdgeExchange(): Plugin {
  return {
    onRequestParse({ serverContext, requestParser, setRequestParser }) {
      const params = exchangeOf(serverContext)?.params;
      // Only in place of a parser Yoga chose for this request (a JSON POST).
      if (params && requestParser) setRequestParser(() => params);
    },
    onParams({ context, setResult }) {
      const computed = exchangeOf(context)?.result;
      if (computed) setResult(computed);
    },
    onExecutionResult({ result, context }) {
      const exchange = exchangeOf(context);
      if (!exchange) return;
      exchange.onResult(!isAsyncIterable(result) && result != null && !result.errors?.length && result.data != null);
    },
  };
}

function exchangeOf(context: unknown): EdgeExchange | undefined {
  return (context as { edge?: EdgeExchange } | null)?.edge;
}
