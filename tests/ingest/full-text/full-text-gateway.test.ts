import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PAGE_FRESH_MS } from "../../../src/ingest/full-text/page-cache.ts";
import { IngestPool } from "../../../src/ingest/ingest-pool.ts";
import { startFixtureServer } from "../../helpers/fixture-server.ts";
import { startGateway } from "../../helpers/gateway.ts";
import { ARTICLE_NAMES, ARTICLES, expectedParagraphs, pageBytes, teaserFeed, textOf } from "./pages.ts";

type Gateway = Awaited<ReturnType<typeof startGateway>>;

const teaser = (name: string) => `A short teaser for ${name}, the rest is on the page.`;
const PAGES = [...ARTICLE_NAMES, "hostile"];
/** The feed each test serves at /feed.xml; pages at /articles/<name> with an ETag. */
let feedBody = "";
let server: Awaited<ReturnType<typeof startFixtureServer>>;
/** If-None-Match of each page request, by page. */
const conditional = new Map<string, (string | undefined)[]>();
const hanging: ServerResponse[] = [];
/** The /slow/<n> pages: held until as many are in flight as the test allows, to see how many the gateway sends at once. */
const slow = { inFlight: 0, maxInFlight: 0, release: 2, waiting: [] as (() => void)[], remaining: 0 };

function servePage(name: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    conditional.set(name, [...(conditional.get(name) ?? []), req.headers["if-none-match"]]);
    const etag = `"${name}-v1"`;
    if (req.headers["if-none-match"] === etag) return void res.writeHead(304, { etag }).end();
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", etag }).end(pageBytes(name));
  };
}

beforeAll(async () => {
  const routes: Parameters<typeof startFixtureServer>[0] = {
    "/feed.xml": (_req, res) => void res.writeHead(200, { "content-type": "application/rss+xml" }).end(feedBody),
    "/missing": (_req, res) => void res.writeHead(404).end("gone"),
    "/hang": (_req, res) => void hanging.push(res),
    "/huge": (_req, res) =>
      void res.writeHead(200, { "content-type": "text/html" }).end(`<html><body>${"<p>padding</p>".repeat(8_000)}</body></html>`),
    "/json": (_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end("{}"),
    "/landing": (_req, res) => void res.writeHead(200, { "content-type": "text/html" }).end(pageBytes("mozilla-2")),
    "/short": (_req, res) =>
      void res
        .writeHead(200, { "content-type": "text/html" })
        .end(`<html><body><article><p>${"A page shorter than its feed's own text. ".repeat(8)}</p></article></body></html>`),
  };
  for (const name of PAGES) routes[`/articles/${name}`] = servePage(name);
  for (let i = 0; i < 8; i++)
    routes[`/slow/${i}`] = (_req, res) => {
      slow.inFlight++;
      slow.maxInFlight = Math.max(slow.maxInFlight, slow.inFlight);
      slow.waiting.push(() => {
        slow.inFlight--;
        slow.remaining--;
        res.writeHead(200, { "content-type": "text/html" }).end(pageBytes("ars-1"));
      });
      // Answer one whenever as many as allowed (or all that are left) wait: a gateway sending more at once is seen.
      while (slow.waiting.length > 0 && slow.waiting.length >= Math.min(slow.release, slow.remaining)) slow.waiting.shift()!();
    };
  server = await startFixtureServer(routes);
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  await server.close();
});

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  conditional.clear();
});

const articleFeed = (names: string[]) =>
  teaserFeed(names.map((name) => ({ title: `Story ${name}`, link: server.url(`/articles/${name}`), teaser: teaser(name) })));
const pageHits = () => PAGES.reduce((sum, name) => sum + server.hits(`/articles/${name}`), 0);

async function start(fullText: boolean, deps: Parameters<typeof startGateway>[1] = {}, source: Record<string, unknown> = {}) {
  gateway = await startGateway(
    { sources: [{ id: "news", name: "News", url: server.url("/feed.xml"), section: "technology", fullText, ...source }] },
    deps,
  );
  return gateway;
}

interface Node {
  title: string;
  url: string;
  contentHtml: string | null;
  readingTimeMinutes: number;
}

/** Reads the source now and, when it changed, waits for the catalog built from it (builds are spaced: the next may come later). */
async function refresh(g: Gateway): Promise<void> {
  let unsubscribe = () => {};
  const built = new Promise<void>((resolve) => {
    unsubscribe = g.store.onCatalogBuilt(() => resolve());
  });
  await g.refreshSource("news");
  if (g.store.currentCatalog() === null) {
    void g.store.catalog();
    await built;
  }
  unsubscribe();
}

