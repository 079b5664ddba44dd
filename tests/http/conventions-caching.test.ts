import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

const GRAPHQL_RESPONSE = "application/graphql-response+json";
const TITLES = "{ articles(first: 5) { edges { node { title } } } }";

function rss(title: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Live</title><link>https://live.example/</link><description>d</description>
<item><title>${title}</title><link>https://live.example/story</link><guid isPermaLink="false">live-1</guid><pubDate>Tue, 06 Oct 2026 09:00:00 GMT</pubDate></item>
</channel></rss>`;
}

/** An upstream whose feed the test rewrites, or breaks. */
async function startLiveUpstream() {
  const state = { title: "First edition", failing: false };
  const server = await startFixtureServer({
    "/live.rss": (_req, res) => {
      if (state.failing) return void res.writeHead(500).end("down");
      res.writeHead(200, { "content-type": "application/rss+xml" }).end(rss(state.title));
    },
    "/other.rss": (_req, res) => void res.writeHead(200, { "content-type": "application/rss+xml" }).end(rss("Other")),
    "/gone.rss": (_req, res) => void res.writeHead(404).end("gone"),
  });
  return { server, state };
}

describe("cacheable GET", () => {
  let upstream: Awaited<ReturnType<typeof startLiveUpstream>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;
  // Not 0: lru-cache reads a start time of 0 as "no TTL".
  let clock = 1_000_000;
  const get = (query: string, headers: Record<string, string> = {}, extra = "") =>
    gateway.fetch(`${gateway.url}/graphql?query=${encodeURIComponent(query)}${extra}`, {
      headers: { accept: GRAPHQL_RESPONSE, ...headers },
    });

  /** Moves the feed cache's clock past the TTL and asks until the refreshed content shows (stale-while-revalidate serves the old copy first). */
  async function getUntil(query: string, predicate: (body: string) => boolean): Promise<Response> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const response = await get(query);
      const body = await response.clone().text();
      if (predicate(body)) return response;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no answer to ${query} matched within 200 attempts`);
  }

  beforeAll(async () => {
    upstream = await startLiveUpstream();
    gateway = await openGateway(
      { sources: [{ id: "live", name: "Live", url: upstream.server.url("/live.rss"), section: "technology", refreshSeconds: 1 }] },
      // A constant jitter source: the TTL is exactly refreshSeconds.
      { monotonicNow: () => clock, random: () => 0.5 },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.server.close();
  });

  it("gives the same GET the same ETag, public max-age from the TTL and Vary: Accept", async () => {
    const first = await get(TITLES);
    const second = await get(TITLES);
    expect(first.status).toBe(200);
    expect((await first.json()).data.articles.edges[0].node.title).toBe(upstream.state.title);
    expect(first.headers.get("etag")).toMatch(/^W\/"\d+-[\w-]+"$/);
    expect(second.headers.get("etag")).toBe(first.headers.get("etag"));
    expect(first.headers.get("cache-control")).toBe("public, max-age=1");
    expect(first.headers.get("vary")).toMatch(/\bAccept\b/);
  });

  it("answers a matching If-None-Match with 304, no body and the cache headers", async () => {
    const tag = (await get(TITLES)).headers.get("etag")!;
    for (const ifNoneMatch of [tag, `"other", ${tag}`, tag.replace(/^W\//, "")]) {
      const response = await get(TITLES, { "if-none-match": ifNoneMatch });
      expect(response.status).toBe(304);
      expect(await response.text()).toBe("");
      expect(response.headers.get("etag")).toBe(tag);
      expect(response.headers.get("cache-control")).toBe("public, max-age=1");
      expect(response.headers.get("vary")).toMatch(/\bAccept\b/);
    }
    const stale = await get(TITLES, { "if-none-match": 'W/"0-nothing"' });
    expect(stale.status).toBe(200);
    expect((await stale.json()).data.articles.edges).toHaveLength(1);
  });

  it("keys the tag on the normalized query, variables, operation name and Accept", async () => {
    const tag = async (query: string, headers: Record<string, string> = {}, extra = "") =>
      (await get(query, headers, extra)).headers.get("etag");
    const base = await tag(TITLES);
    // Insignificant whitespace, commas and comments do not change the answer, so not the tag.
    expect(await tag(`{\n  articles(first: 5) {  edges { node { title } } } # titles\n}`)).toBe(base);
    expect(await tag("{ articles(first: 4) { edges { node { title } } } }")).not.toBe(base);
    expect(await tag(TITLES, { accept: "application/json" })).not.toBe(base);

    const withVariables = "query Page($n: Int, $section: String) { articles(first: $n, section: $section) { totalCount } }";
    const variables = (value: object) => `&variables=${encodeURIComponent(JSON.stringify(value))}`;
    const ordered = await tag(withVariables, {}, variables({ n: 2, section: "technology" }));
    expect(await tag(withVariables, {}, variables({ section: "technology", n: 2 }))).toBe(ordered);
    expect(await tag(withVariables, {}, variables({ n: 3, section: "technology" }))).not.toBe(ordered);
    expect(await tag(withVariables, {}, `${variables({ n: 2, section: "technology" })}&operationName=Page`)).not.toBe(ordered);
  });

  it("sends POST answers and error answers with no-store and no ETag", async () => {
    const post = await gateway.fetch(`${gateway.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: TITLES }),
    });
    expect(post.status).toBe(200);
    expect(post.headers.get("cache-control")).toBe("no-store");
    expect(post.headers.get("etag")).toBeNull();
    const error = await get("{ articles(first: 500) { totalCount } }");
    expect((await error.json()).errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(error.headers.get("cache-control")).toBe("no-store");
    expect(error.headers.get("etag")).toBeNull();
  });

  it("changes the tag and serves the new content when a source changes, and a stale tag gets 200, not 304", async () => {
    const before = await get(TITLES);
    const oldTag = before.headers.get("etag")!;
    expect(await before.text()).toContain("First edition");

    upstream.state.title = "Second edition";
    clock += 1_001;
    const after = await getUntil(TITLES, (body) => body.includes("Second edition"));
    const newTag = after.headers.get("etag")!;
    expect(newTag).not.toBe(oldTag);

    const revalidated = await get(TITLES, { "if-none-match": oldTag });
    expect(revalidated.status).toBe(200);
    expect(revalidated.headers.get("etag")).toBe(newTag);
    expect(await revalidated.text()).toContain("Second edition");
    expect((await get(TITLES, { "if-none-match": newTag })).status).toBe(304);
  });

  it("changes the tag when a source starts failing, though its last good articles stay", async () => {
    const query = "{ articles { totalCount } sources { status { ok } } }";
    const healthy = await get(query);
    expect(await healthy.text()).toContain('"ok":true');
    upstream.state.failing = true;
    try {
      clock += 1_001;
      const failing = await getUntil(query, (body) => body.includes('"ok":false'));
      expect(await failing.clone().text()).toContain('"totalCount":1');
      expect(failing.headers.get("etag")).not.toBe(healthy.headers.get("etag"));
      expect((await get(query, { "if-none-match": healthy.headers.get("etag")! })).status).toBe(200);
    } finally {
      upstream.state.failing = false;
    }
  });
});

describe("max-age", () => {
  it("is what the sources have left of their freshness, at most the smallest refreshSeconds", async () => {
    const upstream = await startLiveUpstream();
    // Not 0: lru-cache reads a start time of 0 as "no TTL".
    let clock = 1_000_000;
    const gateway = await openGateway(
      {
        sources: [
          { id: "live", name: "Live", url: upstream.server.url("/live.rss"), section: "technology", refreshSeconds: 300 },
          { id: "other", name: "Other", url: upstream.server.url("/other.rss"), section: "science", refreshSeconds: 120 },
        ],
      },
      { monotonicNow: () => clock, random: () => 0.5 },
    );
    const maxAge = async () =>
      (await gateway.fetch(`${gateway.url}/graphql?query=${encodeURIComponent(TITLES)}`)).headers.get("cache-control");
    try {
      expect(await maxAge()).toBe("public, max-age=120");
      clock += 100_000;
      // Both sources are still fresh, with 20 s and 200 s left.
      expect(await maxAge()).toBe("public, max-age=20");
    } finally {
      await gateway.close();
      await upstream.server.close();
    }
  });

  it("is short while a failing source waits for its retry", async () => {
    const upstream = await startLiveUpstream();
    const gateway = await openGateway(
      {
        sources: [
          { id: "live", name: "Live", url: upstream.server.url("/live.rss"), section: "technology", refreshSeconds: 3600 },
          { id: "gone", name: "Gone", url: upstream.server.url("/gone.rss"), section: "science", refreshSeconds: 3600 },
        ],
      },
      { monotonicNow: () => 1_000_000, random: () => 0.5 },
    );
    try {
      const response = await gateway.fetch(`${gateway.url}/graphql?query=${encodeURIComponent(TITLES)}`);
      const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get("cache-control") ?? "")?.[1]);
      expect(maxAge).toBeGreaterThan(0);
      // The feed cache retries a failed source within minutes, not after the hour a good read lasts.
      expect(maxAge).toBeLessThan(3600);
    } finally {
      await gateway.close();
      await upstream.server.close();
    }
  });
});
