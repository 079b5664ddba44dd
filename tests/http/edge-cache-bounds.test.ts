import { afterEach, expect, it } from "vitest";
import type { EdgeExchange } from "../../src/http/edge-cache/contract.ts";
import { CACHE_STATUS_HEADER, createEdgeCache, MAX_REMEMBERED_DOCUMENT_CHARS } from "../../src/http/edge-cache/edge-cache.ts";
import { createFetchHandler } from "../../src/http/server/fetch-adapter.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/**
 * A gateway's store over one feed, and an edge cache in front of a stub in
 * Yoga's place that answers every operation cleanly (so every answer may be
 * kept), counting what it executes.
 */
async function stubbedEdge(options: { maxBytes?: number } = {}) {
  const upstream = await startFixtureServer({
    "/feed.rss": (_req, res) =>
      void res
        .writeHead(200, { "content-type": "application/rss+xml" })
        .end(
          '<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><item><title>One</title><link>https://f.example/1</link></item></channel></rss>',
        ),
  });
  const gateway = await openGateway(
    { sources: [{ id: "f", name: "F", url: upstream.url("/feed.rss"), section: "technology" }] },
    { monotonicNow: () => 1_000_000 },
  );
  closers.push(gateway.close, upstream.close);
  await gateway.warmUp();
  const catalog = await gateway.store.catalog();
  const counts = { executed: 0 };
  const edge = createEdgeCache({
    store: gateway.store,
    graphqlEndpoint: "/graphql",
    maxRequestBodyBytes: 200_000,
    ...options,
    execute: async (_request: Request, exchange: EdgeExchange) => {
      counts.executed++;
      exchange.catalog = catalog;
      exchange.clean = true;
      return new Response(`{"data":{"ok":true,"pad":"${"p".repeat(900)}"}}`, {
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    },
    direct: { run: async () => ({ kind: "declined" }), entityTags: () => null },
  });
  // The edge cache alone as a fetch-style handler: no socket.
  const serve = createFetchHandler((req, res) => void edge.serve(req, res));
  const post = async (query: string) => {
    const response = await serve(
      new Request("http://edge.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query }),
      }),
    );
    expect((await response.json()).data.ok).toBe(true);
    return response.headers.get(CACHE_STATUS_HEADER);
  };
  return { edge, counts, post };
}

it("bounds the documents it remembers by their size, not only their number", async () => {
  const { edge, counts, post } = await stubbedEdge();
  // A hundred distinct documents of 100 KB each (a long comment is not a token): 10 MB, twice over in two memos.
  const padding = `#${"x".repeat(100_000)}\n`;
  for (let n = 0; n < 100; n++) await post(`${padding}{ a${n} }`);
  expect(counts.executed).toBe(100);
  expect(edge.documentChars).toBeGreaterThan(MAX_REMEMBERED_DOCUMENT_CHARS / 2);
  expect(edge.documentChars).toBeLessThanOrEqual(2 * MAX_REMEMBERED_DOCUMENT_CHARS);
});

it("keeps an answer on its second miss, so a scan of one-off queries cannot push out the answers asked again", async () => {
  // Room for about ten answers of a kilobyte.
  const { edge, counts, post } = await stubbedEdge({ maxBytes: 12_000 });
  expect([await post("{ front }"), await post("{ front }"), await post("{ front }")]).toEqual(["miss", "miss", "hit"]);
  // Its normalized key, and the raw key the hit added.
  expect(edge.size).toBe(2);
  // A crawler's scan: a hundred distinct queries, each asked once, none kept.
  for (let n = 0; n < 100; n++) expect(await post(`{ page${n} }`)).toBe("miss");
  expect(edge.size).toBe(2);
  expect(await post("{ front }")).toBe("hit");
  expect(counts.executed).toBe(102);
  // Asked a second time, a query is kept like any other.
  expect([await post("{ page7 }"), await post("{ page7 }")]).toEqual(["miss", "hit"]);
  expect(edge.size).toBe(4);
});
