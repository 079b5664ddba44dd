import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/http/server/app.ts";
import { CACHE_STATUS_HEADER } from "../../src/http/edge-cache/edge-cache.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

const rss = (titles: string[]) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>Edge</title>${titles
    .map(
      (t, i) =>
        `<item><title>${t}</title><link>https://edge.example/${encodeURIComponent(t)}</link><pubDate>${new Date(Date.UTC(2026, 9, 1, i)).toUTCString()}</pubDate></item>`,
    )
    .join("")}</channel></rss>`;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function setup(initialTitles = ["First story", "Second story"]) {
  let titles = initialTitles;
  let status = 200;
  const upstream = await startFixtureServer({
    "/edge.rss": (_req, res) => {
      if (status !== 200) return void res.writeHead(status).end();
      res.writeHead(200, { "content-type": "application/rss+xml" }).end(rss(titles));
    },
  });
  let clock = 1_000_000;
  const gateway = await openGateway(
    { sources: [{ id: "edge", name: "Edge", url: upstream.url("/edge.rss"), section: "technology", refreshSeconds: 60 }] },
    { monotonicNow: () => clock },
  );
  closers.push(gateway.close, upstream.close);
  // As the background refresher does at start: every source read once before the first request.
  await gateway.warmUp();
  const post = async (query: string, variables?: unknown, accept = "application/json") => {
    const response = await gateway.fetch(`${gateway.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept },
      body: JSON.stringify({ query, variables }),
    });
    return {
      cache: response.headers.get(CACHE_STATUS_HEADER),
      headers: response.headers,
      status: response.status,
      body: await response.json(),
    };
  };
  const get = async (query: string, headers: Record<string, string> = {}) => {
    const response = await gateway.fetch(`${gateway.url}/graphql?query=${encodeURIComponent(query)}`, {
      headers: { accept: "application/json", ...headers },
    });
    return {
      cache: response.headers.get(CACHE_STATUS_HEADER),
      headers: response.headers,
      status: response.status,
      text: await response.text(),
    };
  };
  return {
    gateway,
    upstream,
    post,
    get,
    setTitles: (next: string[]) => (titles = next),
    setStatus: (next: number) => (status = next),
    advance: (ms: number) => (clock += ms),
  };
}

const TITLES = "{ articles(first: 10) { edges { node { title } } } }";

