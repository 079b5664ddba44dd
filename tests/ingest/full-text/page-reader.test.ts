import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFetcher } from "../../../src/ingest/fetcher.ts";
import { extractInline } from "../../../src/ingest/full-text/extract-pool.ts";
import { DEFAULT_PAGE_FRESH_MS, PageCache } from "../../../src/ingest/full-text/page-cache.ts";
import { createPageReader, type PageRequest } from "../../../src/ingest/full-text/page-reader.ts";
import { startFixtureServer } from "../../helpers/fixture-server.ts";
import { pageBytes } from "./pages.ts";

let server: Awaited<ReturnType<typeof startFixtureServer>>;
/** What the page route saw: each request's If-None-Match and Accept. */
const seen: { ifNoneMatch: string | undefined; accept: string | undefined }[] = [];
const page = { body: pageBytes("ars-1"), etag: '"v1"' };
/** Requests to /hang are held here until the test ends. */
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = await startFixtureServer({
    "/page": (req: IncomingMessage, res) => {
      seen.push({ ifNoneMatch: req.headers["if-none-match"], accept: req.headers.accept });
      if (req.headers["if-none-match"] === page.etag) return void res.writeHead(304, { etag: page.etag }).end();
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", etag: page.etag }).end(page.body);
    },
    "/missing": (_req, res) => void res.writeHead(404, { "content-type": "text/html" }).end("<h1>gone</h1>"),
    "/hang": (_req, res) => void hanging.push(res),
    "/huge": (_req, res) =>
      void res.writeHead(200, { "content-type": "text/html" }).end(`<html><body>${"<p>padding</p>".repeat(10_000)}</body></html>`),
    "/json": (_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end('{"article":"no"}'),
    "/landing": (_req, res) => void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(pageBytes("mozilla-2")),
  });
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  await server.close();
});

function reader() {
  const clock = { now: 0 };
  const read = createPageReader({ fetch: createFetcher(), extract: extractInline, cache: new PageCache(), now: () => clock.now });
  return { clock, read };
}

function request(path: string, overrides: Partial<PageRequest> = {}): PageRequest {
  return {
    url: new URL(server.url(path)),
    canonicalUrl: server.url(path),
    timeoutMs: 5_000,
    maxBytes: 1_000_000,
    background: false,
    ...overrides,
  };
}

describe("the page reader", () => {
  it("asks for HTML, extracts the article, and reads a fresh page from its cache without asking", async () => {
    const { read } = reader();
    seen.length = 0;
    const first = await read(request("/page"));
    expect(first).toMatchObject({ ok: true, requested: true, finalUrl: server.url("/page") });
    expect(first.ok && first.html).toContain("Minecraft");
    expect(seen[0]!.accept).toMatch(/^text\/html/);
    expect(await read(request("/page"))).toMatchObject({ ok: true, requested: false });
    expect(seen).toHaveLength(1);
  });

  it("asks a stale page conditionally; a 304 keeps its article, and a changed page is extracted again", async () => {
    const { read, clock } = reader();
    seen.length = 0;
    const first = await read(request("/page"));
    clock.now += DEFAULT_PAGE_FRESH_MS + 1;
    const again = await read(request("/page"));
    expect(seen.map((s) => s.ifNoneMatch)).toEqual([undefined, '"v1"']);
    expect(again).toMatchObject({ ok: true, requested: true });
    expect(again.ok && first.ok && again.html === first.html).toBe(true);

    page.body = pageBytes("heise");
    page.etag = '"v2"';
    clock.now += DEFAULT_PAGE_FRESH_MS + 1;
    const changed = await read(request("/page"));
    expect(seen.at(-1)!.ifNoneMatch).toBe('"v1"');
    expect(changed.ok && changed.html).toContain("1Password");
    page.body = pageBytes("ars-1");
    page.etag = '"v1"';
  });

  it("reads a page asked for by two reads at once only once", async () => {
    const { read } = reader();
    const before = server.hits("/page");
    const [a, b] = await Promise.all([read(request("/page")), read(request("/page"))]);
    expect(server.hits("/page") - before).toBe(1);
    expect([a.requested, b.requested]).toEqual([true, false]);
    expect(a.ok && b.ok && a.html === b.html).toBe(true);
  });

  it.each([
    ["/missing", "HTTP_STATUS", "HTTP 404"],
    ["/huge", "TOO_LARGE", "exceeds 20000 bytes"],
    ["/json", "NOT_HTML", "not HTML (application/json)"],
    ["/landing", "NOT_EXTRACTABLE", "does not read as an article"],
    ["/hang", "TIMEOUT", "within 200 ms"],
  ])("answers %s with %s, never rejecting", async (path, code, message) => {
    const { read } = reader();
    const result = await read(request(path, { maxBytes: 20_000 * (path === "/landing" ? 10 : 1), timeoutMs: 200 }));
    expect(result).toMatchObject({ ok: false, code, requested: true });
    expect(!result.ok && result.message).toContain(message);
  });

  it("asks again for a page that could not be read, and keeps one that gave no article", async () => {
    const { read } = reader();
    const missing = server.hits("/missing");
    await read(request("/missing"));
    await read(request("/missing"));
    expect(server.hits("/missing") - missing).toBe(2);
    const landing = server.hits("/landing");
    await read(request("/landing"));
    expect(await read(request("/landing"))).toMatchObject({ ok: false, code: "NOT_EXTRACTABLE", requested: false });
    expect(server.hits("/landing") - landing).toBe(1);
  });
});
