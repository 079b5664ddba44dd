import { GraphQLError } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import type { Logger } from "../../log/logger.ts";
import { REQUEST_ID_HEADER } from "../server/request-log.ts";

/**
 * Logs every unexpected error a resolver threw, with its stack and the
 * request's id, before error masking turns it into `Unexpected error.` for
 * the client. Errors thrown on purpose (GraphQL errors with a code) are the
 * client's business and are not logged. Register it before masking runs,
 * i.e. in the app's plugin list (Yoga appends masking after it).
 */
export function useUnexpectedErrorLog({ logger }: { logger: Logger }): Plugin {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result }) {
          if (isAsyncIterable(result)) return;
          for (const error of result.errors ?? []) {
            if (!isUnexpected(error)) continue;
            const { request, requestId } = args.contextValue as { request?: Request; requestId?: string };
            logger.error(
              {
                reqId: request?.headers.get(REQUEST_ID_HEADER) ?? requestId,
                operation: args.operationName ?? undefined,
                path: error.path?.join("."),
                err: error.originalError,
              },
              `unexpected error in a resolver at ${error.path?.join(".") ?? "(no path)"}: ${error.originalError?.message ?? error.message}`,
            );
          }
        },
      };
    },
  };
}

/** What Yoga masks: an error whose root cause is not a GraphQLError. */
function isUnexpected(error: GraphQLError): boolean {
  let cause: unknown = error;
  while (cause instanceof GraphQLError) {
    if (!cause.originalError) return false;
    cause = cause.originalError;
  }
  return true;
}
