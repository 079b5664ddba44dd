import type { IncomingMessage, ServerResponse } from "node:http";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { createContext, type GraphQLContext } from "../graphql/context.ts";
import { schema } from "../graphql/schema.ts";
import type { Store } from "../store/store.ts";
import { ARTICLE_PAGE_QUERY, EXAMPLE_TABS } from "./example-operations.ts";

export const GRAPHQL_PATH = "/graphql";

export interface AppDeps {
  store: Store;
}

export interface App {
  yoga: YogaServerInstance<Record<string, never>, GraphQLContext>;
  /** The node:http request handler: plain routes first, then GraphQL. */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Builds the HTTP application without listening, so tests can drive it through `yoga.fetch` too. */
export function createApp({ store }: AppDeps): App {
  const yoga = createYoga<Record<string, never>, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    // Unexpected errors never reach clients with their message or stack, whatever NODE_ENV says.
    maskedErrors: { isDev: false },
    context: () => createContext(store),
    // GraphiQL from the package's own bundle: it works with no internet.
    renderGraphiQL,
    graphiql: {
      title: "Newsgate GraphiQL",
      defaultQuery: ARTICLE_PAGE_QUERY,
      defaultTabs: EXAMPLE_TABS,
    },
    logging: false,
  });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health") return sendJson(res, 200, { status: "ok" });
    if (path === "/ready") {
      const ready = store.isReady();
      return sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "warming up" });
    }
    if (path === "/") {
      res.writeHead(302, { location: GRAPHQL_PATH });
      return res.end();
    }
    void yoga(req, res);
  };
  return { yoga, handle };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
