import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadSourcesFile } from "../../src/config/sources-file.ts";
import { createGateway, type GatewayDeps } from "../../src/create-gateway.ts";
import { listen, type ListenOptions } from "../../src/http/server/server.ts";
import { parsePartnersConfig } from "../../src/partners/partners-file.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { TEST_SECTIONS } from "../helpers/gateway.ts";
import { subscribeSse } from "./sse-client.ts";
import { handshake, wsClient } from "./ws-client.ts";

/** GraphQL over WebSocket (graphql-ws, graphql-transport-ws) on /graphql, with real clients on 127.0.0.1. */
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const HEADLINES = [
  "Quantum chip startup raises funding",
  "Regulators probe cloud pricing",
  "Battery plant opens in Nevada",
  "Satellite broadband expands coverage",
];
const rss = (count: number) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>a</title><link>https://news.example/</link>${HEADLINES.slice(0, count)
    .map(
      (title, i) =>
        `<item><title>${title}</title><link>https://news.example/a/${i}</link><guid isPermaLink="false">tag:news.example,2026:a-${i}</guid><pubDate>${new Date(Date.UTC(2026, 0, 1, i)).toUTCString()}</pubDate></item>`,
    )
    .join("")}</channel></rss>`;

const ADDED = "subscription ($section: String) { articleAdded(section: $section) { title url section { slug } } }";
const SECTIONS = "{ sections { slug } }";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const ALPHA = { key: "alpha-5d1e0c77", origin: "https://alpha.example", perMinute: 4 };
/** `anonymous`: false refuses requests without a key. */
const partners = (anonymous: unknown) =>
  parsePartnersConfig(
    {
      anonymous,
      partners: [{ name: "Alpha", keyHash: sha256(ALPHA.key), allowedOrigins: [ALPHA.origin], requestsPerMinute: ALPHA.perMinute }],
    },
    "/srv/partners.json",
  );

/** A gateway on 127.0.0.1 over one RSS feed whose body the test changes, listening with `options`. */
async function start(deps: Omit<GatewayDeps, "config"> = {}, options: ListenOptions = {}) {
  let body = rss(2);
  const upstream = await startFixtureServer({
    "/a.xml": (_req: unknown, res: import("node:http").ServerResponse) =>
      void res.writeHead(200, { "content-type": "application/rss+xml" }).end(body),
  });
  closers.push(upstream.close);
  const dir = await mkdtemp(path.join(tmpdir(), "newsgate-ws-"));
  const file = path.join(dir, "sources.json");
  await writeFile(
    file,
    JSON.stringify({
      sections: TEST_SECTIONS,
      sources: [{ id: "a", name: "A", url: upstream.url("/a.xml"), section: "technology", refreshSeconds: 600 }],
    }),
  );
  const gateway = createGateway({ config: await loadSourcesFile(file), random: () => 0.5, ...deps });
  const running = await listen(gateway.app, 0, "127.0.0.1", options);
  // As src/main.ts shuts down: the gateway's live streams end and the server drains at once, so a
  // WebSocket client is told 1001 before its subscriptions' streams complete.
  const close = async () => {
    const shutdown = gateway.shutdown();
    await running.close();
    await shutdown;
  };
  closers.push(close);
  await gateway.store.catalog();
  /** Sets the feed's body, reads it now and rebuilds the catalog, as the refresher does. */
  const publish = async (count: number) => {
    body = rss(count);
    await gateway.refreshSource("a");
    await gateway.store.catalog();
  };
  const client = (options: Parameters<typeof wsClient>[1] = {}) => {
    const made = wsClient(running.url, options);
    closers.push(made.dispose);
    return made;
  };
  return { gateway, url: running.url, close, publish, client };
}

describe("GraphQL over WebSocket", () => {
  it("delivers articleAdded to a graphql-ws subscriber when a source adds an article, while SSE still does", async () => {
    const { url, publish, client } = await start();
    const ws = client().subscribe(ADDED, { section: "technology" });
    const sse = await subscribeSse(url, ADDED);
    closers.push(sse.close);
    // Subscribed once the server has taken the operation: a query on the same socket answered after it.
    await client().run(SECTIONS);
    await new Promise((r) => setTimeout(r, 200));
    await publish(3);
    const [first] = await ws.waitFor(1);
    expect(first!.errors).toBeUndefined();
    expect(first!.data.articleAdded).toEqual({ title: HEADLINES[2], url: "https://news.example/a/2", section: { slug: "technology" } });
    const [overSse] = await sse.waitFor(1);
    expect(overSse!.data.articleAdded.title).toBe(HEADLINES[2]);
  });

  it("answers a query, and refuses an operation over a limit with its code while the connection lives on", async () => {
    const { client } = await start();
    const ws = client();
    expect(await ws.run(SECTIONS)).toEqual([{ data: { sections: expect.arrayContaining([{ slug: "technology" }]) } }]);

    const refused = async (query: string, variables?: Record<string, unknown>) => {
      const error = await ws.run(query, variables).then(
        (results) => results,
        (errors: unknown) => errors,
      );
      return (Array.isArray(error) ? error : [error]).flatMap((e: any) => e.errors ?? [e]).map((e: any) => e.extensions?.code ?? e.message);
    };
    // Depth (over 12 levels), aliases (over 15), tokens (over 2000), cost (over 5000): the HTTP plugins, through Yoga's envelop.
    const deep = `{ articles(first: 1) { edges { node { related { article { related { article { related { article { related { article { related { article { title } } } } } } } } } } } } } }`;
    expect(await refused(deep)).toEqual(["QUERY_TOO_DEEP"]);
    expect(await refused(`{ ${Array.from({ length: 20 }, (_, i) => `s${i}: sections { slug }`).join(" ")} }`)).toEqual([
      "TOO_MANY_ALIASES",
    ]);
    expect(await refused(`{ sections { ${"slug ".repeat(2100)} } }`)).toEqual(["TOO_MANY_TOKENS"]);
    expect(
      await refused("query ($n: Int) { articles(first: $n) { edges { node { related(first: 100) { article { sources { id } } } } } } }", {
        n: 100,
      }),
    ).toEqual(["QUERY_TOO_COSTLY"]);
    expect(await refused("{ sections { slug")).toEqual([expect.stringMatching(/Syntax Error/)]);
    // The same connection still answers.
    expect((await ws.run(SECTIONS))[0]!.data.sections.length).toBeGreaterThan(0);
    expect(ws.closes).toEqual([]); // One connection all along.
  });

  it("closes a connection whose message is larger than an HTTP body may be (1009)", async () => {
    const { client } = await start({}, { webSocket: { maxMessageBytes: 2_000 } });
    const ws = client();
    await expect(ws.run(`{ sections { slug } } # ${"x".repeat(3_000)}`)).rejects.toMatchObject({ code: 1009 });
  });

  it("refuses the legacy subscriptions-transport-ws subprotocol, and a WebSocket without graphql-transport-ws, with 400", async () => {
    const { url } = await start();
    const legacy = await handshake(url, { protocols: ["graphql-ws"] });
    expect(legacy.status).toBe(400);
    expect(legacy.body.errors[0].extensions.code).toBe("SUBPROTOCOL_NOT_ACCEPTABLE");
    expect(legacy.body.errors[0].message).toMatch(/subscriptions-transport-ws/);
    expect((await handshake(url, { protocols: [] })).status).toBe(400);
    // A WebSocket to another path is a plain request there, as before.
    const elsewhere = await handshake(url, { path: "/health" });
    expect(elsewhere.status).toBe(200);
  });
});

