import type { IncomingMessage, ServerResponse } from "node:http";
import type { PartnerGate } from "../../partners/partner-gate.ts";
import type { EdgeCache } from "../edge-cache/edge-cache.ts";
import { GRAPHQL_PATH } from "../types.ts";
import { dispatch, sendJson, type Route } from "./routes.ts";

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface RequestPathOptions {
  /** Plain routes (health, feeds, pages, metrics); none may claim the GraphQL path unless it means to. */
  routes: Route[];
  /** @default none */
  gate?: PartnerGate;
  /** Answers GraphiQL's page from its compressed copy; true when it did. @default none */
  graphiql?: ((req: IncomingMessage, res: ServerResponse) => boolean) | null;
  /** @default none: every GraphQL request goes to Yoga */
  edge?: Pick<EdgeCache, "accepts" | "serve"> | null;
  /** Yoga's node handler: whatever nothing before it answered. */
  yoga: NodeHandler;
}

/**
 * The one request path of the app, in order: the partner gate (a preflight,
 * a refused key or a spent budget never reaches anything after it), the
 * plain routes, GraphiQL's compressed page, the edge cache for the GraphQL
 * requests it accepts, and Yoga for the rest. Both the Node server and the
 * fetch-style handler (fetch-adapter.ts) run exactly this function, so every
 * gate, route and cache decision has one implementation.
 *
 * Per request it costs a path comparison before the route table: a plain
 * GraphQL request skips the table when no route claims the GraphQL path.
 */
export function createRequestPath({ routes, gate, graphiql, edge, yoga }: RequestPathOptions): NodeHandler {
  // No plain route claims the GraphQL path (checked once here): its requests skip the route table.
  const routedGraphql = routes.some((route) =>
    typeof route.path === "string" ? route.path === GRAPHQL_PATH : route.path.test(GRAPHQL_PATH),
  );
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const plainGraphql = !routedGraphql && (req.url === GRAPHQL_PATH || req.url?.startsWith(`${GRAPHQL_PATH}?`));
    if (!plainGraphql && dispatch(routes, req, res)) return;
    if (graphiql?.(req, res)) return;
    if (edge?.accepts(req)) {
      edge.serve(req, res).catch(() => answerUnexpected(res));
      return;
    }
    yoga(req, res);
  };
  if (!gate) return serve;
  return (req, res) => {
    const answered = gate(req, res);
    if (answered === false) return serve(req, res);
    if (answered === true) return;
    answered.then(
      (done) => void (done || serve(req, res)),
      () => answerUnexpected(res),
    );
  };
}

/** A 500 in the error contract's shape, or the connection cut when the answer had begun. */
function answerUnexpected(res: ServerResponse): void {
  if (!res.headersSent) sendJson(res, 500, { errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
  else res.destroy();
}
