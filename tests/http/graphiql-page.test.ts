import { createHash } from "node:crypto";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it, vi } from "vitest";

vi.mock("@graphql-yoga/render-graphiql", async (original) => {
  const real = await original<typeof import("@graphql-yoga/render-graphiql")>();
  return { ...real, renderGraphiQL: vi.fn(real.renderGraphiQL) };
});
// Counts compressions: a 304 must never cost one.
vi.mock("node:zlib", async (original) => {
  const real = await original<typeof import("node:zlib")>();
  return { ...real, brotliCompress: vi.fn(real.brotliCompress), gzip: vi.fn(real.gzip) };
});

const { renderGraphiQL } = await import("@graphql-yoga/render-graphiql");
const zlib = await import("node:zlib");
const { createGraphiqlRenderer } = await import("../../src/http/pages/graphiql-page.ts");
const { createCompressedGraphiql } = await import("../../src/http/pages/graphiql-compressed.ts");

describe("GraphiQL's page", () => {
  it("is rendered once per set of options, not on every load", () => {
    vi.mocked(renderGraphiQL).mockClear();
    const render = createGraphiqlRenderer();
    const first = render({ title: "Newsgate GraphiQL", defaultQuery: "{ sections { name } }" });
    const again = render({ title: "Newsgate GraphiQL", defaultQuery: "{ sections { name } }" });
    const other = render({ title: "Other", defaultQuery: "{ sections { name } }" });
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(other).toContain("Other");
    expect(vi.mocked(renderGraphiQL)).toHaveBeenCalledTimes(2);
  });

  it("answers If-None-Match with a 304 without compressing or rendering again, its tag hashed once", async () => {
    const page = `<!doctype html><title>GraphiQL</title>${"x".repeat(100_000)}`;
    const render = vi.fn(() => page);
    const fallback = vi.fn((_req: IncomingMessage, res: ServerResponse) => void res.writeHead(500).end());
    const handler = createCompressedGraphiql("/graphql", render, fallback);
    const server = createServer((req, res) => void (handler(req, res) || res.writeHead(404).end()));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const get = (headers: Record<string, string>) =>
      new Promise<{ status: number; headers: IncomingMessage["headers"]; length: number }>((resolve, reject) => {
        request(url, { headers: { accept: "text/html", ...headers } }, (res) => {
          let length = 0;
          res.on("data", (chunk: Buffer) => (length += chunk.length));
          res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, length }));
        })
          .on("error", reject)
          .end();
      });
    const compressions = () => vi.mocked(zlib.brotliCompress).mock.calls.length + vi.mocked(zlib.gzip).mock.calls.length;
    try {
      vi.mocked(zlib.brotliCompress).mockClear();
      vi.mocked(zlib.gzip).mockClear();
      const tag = `"${createHash("sha256").update(page).digest("base64url").slice(0, 27)}"`;
      // A browser that kept the page from another instance or before a restart: no compression at all.
      for (const [encoding, etag] of [
        ["br", `${tag.slice(0, -1)}.br"`],
        ["gzip", `${tag.slice(0, -1)}.gz"`],
        ["identity", tag],
      ]) {
        const cached = await get({ "accept-encoding": encoding!, "if-none-match": etag! });
        expect(cached, encoding).toMatchObject({
          status: 304,
          length: 0,
          headers: { etag, "cache-control": "public, no-cache", vary: "Accept, Accept-Encoding" },
        });
      }
      expect(compressions()).toBe(0);
      const first = await get({ "accept-encoding": "br" });
      expect(first).toMatchObject({ status: 200, headers: { etag: `${tag.slice(0, -1)}.br"`, "content-encoding": "br" } });
      expect(compressions()).toBe(1);
      for (let i = 0; i < 3; i++) expect((await get({ "accept-encoding": "br", "if-none-match": first.headers.etag! })).status).toBe(304);
      expect((await get({ "accept-encoding": "br" })).status).toBe(200);
      expect(compressions()).toBe(1);
      // The page was asked for, and hashed, once.
      expect(render).toHaveBeenCalledTimes(1);
      expect(fallback).not.toHaveBeenCalled();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
