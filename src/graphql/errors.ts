import { GraphQLError } from "graphql";

/** A client mistake: shown to the client with `extensions.code` (not masked). */
export function badUserInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", ...(argument ? { argument } : {}) } });
}
