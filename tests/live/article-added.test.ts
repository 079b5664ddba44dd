import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import { encodeGlobalId } from "../../src/graphql/global-id.ts";
import { articleId } from "../../src/ingest/normalize.ts";
import { CACHE_STATUS_HEADER } from "../../src/http/edge-cache/edge-cache.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";
import { TEST_SECTIONS } from "../helpers/gateway.ts";
import { sourceIdsOf } from "../../src/store/catalog/catalog-article.ts";
import { subscribeSse, type SseSubscription } from "./sse-client.ts";

const closers: (() => unknown)[] = [];
afterEach(async () => {
  // Streams first: a server drains open requests before it closes.
  for (const close of closers.splice(0).reverse()) await close();
});

/** Headlines with no words in common, so no two stories merge as near-duplicates. */
const HEADLINES: Record<string, string[]> = {
  a: [
    "Quantum chip startup raises funding",
    "Regulators probe cloud pricing",
    "Battery plant opens in Nevada",
    "Satellite broadband expands coverage",
  ],
  b: [
    "Astronomers map distant galaxy",
    "Volcano eruption reshapes island",
    "Glacier melt accelerates sharply",
    "Ancient genome reveals migration",
  ],
};

/** An RSS body with a feed's headlines `from` to `count`, each with its own link, global guid and date. */
function rss(feed: string, count: number, from = 0): string {
  const items = HEADLINES[feed]!.slice(from, count)
    .map((title, i) => item(title, `https://news.example/${feed}/${from + i}`, `tag:news.example,2026:${feed}-${from + i}`, from + i))
    .join("");
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${feed}</title><link>https://news.example/</link>${items}</channel></rss>`;
}
const item = (title: string, link: string, guid: string, hour: number) =>
  `<item><title>${title}</title><link>${link}</link><guid isPermaLink="false">${guid}</guid><pubDate>${new Date(Date.UTC(2026, 0, 1, hour)).toUTCString()}</pubDate></item>`;
const H = (feed: string, n: number) => HEADLINES[feed]![n]!;

const ADDED =
  "subscription ($section: String, $source: ID) { articleAdded(section: $section, source: $source) { id title url section { slug } sources { sourceId } } }";

/** Feeds whose bodies the test changes, each an RSS feed of `count` items tagged with the feed's name. */
async function setup(feeds: { id: string; section: string; count: number }[], startWith = feeds.map((feed) => feed.id)) {
  const bodies = new Map(feeds.map((feed) => [feed.id, rss(feed.id, feed.count)]));
  const upstream = await startFixtureServer(
    Object.fromEntries(
      feeds.map((feed) => [
        `/${feed.id}.xml`,
        (_req: unknown, res: import("node:http").ServerResponse) =>
          void res.writeHead(200, { "content-type": "application/rss+xml" }).end(bodies.get(feed.id)),
      ]),
    ),
  );
  closers.push(upstream.close);
  const sources = feeds.map((feed) => ({
    id: feed.id,
    name: feed.id.toUpperCase(),
    url: upstream.url(`/${feed.id}.xml`),
    section: feed.section,
    refreshSeconds: 600,
  }));
  const gateway = await openGateway({ sources: sources.filter((source) => startWith.includes(source.id)) });
  closers.push(gateway.close);
  await gateway.warmUp();
  const subscribe = async (variables?: Record<string, unknown>) => {
    const subscription = await subscribeSse(gateway, ADDED, variables);
    closers.push(subscription.close);
    return subscription;
  };
  /** Sets a feed's body, reads it now and rebuilds the catalog, as the refresher does. */
  const publish = async (changes: Record<string, string>) => {
    for (const [id, body] of Object.entries(changes)) bodies.set(id, body);
    for (const id of Object.keys(changes)) await gateway.refreshSource(id);
    await gateway.store.catalog();
  };
  return { gateway, upstream, sources, subscribe, publish };
}

const titles = (subscription: SseSubscription) => subscription.payloads.map((payload) => payload.data?.articleAdded?.title ?? payload);

