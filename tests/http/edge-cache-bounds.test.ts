import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { createEdgeCache, MAX_REMEMBERED_DOCUMENT_CHARS, type EdgeExchange } from "../../src/http/edge-cache.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { startGateway } from "../helpers/gateway.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

it("bounds the documents it remembers by their size, not only their number", async () => {
  const upstream = await startFixtureServer({
    "/feed.rss": (_req, res) =>
      void res.writeHead(200, { "content-type": "application/rss+xml" }).end('<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><item><title>One</title><link>https://f.example/1</link></item></channel></rss>'),
  });
  const gateway = await startGateway({ sources: [{ id: "f", name: "F", url: upstream.url("/feed.rss"), section: "technology" }] }, { monotonicNow: () => 1_000_000 });
  closers.push(gateway.close, upstream.close);
  await gateway.warmUp();
  const catalog = await gateway.store.catalog();
  let executed = 0;
  // Yoga's part played by a stub that answers every operation cleanly, so every document is learned.
  const edge = createEdgeCache({
    store: gateway.store,
    graphqlEndpoint: "/graphql",
    maxRequestBodyBytes: 200_000,
    execute: async (_request: Request, exchange: EdgeExchange) => {
      executed++;
      exchange.onCatalog(catalog);
      exchange.onResult(true);
      return new Response('{"data":{"ok":true}}', { headers: { "content-type": "application/json; charset=utf-8" } });
    },
    direct: { run: async () => ({ kind: "declined" }), entityTags: () => null },
  });
  const server: Server = createServer((req, res) => void edge.serve(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  // A hundred distinct documents of 100 KB each (a long comment is not a token): 10 MB, twice over in two memos.
  const padding = `#${"x".repeat(100_000)}\n`;
  for (let n = 0; n < 100; n++) {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ query: `${padding}{ a${n} }` }) });
    expect(await response.json()).toEqual({ data: { ok: true } });
  }
  expect(executed).toBe(100);
  expect(edge.documentChars).toBeGreaterThan(MAX_REMEMBERED_DOCUMENT_CHARS / 2);
  expect(edge.documentChars).toBeLessThanOrEqual(2 * MAX_REMEMBERED_DOCUMENT_CHARS);
});
