import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFetcher, MAX_REDIRECTS, type FetchRequest } from "../../src/ingest/fetcher.ts";
import { IngestError } from "../../src/ingest/ingest-error.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";

const BODY = '<rss version="2.0"><channel><title>ok</title></channel></rss>';
const fetchFeed = createFetcher();

describe("the fetcher", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  const seen: Record<string, string | undefined> = {};
  beforeAll(async () => {
    const compressed = (encoding: string, bytes: Buffer) => (_req: any, res: any) => {
      res.writeHead(200, { "content-type": "application/rss+xml", "content-encoding": encoding });
      res.end(bytes);
    };
    upstream = await startFixtureServer({
      "/gzip": compressed("gzip", gzipSync(BODY)),
      "/deflate": compressed("deflate", deflateSync(BODY)),
      "/br": compressed("br", brotliCompressSync(BODY)),
      // 64 MiB of zeros in about 64 KiB on the wire.
      "/bomb": compressed("gzip", gzipSync(Buffer.alloc(64 * 1024 * 1024))),
      "/endless": (_req, res) => {
        res.writeHead(200, { "content-type": "application/rss+xml" });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (res.write(chunk)) {}
          res.once("drain", pump);
        };
        pump();
        res.on("close", () => res.removeAllListeners("drain"));
      },
      "/etag": (req, res) => {
        seen.ifNoneMatch = req.headers["if-none-match"];
        seen.ifModifiedSince = req.headers["if-modified-since"];
        seen.userAgent = req.headers["user-agent"];
        if (req.headers["if-none-match"] === '"v1"') return void res.writeHead(304).end();
        res
          .writeHead(200, { "content-type": "application/rss+xml", etag: '"v1"', "last-modified": "Tue, 06 Oct 2026 09:00:00 GMT" })
          .end(BODY);
      },
      "/hop/0": (_req, res) => void res.writeHead(301, { location: "/hop/1" }).end(),
      "/hop/1": (_req, res) => void res.writeHead(302, { location: "/final" }).end(),
      "/final": (_req, res) => void res.writeHead(200, { "content-type": "application/rss+xml" }).end(BODY),
      "/loop": (_req, res) => void res.writeHead(302, { location: "/loop" }).end(),
      "/to-file": (_req, res) => void res.writeHead(302, { location: "file:///etc/passwd" }).end(),
      "/not-found": (_req, res) => void res.writeHead(404).end("nope"),
    });
  });
  afterAll(() => upstream.close());

  const request = (urlPath: string, extra: Partial<FetchRequest> = {}): FetchRequest => ({
    url: new URL(upstream.url(urlPath)),
    timeoutMs: 5_000,
    maxBytes: 1024 * 1024,
    rootDir: tmpdir(),
    ...extra,
  });
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IngestError);
    return error as IngestError;
  };

  it.each(["gzip", "deflate", "br"])("decompresses %s bodies", async (encoding) => {
    const outcome = await fetchFeed(request(`/${encoding}`));
    expect(outcome.kind === "fetched" && outcome.body.toString()).toBe(BODY);
  });

  it("stops a gzip bomb at the byte limit, counting decompressed bytes", async () => {
    const error = await failure(fetchFeed(request("/bomb")));
    expect(error.code).toBe("TOO_LARGE");
    expect(error.message).toBe("body exceeds 1048576 bytes");
  });

  it("cuts off an endless body while it streams", async () => {
    expect((await failure(fetchFeed(request("/endless", { maxBytes: 256 * 1024 })))).code).toBe("TOO_LARGE");
  });

  it("sends its validators and reports 304 as not modified", async () => {
    const first = await fetchFeed(request("/etag"));
    expect(first).toMatchObject({ kind: "fetched", etag: '"v1"', lastModified: "Tue, 06 Oct 2026 09:00:00 GMT" });
    expect(seen.userAgent).toMatch(/^Newsgate\//);
    const second = await fetchFeed(request("/etag", { etag: '"v1"', lastModified: "Tue, 06 Oct 2026 09:00:00 GMT" }));
    expect(second).toEqual({ kind: "not-modified", freshForMs: null });
    expect(seen).toMatchObject({ ifNoneMatch: '"v1"', ifModifiedSince: "Tue, 06 Oct 2026 09:00:00 GMT" });
  });

  it("follows redirects and reports where the body came from", async () => {
    const outcome = await fetchFeed(request("/hop/0"));
    expect(outcome.kind === "fetched" && outcome.finalUrl.pathname).toBe("/final");
  });

  it(`gives up after ${MAX_REDIRECTS} redirects`, async () => {
    upstream.resetHits();
    const error = await failure(fetchFeed(request("/loop")));
    expect(error.code).toBe("TOO_MANY_REDIRECTS");
    expect(upstream.hits("/loop")).toBe(MAX_REDIRECTS + 1);
  });

  it("refuses a redirect to a non-http scheme", async () => {
    expect((await failure(fetchFeed(request("/to-file")))).message).toBe("redirect to a file: URL refused");
  });

  it("reports an HTTP error status with its code", async () => {
    const error = await failure(fetchFeed(request("/not-found")));
    expect([error.code, error.message]).toEqual(["HTTP_STATUS", "HTTP 404 Not Found"]);
  });
});

