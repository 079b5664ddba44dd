import { GraphQLError } from "graphql";

/**
 * A request the server refuses before running it (a query over a limit, an
 * operation outside the persisted allow-list). The client sees the message and
 * `extensions.code`.
 *
 * `http.spec` is Yoga's marker for statuses the GraphQL-over-HTTP spec asks of
 * `application/graphql-response+json`: such a client gets HTTP 400, while a
 * legacy `application/json` client keeps the 200 that spec recommends for it
 * (Yoga strips `http` from the body either way).
 */
export function createRefusalError(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400, spec: true } } });
}