describe("subscription articleAdded over Server-Sent Events", () => {
  it("delivers an article added to a feed exactly once, and nothing for a refresh that changed nothing", async () => {
    const { subscribe, publish } = await setup([{ id: "a", section: "technology", count: 2 }]);
    const subscriber = await subscribe();
    expect(subscriber.response.status).toBe(200);
    expect(subscriber.response.headers.get("content-type")).toMatch(/^text\/event-stream/);

    await publish({ a: rss("a", 3) });
    const [first] = await subscriber.waitFor(1);
    expect(first!.errors).toBeUndefined();
    expect(first!.data.articleAdded).toMatchObject({
      title: H("a", 2),
      url: "https://news.example/a/2",
      section: { slug: "technology" },
      sources: [{ sourceId: "a" }],
    });

    await publish({ a: rss("a", 3) }); // Read again, same content: no new article.
    await publish({ a: rss("a", 4) }); // The marker: once it arrives, anything earlier has too.
    await subscriber.waitFor(2);
    expect(titles(subscriber)).toEqual([H("a", 2), H("a", 3)]);
  });

  it("delivers to each subscriber only its section's or its source's articles (a source by its id or its global id)", async () => {
    const { subscribe, publish } = await setup([
      { id: "a", section: "technology", count: 1 },
      { id: "b", section: "science", count: 1 },
    ]);
    const everything = await subscribe();
    const technology = await subscribe({ section: "technology" });
    const fromB = await subscribe({ source: encodeGlobalId("Source", "b") });
    const fromA = await subscribe({ source: "a" });

    await publish({ a: rss("a", 2), b: rss("b", 2) });
    await publish({ a: rss("a", 3), b: rss("b", 3) });
    await Promise.all([everything.waitFor(4), technology.waitFor(2), fromB.waitFor(2), fromA.waitFor(2)]);
    expect(titles(everything).sort()).toEqual([H("a", 1), H("b", 1), H("a", 2), H("b", 2)].sort());
    expect(titles(technology)).toEqual([H("a", 1), H("a", 2)]);
    expect(titles(fromA)).toEqual([H("a", 1), H("a", 2)]);
    expect(titles(fromB)).toEqual([H("b", 1), H("b", 2)]);
  });

  it("does not announce a story again when a second source carries it too, even when the merge changes its id", async () => {
    const { gateway, subscribe, publish } = await setup([
      { id: "a", section: "technology", count: 2 },
      { id: "b", section: "technology", count: 1 },
    ]);
    const subscriber = await subscribe();
    // Feed b now carries a's story 1 under another link with the same global guid: one story. The
    // link is picked so that b's copy has the smaller id, which the merged story then takes.
    const original = (await gateway.store.catalog()).byCanonicalUrl.get("https://news.example/a/1")!;
    let link = "";
    for (let n = 0; !link; n++) {
      const candidate = `https://news.example/copy/${n}`;
      if (articleId({ sourceId: "b", canonicalUrl: candidate, guid: null, title: "", published: null }) < original.id) link = candidate;
    }
    await publish({ b: rss("b", 1).replace("</channel>", `${item(H("a", 1), link, "tag:news.example,2026:a-1", 1)}</channel>`) });
    // Builds are at least MIN_REBUILD_INTERVAL_MS apart: the merge may show in the next one.
    const merged = await vi.waitFor(async () => {
      const story = (await gateway.store.catalog()).byCanonicalUrl.get("https://news.example/a/1")!;
      expect(sourceIdsOf(story)).toEqual(["a", "b"]);
      return story;
    });
    expect(merged.id).not.toBe(original.id);
    await publish({ a: rss("a", 3) });
    await subscriber.waitFor(1);
    await publish({ b: rss("b", 2) });
    await subscriber.waitFor(2);
    expect(titles(subscriber)).toEqual([H("a", 2), H("b", 1)]);
  });

  it("takes what a reload brings in as the new baseline, not as new articles", async () => {
    const { gateway, sources, subscribe, publish } = await setup(
      [
        { id: "a", section: "technology", count: 2 },
        { id: "b", section: "science", count: 2 },
      ],
      ["a"],
    );
    const subscriber = await subscribe();
    // Source b, never read before, comes in with its two stories: the first build after the reload is a baseline.
    await gateway.reload(parseSourcesConfig({ sections: TEST_SECTIONS, sources }, path.join(gateway.dir, "sources.json")));
    expect((await gateway.store.catalog()).articles).toHaveLength(4);
    await publish({ a: rss("a", 3) });
    await subscriber.waitFor(1);
    expect(titles(subscriber)).toEqual([H("a", 2)]);
  });

  it("refuses an unknown source, a malformed id and an unknown section with BAD_USER_INPUT", async () => {
    const { subscribe } = await setup([{ id: "a", section: "technology", count: 1 }]);
    for (const [variables, argument] of [
      [{ source: "nope" }, "source"],
      [{ source: encodeGlobalId("Article", "a") }, "source"],
      [{ source: "%%%" }, "source"],
      [{ section: "sport" }, "section"],
    ] as const) {
      const subscriber = await subscribe(variables);
      await subscriber.completed;
      expect(subscriber.payloads).toHaveLength(1);
      expect(subscriber.payloads[0]!.errors![0].extensions).toEqual({ code: "BAD_USER_INPUT", argument });
    }
  });

  it("refuses subscriptions over the request limits: too deep, too costly", async () => {
    const { gateway, publish } = await setup([{ id: "a", section: "technology", count: 1 }]);
    const nested = (levels: number, first: number) =>
      `subscription { articleAdded { ${"related(first: FIRST) { article { ".repeat(levels)}title${" } }".repeat(levels)} } }`.replaceAll(
        "FIRST",
        String(first),
      );
    for (const [query, code] of [
      [nested(6, 1), "QUERY_TOO_DEEP"],
      [nested(3, 100), "QUERY_TOO_COSTLY"],
    ] as const) {
      const subscriber = await subscribeSse(gateway, query);
      closers.push(subscriber.close);
      await subscriber.completed;
      expect(subscriber.payloads.map((payload) => payload.errors?.[0]?.extensions?.code)).toEqual([code]);
    }
    const modest = await subscribeSse(gateway, nested(2, 3));
    closers.push(modest.close);
    await publish({ a: rss("a", 2) });
    const [event] = await modest.waitFor(1);
    expect(event!.errors).toBeUndefined();
    expect(event!.data.articleAdded.related).toBeInstanceOf(Array);
  });

  it("holds subscriptions to the cost limit the gateway was configured with, not only the default", async () => {
    const strict = await openGateway({ sources: [] }, { http: { limits: { maxCost: 5 } } });
    try {
      // Cost 1 + 3 related = 4: allowed; 1 + 10 = 11: over this gateway's limit, far under the default 5000.
      const allowed = await subscribeSse(strict, "subscription { articleAdded { title related(first: 3) { score } } }");
      closers.push(allowed.close);
      const refused = await subscribeSse(strict, "subscription { articleAdded { title related(first: 10) { score } } }");
      closers.push(refused.close);
      await refused.completed;
      expect(refused.payloads.map((payload) => payload.errors?.[0]?.extensions?.code)).toEqual(["QUERY_TOO_COSTLY"]);
      expect(refused.payloads[0]!.errors![0].message).toMatch(/cost limit of 5 exceeded, found 11/);
      expect(allowed.payloads).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it("ends every live stream with `complete` when the gateway shuts down, so the drain does not wait on them", async () => {
    const quiet = await openGateway({ sources: [] });
    const streams = await Promise.all(
      [0, 1].map(async () => {
        const response = await quiet.fetch(`${quiet.url}/graphql?query=${encodeURIComponent("subscription { articleAdded { title } }")}`, {
          headers: { accept: "text/event-stream" },
        });
        expect(response.status).toBe(200);
        const decoder = new TextDecoder();
        // Wrapped: an async function returning the reading promise itself would wait for the stream to end.
        const reading = (async () => {
          let text = "";
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
          return text;
        })();
        return { reading };
      }),
    );
    // Without the shutdown, the drain would wait for these streams until it gave up and cut them (reading would throw).
    await quiet.close();
    for (const text of await Promise.all(streams.map((stream) => stream.reading))) expect(text).toMatch(/event: complete/);
  });

  it("goes around the edge cache and HTTP caching: every subscriber gets its own live stream", async () => {
    const { subscribe, publish } = await setup([{ id: "a", section: "technology", count: 1 }]);
    const first = await subscribe();
    const second = await subscribe();
    for (const { response } of [first, second]) {
      expect(response.headers.get(CACHE_STATUS_HEADER)).toBeNull();
      expect(response.headers.get("etag")).toBeNull();
      expect(response.headers.get("cache-control")).not.toMatch(/public|max-age/);
    }
    await publish({ a: rss("a", 2) });
    await Promise.all([first.waitFor(1), second.waitFor(1)]);
    const third = await subscribe();
    await publish({ a: rss("a", 3) });
    await Promise.all([first.waitFor(2), second.waitFor(2), third.waitFor(1)]);
    expect(titles(third)).toEqual([H("a", 2)]);
    expect(titles(second)).toEqual(titles(first));
  });
});
