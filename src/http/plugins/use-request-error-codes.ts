import { GraphQLError, type ExecutionResult } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";

/**
 * Gives a code to the request errors graphql-js raises at execution, before
 * any resolver runs: variables that do not coerce to their declared types,
 * an operation type the schema has no root for (`subscription`, `mutation`).
 * They come without `extensions.code`, and the error contract promises one.
 * Such a result has no `data` (absent or null) and errors without a `path`;
 * resolver errors (with a path) are left alone.
 */
export function useRequestErrorCodes(): Plugin {
  const withCodes = ({
    result,
    setResult,
  }: {
    result: ExecutionResult | AsyncIterable<ExecutionResult>;
    setResult: (result: ExecutionResult) => void;
  }) => {
    if (isAsyncIterable(result) || result.data != null || !result.errors?.some((e) => !e.extensions?.code && !e.path)) return;
    setResult({ ...result, errors: result.errors.map(withCode) });
  };
  return {
    onExecute: () => ({ onExecuteDone: withCodes }),
    onSubscribe: () => ({ onSubscribeResult: withCodes }),
  };
}

function withCode(error: GraphQLError): GraphQLError {
  if (error.extensions?.code || error.path) return error;
  const { nodes, source, positions, path, originalError, extensions } = error;
  return new GraphQLError(error.message, {
    nodes,
    source,
    positions,
    path,
    originalError,
    extensions: { ...extensions, code: "BAD_USER_INPUT" },
  });
}
