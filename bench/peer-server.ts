/**
 * The peer of the cache-misses scenario: fastify + mercurius with graphql-jit,
 * serving the gateway's GraphQL schema (src/graphql/schema.ts) over a store
 * built as bench/gateway-server.ts builds its own (createGateway over the same
 * sources file, its refresher running, warmed up), at POST /graphql on
 * 127.0.0.1 and a free port. Readiness is reported over IPC once the catalog is built.
 *
 * Mercurius as its users run it: `jit: 1` (a document is compiled on its
 * second execution), its own LRU of parsed and validated documents at its
 * default size, no response cache, no query limits, no request log, no GraphiQL.
 * The process takes the gateway's V8 flags: it holds the same catalog, so
 * the same flags spare its young collections the same cost (see setGatewayV8Flags),
 * and the rows compare request paths rather than heap settings.
 *
 *   --sources FILE   sources file (default: the bundled demo set)
 */
import path from "node:path";
import { parseArgs } from "node:util";
import Fastify from "fastify";
import mercurius from "mercurius";
import { loadSourcesFile } from "../src/config/sources-file.ts";
import { createGateway } from "../src/create-gateway.ts";
import { createContext } from "../src/graphql/context.ts";
import { schema } from "../src/graphql/schema.ts";
import { setGatewayV8Flags } from "../src/ops/v8-heap.ts";
import { failStart, listenToBench, ROOT, tell } from "./processes.ts";

async function main(): Promise<void> {
  setGatewayV8Flags();
  const { values } = parseArgs({ options: { sources: { type: "string" } } });
  const config = await loadSourcesFile(values.sources ?? path.join(ROOT, "sources/default.json"));
  const gateway = createGateway({ config });
  const app = Fastify({ logger: false });
  await app.register(mercurius, {
    schema,
    path: "/graphql",
    jit: 1,
    graphiql: false,
    // A context per request, as the gateway's Yoga makes it (loaders that cache are never shared).
    context: () => createContext(gateway.store, gateway.articleEvents),
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  gateway.refresher.start();
  await gateway.warmUp();
  listenToBench(
    () => undefined,
    async () => {
      await gateway.refresher.stop();
      await app.close();
    },
  );
  tell({ type: "ready", url });
}

main().catch(failStart);
