import { defaultExtractPersistedOperationId, usePersistedOperations } from "@graphql-yoga/plugin-persisted-operations";
import type { GraphQLParams, Plugin } from "graphql-yoga";
import type { PersistedOperations } from "./persisted-operations.ts";
import { createRefusalError } from "./refusal-error.ts";

export interface UsePersistedAllowListOptions {
  operations: PersistedOperations;
}

const ONLY_PERSISTED =
  "This server runs persisted operations only: send the sha256 of a listed document as " +
  "`extensions.persistedQuery.sha256Hash` (with `version: 1`) or as `documentId`, and no `query`.";

/**
 * Production's allow-list mode: only the listed documents run. A client names
 * one by its sha256, the Apollo way (`extensions.persistedQuery.sha256Hash`,
 * in a POST body or a GET's `extensions` parameter) or the GraphQL-over-HTTP
 * way (`documentId`, bare or as `sha256:<hash>`, in a POST body or a GET's
 * query string). A document sent as `query` is refused with
 * `PERSISTED_QUERY_ONLY`, even one on the list: clients send hashes, never text.
 * An unknown hash is `PERSISTED_QUERY_NOT_FOUND`. With REDIS_URL the list is the
 * cluster's (`operations.lookup`, see sharePersistedOperations).
 */
export function usePersistedAllowList({ operations }: UsePersistedAllowListOptions): Plugin {
  const extractId = (params: GraphQLParams, request: Request): string | null => {
    const apollo = defaultExtractPersistedOperationId(params, request, {});
    if (apollo !== null) return apollo.toLowerCase();
    const fromBody = (params as GraphQLParams & { documentId?: unknown }).documentId;
    const documentId =
      typeof fromBody === "string" ? fromBody : request.method === "GET" ? new URL(request.url).searchParams.get("documentId") : null;
    return documentId ? documentId.replace(/^sha256:/, "").toLowerCase() : null;
  };
  return usePersistedOperations({
    allowArbitraryOperations: false,
    extractPersistedOperationId: extractId,
    // The instance's own file first; then, in a cluster, the operations other instances listed.
    getPersistedOperation: (id) => operations.documents.get(id) ?? operations.lookup?.(id) ?? null,
    customErrors: {
      persistedQueryOnly: () => createRefusalError("PERSISTED_QUERY_ONLY", ONLY_PERSISTED),
      keyNotFound: () => createRefusalError("PERSISTED_QUERY_ONLY", ONLY_PERSISTED),
      notFound: ({ params, request }) =>
        createRefusalError(
          "PERSISTED_QUERY_NOT_FOUND",
          `Persisted operation "${extractId(params, request)?.slice(0, 100)}" is not on this server's allow-list.`,
        ),
    },
  });
}