describe("the edge cache", () => {
  it("answers a repeated query with the stored bytes, POST and GET, formatting and variable order aside", async () => {
    const { post, get } = await setup();
    const first = await post(TITLES);
    expect(first.cache).toBe("miss");
    // Kept on its second miss (see MAX_SEEN_KEYS), then served from the cache.
    expect((await post(TITLES)).cache).toBe("miss");
    const again = await post(TITLES);
    expect(again.cache).toBe("hit");
    expect(again.body).toEqual(first.body);
    // The same operation, formatted differently: found by its normalized form.
    expect((await post("{\n  articles(first: 10) {\n    edges { node { title } }\n  }\n}")).cache).toBe("hit");
    const withVariables = "query($n: Int, $s: String) { articles(first: $n, section: $s) { totalCount } }";
    expect((await post(withVariables, { n: 1, s: "technology" })).cache).toBe("miss");
    expect((await post(withVariables, { s: "technology", n: 1 })).cache).toBe("miss");
    expect((await post(withVariables, { s: "technology", n: 1 })).cache).toBe("hit");
    expect((await post(withVariables, { n: 2, s: "technology" })).cache).toBe("miss");
    expect((await get(TITLES)).cache).toBe("miss");
    expect((await get(TITLES)).cache).toBe("miss");
    const hitByGet = await get(TITLES);
    expect(hitByGet.cache).toBe("hit");
    expect(JSON.parse(hitByGet.text)).toEqual(first.body);
  });

  it("gives answers with characters beyond ASCII their exact length in bytes, by Yoga, by direct execution and from the cache", async () => {
    const title = "Café über 日本 — “quoted” 🚀";
    const { gateway } = await setup([title, "Second story"]);
    const query = "query($n: Int) { articles(first: $n) { edges { node { title } } } }";
    const ask = async (n: number) => {
      const response = await gateway.fetch(`${gateway.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query, variables: { n } }),
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      return { cache: response.headers.get(CACHE_STATUS_HEADER), length: Number(response.headers.get("content-length")), bytes };
    };
    // The first answer of an operation is Yoga's, the next with new variables direct execution's (kept on
    // their second miss), then a repeat is a hit.
    const answers = [await ask(10), await ask(5), await ask(5), await ask(5)];
    expect(answers.map((a) => a.cache)).toEqual(["miss", "miss", "miss", "hit"]);
    for (const answer of answers) {
      expect(answer.length).toBe(answer.bytes.length);
      expect(JSON.parse(answer.bytes.toString("utf8")).data.articles.edges.map((e: { node: { title: string } }) => e.node.title)).toContain(
        title,
      );
    }
    expect(answers[3]!.bytes.equals(answers[1]!.bytes)).toBe(true);
  });

  it("keeps GET's validators on a hit: ETag, max-age and 304", async () => {
    const { get } = await setup();
    await get(TITLES);
    const miss = await get(TITLES);
    const etag = miss.headers.get("etag")!;
    expect(etag).toMatch(/^W\//);
    const hit = await get(TITLES);
    expect([hit.cache, hit.headers.get("etag"), hit.headers.get("cache-control")]).toEqual(["hit", etag, "public, max-age=60"]);
    const revalidated = await get(TITLES, { "if-none-match": etag });
    expect([revalidated.status, revalidated.text]).toEqual([304, ""]);
  });

  it("serves the new answer once a source's content changed", async () => {
    const { post, setTitles, advance } = await setup();
    expect((await post(TITLES)).body.data.articles.edges).toHaveLength(2);
    await post(TITLES);
    expect((await post(TITLES)).cache).toBe("hit");
    setTitles(["First story", "Second story", "Breaking story"]);
    advance(61_000); // past the TTL: the cache must not answer from the old catalog
    const next = await post(TITLES);
    expect(next.cache).not.toBe("hit");
    let titles: string[] = [];
    for (let i = 0; i < 100; i++) {
      titles = (await post(TITLES)).body.data.articles.edges.map((e: any) => e.node.title);
      if (titles.length === 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(titles).toEqual(["Breaking story", "Second story", "First story"]);
    expect((await post(TITLES)).cache).toBe("hit");
  });

  it("follows source health and status even when the content does not change", async () => {
    const { post, setStatus, advance } = await setup();
    const STATUS = "{ sources { status { ok errorCode } } }";
    expect((await post(STATUS)).body.data.sources[0].status.ok).toBe(true);
    await post(STATUS);
    expect((await post(STATUS)).cache).toBe("hit");
    setStatus(503);
    advance(61_000);
    let status: any;
    for (let i = 0; i < 100; i++) {
      status = (await post(STATUS)).body.data.sources[0].status;
      if (!status.ok) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toEqual({ ok: false, errorCode: "HTTP_STATUS" });
  });

  it("never stores errors, and keeps answers apart by Accept", async () => {
    const { post } = await setup();
    const bad = "{ articles(first: 500) { totalCount } }";
    expect((await post(bad)).body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect((await post(bad)).cache).toBe("miss");
    await post(TITLES, undefined, "application/graphql-response+json");
    const other = await post(TITLES, undefined, "application/json");
    expect(other.cache).toBe("miss");
    expect(other.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("goes back to Yoga as soon as the first of several sources goes stale, and counts max-age down meanwhile", async () => {
    // The first source listed is the slow one, so a check of the first source alone would miss the fast one.
    const upstream = await startFixtureServer({
      "/slow.rss": (_req, res) => void res.writeHead(200, { "content-type": "application/rss+xml" }).end(rss(["Slow story"])),
      "/fast.rss": (_req, res) => void res.writeHead(200, { "content-type": "application/rss+xml" }).end(rss(["Fast story"])),
    });
    let clock = 1_000_000;
    const gateway = await openGateway(
      {
        sources: [
          { id: "slow", name: "Slow", url: upstream.url("/slow.rss"), section: "technology", refreshSeconds: 300 },
          { id: "fast", name: "Fast", url: upstream.url("/fast.rss"), section: "science", refreshSeconds: 60 },
        ],
      },
      { monotonicNow: () => clock },
    );
    closers.push(gateway.close, upstream.close);
    await gateway.warmUp();
    const get = async () => {
      const response = await gateway.fetch(`${gateway.url}/graphql?query=${encodeURIComponent(TITLES)}`, {
        headers: { accept: "application/json" },
      });
      await response.text();
      return [response.headers.get(CACHE_STATUS_HEADER), response.headers.get("cache-control")];
    };
    expect(await get()).toEqual(["miss", "public, max-age=60"]);
    expect(await get()).toEqual(["miss", "public, max-age=60"]);
    expect(await get()).toEqual(["hit", "public, max-age=60"]);
    clock += 20_500;
    expect(await get()).toEqual(["hit", "public, max-age=39"]);
    clock += 39_000;
    expect(await get()).toEqual(["hit", "public, max-age=0"]);
    clock += 1_000; // past the fast source's TTL, long before the slow one's
    expect((await get())[0]).not.toBe("hit");
  });

  it("answers bodies it cannot use as Yoga alone does, and bodies it parsed as Yoga would", async () => {
    const { gateway } = await setup();
    const plain = createApp({ store: gateway.store, articleEvents: gateway.articleEvents, edgeCache: false });
    const send = async (body: string) => {
      const init = { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body };
      const [edge, yoga] = await Promise.all([
        gateway.fetch(`${gateway.url}/graphql`, init),
        plain.yoga.fetch("http://localhost/graphql", init),
      ]);
      return { edge: { status: edge.status, body: await edge.json() }, yoga: { status: yoga.status, body: await yoga.json() } };
    };
    const bodies = [
      "{ not json",
      '"a string"',
      "null",
      "[]",
      '{"query": 42}',
      '{"query": ""}',
      '{"query": "{ articles(first: 1) { totalCount } }", "variables": 7}',
      '{"query": "{ articles(first: 1) { totalCount } }", "extensions": {"x": 1}}',
      '{"query": "query($n: Int!) { articles(first: $n) { totalCount } }", "variables": {"n": "two"}}',
    ];
    for (const body of bodies) {
      const { edge, yoga } = await send(body);
      expect(edge, body).toEqual(yoga);
    }
  });
});