describe("local sources", () => {
  it("reads a file inside the sources folder and refuses a symlink out of it", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "newsgate-local-"));
    await mkdir(path.join(root, "demo"));
    await writeFile(path.join(root, "demo", "feed.xml"), BODY);
    const outside = await mkdtemp(path.join(tmpdir(), "newsgate-outside-"));
    await writeFile(path.join(outside, "secret.xml"), "secret");
    await symlink(path.join(outside, "secret.xml"), path.join(root, "demo", "escape.xml"));
    const local = (name: string, extra: Partial<FetchRequest> = {}) =>
      fetchFeed({ url: pathToFileURL(path.join(root, "demo", name)), timeoutMs: 1000, maxBytes: 1024, rootDir: root, ...extra });

    const outcome = await local("feed.xml");
    expect(outcome.kind === "fetched" && outcome.body.toString()).toBe(BODY);
    // Unchanged file: its validator short-cuts the read.
    expect(await local("feed.xml", { etag: outcome.kind === "fetched" ? outcome.etag : null })).toEqual({
      kind: "not-modified",
      freshForMs: null,
    });
    await expect(local("escape.xml")).rejects.toMatchObject({ code: "FORBIDDEN_PATH" });
    await expect(local("missing.xml")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(local("feed.xml", { maxBytes: 10 })).rejects.toMatchObject({ code: "TOO_LARGE" });
  });
});

describe("freshness hints", () => {
  it("reads Cache-Control max-age (s-maxage first), Expires against Date, and Retry-After", async () => {
    const { freshFor, retryAfter } = await import("../../src/ingest/fetcher.ts");
    expect(freshFor(new Headers({ "cache-control": "public, max-age=600" }))).toBe(600_000);
    expect(freshFor(new Headers({ "cache-control": "max-age=600, s-maxage=60" }))).toBe(60_000);
    expect(freshFor(new Headers({ "cache-control": "no-cache" }))).toBe(0);
    expect(freshFor(new Headers({ expires: "Tue, 06 Oct 2026 10:00:00 GMT", date: "Tue, 06 Oct 2026 09:00:00 GMT" }))).toBe(3_600_000);
    expect(freshFor(new Headers())).toBeNull();
    expect(retryAfter(new Headers({ "retry-after": "120" }))).toBe(120_000);
    expect(retryAfter(new Headers({ "retry-after": "Tue, 06 Oct 2026 09:05:00 GMT", date: "Tue, 06 Oct 2026 09:00:00 GMT" }))).toBe(
      300_000,
    );
    expect(retryAfter(new Headers({ "retry-after": "soon" }))).toBeNull();
  });
});