describe("GraphQL over WebSocket in allow-list mode", () => {
  it("runs only listed operations, named by their hash, as HTTP does", async () => {
    const persistedOperations = { file: "/srv/operations.json", documents: new Map([[sha256(SECTIONS), SECTIONS]]) };
    // The list is the app's: listen passes it to WebSocket without being told (a caller that forgot would run anything).
    const { client } = await start({ http: { persistedOperations } });
    const ws = client();
    const codes = (errors: any) => (Array.isArray(errors) ? errors : [errors]).map((e: any) => e.extensions?.code);
    expect(codes(await ws.run(SECTIONS).catch((e) => e))).toEqual(["PERSISTED_QUERY_ONLY"]);
    const byHash = await new Promise<any[]>((resolve, reject) => {
      const results: any[] = [];
      ws.client.subscribe(
        { query: "", extensions: { persistedQuery: { version: 1, sha256Hash: sha256(SECTIONS) } } },
        { next: (r) => void results.push(r), error: reject, complete: () => resolve(results) },
      );
    });
    expect(byHash[0].data.sections.length).toBeGreaterThan(0);
    const unknown = await new Promise((resolve) =>
      ws.client.subscribe(
        { query: "", extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } },
        { next: () => undefined, error: resolve, complete: () => resolve([]) },
      ),
    );
    expect(codes(unknown)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
  });
});

