/**
 * The floor of the cache-misses scenario: the least a server can do to answer
 * those queries with the gateway's schema, store and libraries. A bare
 * node:http server over a store built as bench/gateway-server.ts builds its
 * own, which per request reads the body, parses its JSON, runs the
 * document's graphql-jit compiled form (parsed, validated and compiled once
 * per document text, before any request is timed: the misses repeat a few
 * documents with new variables) with a context made as the gateway makes it
 * (createContext: the request's loaders), and writes `JSON.stringify` of the
 * result with its content type and length. No cache, limits, metrics, access
 * control, request id, logging or error handling beyond a 400: every server
 * in the misses rows, the peer included, does at least this.
 *
 *   --sources FILE   sources file (default: the bundled demo set)
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { parse, validate } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import { loadSourcesFile } from "../src/config/sources-file.ts";
import { createGateway } from "../src/create-gateway.ts";
import { createContext } from "../src/graphql/context.ts";
import { schema } from "../src/graphql/schema.ts";
import { setGatewayV8Flags } from "../src/ops/v8-heap.ts";
import { failStart, listenToBench, ROOT, tell } from "./processes.ts";

const CONTENT_TYPE = "application/graphql-response+json; charset=utf-8";

async function main(): Promise<void> {
  setGatewayV8Flags();
  const { values } = parseArgs({ options: { sources: { type: "string" } } });
  const config = await loadSourcesFile(values.sources ?? path.join(ROOT, "sources/default.json"));
  const gateway = createGateway({ config });
  const compiled = new Map<string, CompiledQuery | null>();
  const compiledFor = (query: string): CompiledQuery | null => {
    let found = compiled.get(query);
    if (found === undefined) {
      const document = parse(query);
      const result =
        validate(schema, document).length === 0 ? compileQuery(schema, document, undefined, { customJSONSerializer: false }) : null;
      found = result && isCompiledQuery(result) ? result : null;
      compiled.set(query, found);
    }
    return found;
  };
  const answer = (res: import("node:http").ServerResponse, status: number, body: string) => {
    res.writeHead(status, { "content-type": CONTENT_TYPE, "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      try {
        const { query, variables } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          query: string;
          variables?: Record<string, unknown>;
        };
        const query_ = compiledFor(query);
        if (!query_) return answer(res, 400, '{"errors":[{"message":"not compiled"}]}');
        const result = await query_.query(undefined, createContext(gateway.store, gateway.articleEvents), variables);
        answer(res, 200, JSON.stringify(result));
      } catch {
        answer(res, 400, '{"errors":[{"message":"bad request"}]}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  gateway.refresher.start();
  await gateway.warmUp();
  listenToBench(
    () => undefined,
    async () => {
      await gateway.refresher.stop();
      await new Promise((resolve) => server.close(resolve));
    },
  );
  tell({ type: "ready", url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

main().catch(failStart);
