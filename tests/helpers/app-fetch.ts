import { fileURLToPath } from "node:url";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { loadSourcesFile } from "../../src/config/sources-file.ts";
import { createGateway, type GatewayDeps } from "../../src/create-gateway.ts";
import type { FetchClient } from "../../src/http/server/fetch-adapter.ts";
import { buildGateway, type TestSourcesFile } from "./gateway.ts";

/** The origin requests to an in-memory app are addressed to (its Host header). */
export const IN_MEMORY_ORIGIN = "http://gateway.test";

/**
 * A `fetch` lookalike that hands each request to an app's fetch-style handler
 * (`App.fetch`): the app's whole request path (gate, routes, edge cache,
 * Yoga), with no socket. Relative URLs resolve against IN_MEMORY_ORIGIN.
 * As Node's fetch does, it asks for `gzip, deflate, br` unless the request
 * names its own `Accept-Encoding`, and decodes the body it gets (headers as
 * sent), so a test sees what it saw over a socket.
 */
export function appFetch(app: { fetch: (request: Request, client?: FetchClient) => Promise<Response> }, client?: FetchClient) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(new URL(input, IN_MEMORY_ORIGIN), init);
    if (!request.headers.has("accept-encoding")) request.headers.set("accept-encoding", "gzip, deflate, br");
    return decoded(await app.fetch(request, client));
  };
}

function decoded(response: Response): Response {
  const encoding = response.headers.get("content-encoding")?.trim().toLowerCase();
  const decoder =
    encoding === "br" ? createBrotliDecompress() : encoding === "gzip" ? createGunzip() : encoding === "deflate" ? createInflate() : null;
  if (!decoder || !response.body) return response;
  const body = Readable.toWeb(Readable.fromWeb(response.body as NodeReadableStream).pipe(decoder)) as ReadableStream;
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * `startGateway` without listening: the same gateway, its requests made
 * through `fetch` (see appFetch) at `url` (IN_MEMORY_ORIGIN). For tests that
 * need no real socket: no WebSocket, no streaming over TCP, no browser.
 */
export async function openGateway(sourcesFile: TestSourcesFile, deps: Omit<GatewayDeps, "config"> = {}) {
  const { gateway, dir } = await buildGateway(sourcesFile, deps);
  const fetch = appFetch(gateway.app);
  return {
    ...gateway,
    dir,
    url: IN_MEMORY_ORIGIN,
    fetch,
    close: () => gateway.shutdown(),
    query: postQuery(fetch),
  };
}

/** The bundled demo set (sources/default.json), the gateway `npm start` serves. */
export const DEMO_SOURCES = fileURLToPath(new URL("../../sources/default.json", import.meta.url));

/** A gateway on the bundled demo set, its requests through `fetch` (see appFetch). */
export async function openDemoGateway() {
  const gateway = createGateway({ config: await loadSourcesFile(DEMO_SOURCES) });
  return { ...gateway, query: postQuery(appFetch(gateway.app)), close: () => gateway.shutdown() };
}

/** POSTs a query through `fetch` and returns the parsed JSON answer. */
function postQuery(fetch: (input: string, init?: RequestInit) => Promise<Response>) {
  return async <T = any>(query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: any[] }> => {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: T; errors?: any[] };
  };
}
