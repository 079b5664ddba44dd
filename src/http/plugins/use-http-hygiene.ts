import type { Plugin } from "graphql-yoga";
import { pathOf } from "./use-http-caching.ts";

/**
 * The largest request body the GraphQL endpoint reads (Yoga's own default is
 * 25 MB). A real operation with its variables is a few KB; the token limit
 * refuses far smaller documents anyway.
 */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 100_000;

/** What a POST to the GraphQL endpoint may be (Yoga's parsers; multipart is off: there are no uploads). */
export const ACCEPTED_POST_TYPES = [
  "application/json",
  "application/graphql+json",
  "application/graphql",
  "application/x-www-form-urlencoded",
];

export interface UseHttpHygieneOptions {
  graphqlEndpoint: string;
  /** @default DEFAULT_MAX_REQUEST_BODY_BYTES */
  maxRequestBodyBytes?: number;
}

/**
 * Clear answers where Yoga's are terse. Yoga already refuses a wrong method
 * (405 with `Allow`), a body that is not JSON (400) and a body over
 * `maxRequestBodySize` (413); it answers an unsupported content type with an
 * empty 415. Here the 415 says which types work (in an `Accept-Post` header
 * and a GraphQL error body), and the 413 names the limit and closes the
 * connection, so the server does not read the rest of an oversized body just
 * to keep the socket alive.
 */
export function useHttpHygiene({ graphqlEndpoint, maxRequestBodyBytes = DEFAULT_MAX_REQUEST_BODY_BYTES }: UseHttpHygieneOptions): Plugin {
  return {
    onResponse({ request, response, setResponse, fetchAPI }) {
      if ((response.status !== 415 && response.status !== 413) || pathOf(request.url) !== graphqlEndpoint) return;
      const error = (status: number, code: string, message: string, headers: Record<string, string>) =>
        setResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
            status,
            headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
          }),
        );
      if (response.status === 415) {
        const type = request.headers.get("content-type");
        error(
          415,
          "UNSUPPORTED_MEDIA_TYPE",
          `${type ? `Content type "${type.slice(0, 100)}" is not supported` : "A POST needs a Content-Type"}: send the request as application/json (or use GET).`,
          { "accept-post": ACCEPTED_POST_TYPES.join(", ") },
        );
      } else if (response.status === 413) {
        error(413, "REQUEST_ENTITY_TOO_LARGE", `Request body is over the limit of ${maxRequestBodyBytes} bytes.`, { connection: "close" });
      }
    },
  };
}