describe("GraphQL over WebSocket behind the partner gate", () => {
  it("refuses an unknown key and a foreign origin at the handshake with the HTTP codes", async () => {
    const { url } = await start({ partners: partners({ requestsPerMinute: 100 }) });
    const unknownKey = await handshake(url, { path: "/graphql?key=nope" });
    expect([unknownKey.status, unknownKey.body.errors[0].extensions.code]).toEqual([401, "UNAUTHENTICATED"]);
    const foreign = await handshake(url, { headers: { origin: "https://evil.example" } });
    expect([foreign.status, foreign.body.errors[0].extensions.code]).toEqual([403, "FORBIDDEN"]);
    const wrongOriginForKey = await handshake(url, { headers: { origin: "https://evil.example", "x-api-key": ALPHA.key } });
    expect([wrongOriginForKey.status, wrongOriginForKey.body.errors[0].extensions.code]).toEqual([403, "FORBIDDEN"]);
    // The partner's own origin, with its key in the URL: accepted.
    const ok = await handshake(url, { path: `/graphql?key=${ALPHA.key}`, headers: { origin: ALPHA.origin } });
    expect(ok.status).toBe(101);
    ok.socket!.terminate();
  });

  it("takes the key from connectionParams, closes with 4401 without a valid one, and counts each operation against the budget HTTP spends", async () => {
    const { url, client } = await start({ partners: partners(false) });
    const noKey = client();
    await expect(noKey.run(SECTIONS)).rejects.toMatchObject({ code: 4401 });
    const badKey = client({ connectionParams: { key: "nope" } });
    await expect(badKey.run(SECTIONS)).rejects.toMatchObject({ code: 4401, reason: expect.stringMatching(/^UNAUTHENTICATED/) });

    const alpha = client({ connectionParams: { key: ALPHA.key } });
    // The connection costs 1, each operation 1: 4 a minute leaves 3 operations... one of them over HTTP.
    expect((await alpha.run(SECTIONS))[0]!.data).toBeTruthy();
    expect((await alpha.run(SECTIONS))[0]!.data).toBeTruthy();
    expect((await fetch(`${url}/graphql?query=${encodeURIComponent(SECTIONS)}`, { headers: { "x-api-key": ALPHA.key } })).status).toBe(200);
    const over = await alpha.run(SECTIONS).catch((errors: any[]) => errors);
    expect((over as any[])[0].extensions.code).toBe("RATE_LIMITED");
    expect((await fetch(`${url}/graphql?query=${encodeURIComponent(SECTIONS)}`, { headers: { "x-api-key": ALPHA.key } })).status).toBe(429);
  });
});

describe("GraphQL over WebSocket: bounds and shutdown", () => {
  it("bounds connections per address and in all, and operations per connection", async () => {
    const perAddress = await start({}, { webSocket: { maxConnectionsPerAddress: 2, maxOperationsPerConnection: 2 } });
    const a = await handshake(perAddress.url);
    const b = await handshake(perAddress.url);
    const third = await handshake(perAddress.url);
    expect([third.status, third.body.errors[0].extensions.code]).toEqual([429, "TOO_MANY_CONNECTIONS"]);
    // A closed one frees its place.
    a.socket!.close();
    await new Promise((r) => a.socket!.once("close", r));
    await new Promise((r) => setTimeout(r, 50));
    const again = await handshake(perAddress.url);
    expect(again.status).toBe(101);
    b.socket!.terminate();
    again.socket!.terminate();

    const ws = perAddress.client();
    const one = ws.subscribe(ADDED);
    const two = ws.subscribe(ADDED);
    const three = ws.run(ADDED).catch((errors: any[]) => errors);
    expect(((await three) as any[])[0].extensions.code).toBe("TOO_MANY_OPERATIONS");
    expect([one.failure(), two.failure()]).toEqual([null, null]);

    const inAll = await start({}, { webSocket: { maxConnections: 1 } });
    const only = await handshake(inAll.url);
    const refused = await handshake(inAll.url);
    expect([refused.status, refused.body.errors[0].extensions.code]).toEqual([503, "TOO_MANY_CONNECTIONS"]);
    only.socket!.terminate();
  });

  it("closes WebSocket connections with 1001 when the server drains, and the drain does not wait on them", async () => {
    const { client, close } = await start();
    const ws = client();
    const live = ws.subscribe(ADDED);
    await ws.run(SECTIONS);
    const started = Date.now();
    await close();
    expect(Date.now() - started).toBeLessThan(3_000);
    await expect.poll(() => ws.closes.map((c) => c.code)).toEqual([1001]);
    // The subscription ends with the close (graphql-ws clients reconnect after 1001, when they retry).
    expect(live.failure()).toMatchObject({ code: 1001 });
  });
});
