import type { EdgeExchange } from "./edge-cache/contract.ts";

/** Types and constants every part of src/http shares; this module imports no runtime code, so nothing can import it in a circle. */

/** Where GraphQL is served: Yoga's endpoint, the edge cache's and the WebSocket's path. */
export const GRAPHQL_PATH = "/graphql";

/** What a caller of Yoga may pass with a request (Yoga's server context). */
export interface ServerContext {
  /** Set when the request came through the edge cache: the contract between them (see edge-cache/contract.ts). */
  edge?: EdgeExchange;
  /** The request's `x-request-id`, for logs, where no Fetch request is built to carry it (direct execution). */
  requestId?: string;
}
