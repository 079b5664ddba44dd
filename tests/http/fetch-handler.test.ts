import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CACHE_STATUS_HEADER } from "../../src/http/edge-cache/edge-cache.ts";
import { openGateway } from "../helpers/app-fetch.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { startGateway } from "../helpers/gateway.ts";

const RSS = `<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>
<item><title>One</title><link>https://w.example/1</link><guid>w-1</guid></item></channel></rss>`;
const QUERY = "{ articles(first: 1) { edges { node { title } } } }";

/** What one answer shows of the request path's decisions: the request id and date differ per answer, and the framing per connection. */
async function shape(response: Response) {
  const headers = Object.fromEntries(
    [...response.headers].filter(([name]) => !["x-request-id", "date", "connection", "keep-alive", "transfer-encoding"].includes(name)),
  );
  return { status: response.status, headers, body: await response.text() };
}

describe("the app's fetch-style handler", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let inMemory: Awaited<ReturnType<typeof openGateway>>;
  let served: Awaited<ReturnType<typeof startGateway>>;
  const sources = () => [{ id: "w", name: "W", url: upstream.url("/w.rss"), section: "technology" }];

  beforeAll(async () => {
    upstream = await startFixtureServer({ "/w.rss": serveBody(RSS, "application/rss+xml") });
    [inMemory, served] = await Promise.all([openGateway({ sources: sources() }), startGateway({ sources: sources() })]);
    await Promise.all([inMemory.warmUp(), served.warmUp()]);
  });
  afterAll(async () => {
    await inMemory?.close();
    await served?.close();
    await upstream?.close();
  });

  it("answers as the Node server does: routes, refusals, GraphQL and the edge cache", async () => {
    const requests: [string, RequestInit][] = [
      ["/health", {}],
      ["/health", { method: "POST" }],
      ["/nothing-here", {}],
      ["/", { redirect: "manual" }],
      [`/graphql?query=${encodeURIComponent(QUERY)}`, { headers: { accept: "application/json" } }],
      ["/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: QUERY }) }],
      ["/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }],
    ];
    for (const [path, init] of requests) {
      const [viaFetch, viaSocket] = await Promise.all([inMemory.fetch(path, init), fetch(`${served.url}${path}`, init)]);
      const [a, b] = [await shape(viaFetch), await shape(viaSocket)];
      // The entity tags hold each app's boot id.
      delete a.headers.etag;
      delete b.headers.etag;
      expect(a, `${init.method ?? "GET"} ${path}`).toEqual(b);
    }
  });

  it("keeps an answer in the edge cache and serves it from there, with the request's id echoed", async () => {
    const post = () =>
      inMemory.fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "fetch-1" },
        // An operation no other test asks, so its first two asks are misses.
        body: JSON.stringify({ query: "{ articles(first: 2) { edges { node { title } } } }" }),
      });
    const outcomes = [];
    for (let n = 0; n < 3; n++) {
      const response = await post();
      expect(response.headers.get("x-request-id")).toBe("fetch-1");
      expect((await response.json()).data.articles.edges[0].node.title).toBe("One");
      outcomes.push(response.headers.get(CACHE_STATUS_HEADER));
    }
    expect(outcomes).toEqual(["miss", "miss", "hit"]);
  });

  it("sends no body for HEAD and keeps the length of the GET it stands for", async () => {
    const [head, get] = [await inMemory.fetch("/health", { method: "HEAD" }), await inMemory.fetch("/health")];
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    expect(head.headers.get("content-length")).toBe(get.headers.get("content-length"));
  });
});