async function articles(g: Gateway): Promise<Map<string, Node>> {
  const { data, errors } = await g.query<{ articles: { edges: { node: Node }[] } }>(
    "{ articles(first: 50) { edges { node { title url contentHtml readingTimeMinutes } } } }",
  );
  expect(errors).toBeUndefined();
  return new Map(data!.articles.edges.map(({ node }) => [node.url.split("/").pop()!, node]));
}

async function search(g: Gateway, query: string): Promise<string[]> {
  const { data } = await g.query<{ articles: { edges: { node: { url: string } }[] } }>(
    "query($q: String!) { articles(query: $q, first: 10) { edges { node { url } } } }",
    { q: query },
  );
  return data!.articles.edges.map(({ node }) => node.url.split("/").pop()!);
}

async function fullTextStatus(g: Gateway) {
  const { data, errors } = await g.query(
    "{ sources { status { fullText { extractedArticles failedArticles pendingArticles pagesRead extracted failed lastReadAt lastError { code url message } } } } }",
  );
  expect(errors).toBeUndefined();
  return data.sources[0].status.fullText;
}

describe("full text, end to end on loopback", () => {
  it("serves each teaser item with its page's article: contentHtml, reading time and search", async () => {
    feedBody = articleFeed(PAGES);
    const g = await start(true);
    const byName = await articles(g);
    for (const name of ARTICLE_NAMES) {
      const node = byName.get(name)!;
      const text = textOf(node.contentHtml!);
      const paragraphs = expectedParagraphs(name);
      expect(text).toContain(paragraphs[0]);
      expect(text).toContain(paragraphs.at(-1));
      for (const chrome of ARTICLES[name].absent) expect(text).not.toContain(chrome);
      expect(text).not.toContain(teaser(name));
    }
    // Le Monde's article is some 1,500 words: minutes, where the teaser took one.
    expect(byName.get("lemonde-1")!.readingTimeMinutes).toBeGreaterThanOrEqual(5);
    expect(byName.get("bbc-1")!.readingTimeMinutes).toBeGreaterThanOrEqual(3);
    // "Mojang" is only in the ars-1 page's last paragraph; "Untersinger" is a byline around Le Monde's article, not in it.
    expect(await search(g, "Mojang")).toEqual(["ars-1"]);
    expect(await search(g, "Untersinger")).toEqual([]);

    const hostile = byName.get("hostile")!.contentHtml!;
    expect(hostile).toContain("three container cranes were back at work");
    expect(hostile).not.toMatch(/<(script|iframe|svg|form|input|object|embed|style|meta)\b|\son\w+\s*=|javascript:/i);

    expect(await fullTextStatus(g)).toMatchObject({
      extractedArticles: PAGES.length,
      failedArticles: 0,
      pendingArticles: 0,
      pagesRead: PAGES.length,
      extracted: PAGES.length,
      failed: 0,
      lastError: null,
    });
    const status = await (await fetch(`${g.url}/status`)).text();
    expect(status).toContain(`full text: ${PAGES.length} of ${PAGES.length} articles`);
    expect(await (await fetch(`${g.url}/metrics`)).text()).toContain(`newsgate_full_text_articles{state="extracted"} ${PAGES.length}\n`);
  });

  it("reads no page for a source without fullText", async () => {
    feedBody = articleFeed(PAGES);
    const before = pageHits();
    const g = await start(false);
    const byName = await articles(g);
    expect(pageHits()).toBe(before);
    expect(byName.get("ars-1")!.contentHtml).toBe(teaser("ars-1"));
    expect(await search(g, "Mojang")).toEqual([]);
    expect(await fullTextStatus(g)).toBeNull();
  });

  it.each([
    ["on the serving thread", () => ({})],
    ["on parser threads", () => ({ ingestPool: new IngestPool({ minBytes: 0, size: 1 }) })],
  ])("reads no page again for an unchanged feed, and only the new item's when one comes (feed read %s)", async (_how, deps) => {
    feedBody = articleFeed(["bbc-1", "ars-1"]);
    const extra = deps();
    const g = await start(true, extra);
    await articles(g);
    const afterFirst = pageHits();
    await refresh(g);
    await refresh(g);
    expect(pageHits()).toBe(afterFirst);

    feedBody = articleFeed(["heise", "bbc-1", "ars-1"]);
    await refresh(g);
    expect(pageHits()).toBe(afterFirst + 1);
    expect(server.hits("/articles/heise")).toBeGreaterThan(0);
    const byName = await articles(g);
    expect(textOf(byName.get("heise")!.contentHtml!)).toContain(expectedParagraphs("heise")[0]);
    // Held articles keep their page's article.
    expect(textOf(byName.get("bbc-1")!.contentHtml!)).toContain(expectedParagraphs("bbc-1")[0]);
    expect(textOf(byName.get("ars-1")!.contentHtml!)).toContain(expectedParagraphs("ars-1")[0]);
    expect(await fullTextStatus(g)).toMatchObject({ extractedArticles: 3, pagesRead: 1, extracted: 1 });
    await (extra as { ingestPool?: IngestPool }).ingestPool?.close();
  });

  it("reads an edited item's page from the cache while fresh, then asks conditionally and keeps the article on a 304", async () => {
    feedBody = articleFeed(["bbc-1"]);
    const clock = { now: 1_000_000 };
    const g = await start(true, { monotonicNow: () => clock.now });
    await articles(g);
    expect(conditional.get("bbc-1")).toEqual([undefined]);

    const edited = (title: string) =>
      teaserFeed([{ title, link: server.url("/articles/bbc-1"), teaser: teaser("bbc-1"), guid: server.url("/articles/bbc-1") }]);
    feedBody = edited("Story bbc-1, corrected");
    await refresh(g);
    expect(conditional.get("bbc-1")).toEqual([undefined]);

    clock.now += DEFAULT_PAGE_FRESH_MS + 1;
    feedBody = edited("Story bbc-1, corrected again");
    await refresh(g);
    expect(conditional.get("bbc-1")).toEqual([undefined, '"bbc-1-v1"']);
    const node = (await articles(g)).get("bbc-1")!;
    expect(node.title).toBe("Story bbc-1, corrected again");
    expect(textOf(node.contentHtml!)).toContain(expectedParagraphs("bbc-1")[0]);
  });

  it("keeps the feed's content for pages that cannot be read or give no article, and says why in the status", async () => {
    const long = "The feed's own text says much already. ".repeat(20);
    const items = ["/missing", "/hang", "/huge", "/json", "/landing", "/short"].map((path) => ({
      title: `Item ${path}`,
      link: server.url(path),
      teaser: path === "/short" ? long : `Teaser of ${path}`,
    }));
    feedBody = teaserFeed(items);
    const g = await start(true, {}, { timeoutMs: 500, maxBytes: 60_000 });
    const { data } = await g.query("{ articles(first: 10) { edges { node { url contentHtml } } } }");
    for (const { node } of data.articles.edges as { node: { url: string; contentHtml: string } }[]) {
      const item = items.find((i) => i.link === node.url)!;
      expect(node.contentHtml).toBe(item.teaser.trim());
    }
    const status = await fullTextStatus(g);
    // The 404 and the timeout may pass: those two are tried again on the next reads; the other four are given up.
    expect(status).toMatchObject({ extractedArticles: 0, failedArticles: 4, pendingArticles: 2, extracted: 0, failed: 6, pagesRead: 6 });
    expect(["HTTP_STATUS", "TIMEOUT", "TOO_LARGE", "NOT_HTML", "NOT_EXTRACTABLE"]).toContain(status.lastError.code);
    expect(status.lastError.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/(missing|hang|huge|json|landing|short)$/);
    const page = await (await fetch(`${g.url}/status`)).text();
    expect(page).toContain("full text: 0 of 6 articles · 4 pages gave none · 2 to try again");
    expect(page).toContain(`<code>${status.lastError.code}</code>`);
    // And /metrics counts the same, over every source with fullText.
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    for (const [state, count] of Object.entries({ extracted: 0, failed: 4, retrying: 2, untried: 0 }))
      expect(metrics, state).toContain(`newsgate_full_text_articles{state="${state}"} ${count}\n`);

    // Pages that are no article are not asked again while their items are unchanged; the two others
    // are, until their third try, and then given up too.
    for (const pages of [2, 2, 0]) {
      const before = server.totalHits();
      await refresh(g);
      expect(server.totalHits() - before).toBe(1 + pages);
    }
    expect(await fullTextStatus(g)).toMatchObject({ failedArticles: 6, pendingArticles: 0 });
  });

  it("reads pages within the per-host limit", async () => {
    slow.maxInFlight = 0;
    slow.remaining = 8;
    slow.release = 2;
    feedBody = teaserFeed(
      Array.from({ length: 8 }, (_, i) => ({ title: `Slow ${i}`, link: server.url(`/slow/${i}`), teaser: `Slow ${i}` })),
    );
    const g = await start(true, { fetchConcurrency: { perHost: 2 } });
    await articles(g);
    expect(slow.maxInFlight).toBe(2);
    const status = await fullTextStatus(g);
    expect(status.lastError).toBeNull();
    expect(status).toMatchObject({ extractedArticles: 8, pagesRead: 8 });
  });
});
