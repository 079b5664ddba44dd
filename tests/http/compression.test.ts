import { request as httpRequest } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rss } from "../cluster/cluster.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { startGateway } from "../helpers/gateway.ts";

const ACCEPT = "application/graphql-response+json, application/json";
const PAGE = "{ articles(first: 100) { edges { node { id title url summary publishedAt section { name } } } } }";

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request over node:http, which (unlike fetch) shows the bytes as sent. */
function raw(url: string, headers: Record<string, string> = {}, method = "GET", body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

function decoded(answer: Raw): string {
  const encoding = answer.headers["content-encoding"];
  if (encoding === "br") return brotliDecompressSync(answer.body).toString("utf8");
  if (encoding === "gzip") return gunzipSync(answer.body).toString("utf8");
  return answer.body.toString("utf8");
}

const varies = (answer: Raw, name: string) =>
  String(answer.headers.vary ?? "")
    .split(",")
    .map((v) => v.trim().toLowerCase())
    .includes(name.toLowerCase());

describe("compression of text answers", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    upstream = await startFixtureServer({ "/wire.rss": serveBody(rss("wire", 120), "application/rss+xml") });
    gateway = await startGateway({ sources: [{ id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" }] });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("a 100-article GET goes br or gzip as negotiated, with Vary and an ETag per encoding; stored variants are served again and 304s work", async () => {
    const url = `${gateway.url}/graphql?query=${encodeURIComponent(PAGE)}`;
    // Until the edge cache keeps it (a fresh gateway's catalog settles in its first few hundred ms).
    let plain = await raw(url, { accept: ACCEPT });
    for (let i = 0; i < 40 && plain.headers["x-newsgate-cache"] !== "hit"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      plain = await raw(url, { accept: ACCEPT });
    }
    expect(plain.status).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(10_000);
    expect(varies(plain, "Accept-Encoding")).toBe(true);
    expect(varies(plain, "Accept")).toBe(true);
    const tags = new Set([plain.headers.etag]);
    for (const [header, encoding] of [
      ["br", "br"],
      ["gzip, deflate, br", "br"],
      ["gzip", "gzip"],
      ["gzip;q=1, br;q=0.5", "gzip"],
    ] as const) {
      const first = await raw(url, { accept: ACCEPT, "accept-encoding": header });
      const again = await raw(url, { accept: ACCEPT, "accept-encoding": header });
      for (const answer of [first, again]) {
        expect(answer.headers["content-encoding"], header).toBe(encoding);
        expect(decoded(answer)).toBe(plain.body.toString("utf8"));
        expect(Number(answer.headers["content-length"])).toBe(answer.body.length);
        expect(answer.body.length).toBeLessThan(plain.body.length / 4);
        expect(varies(answer, "Accept-Encoding")).toBe(true);
      }
      // The variant made on its first request is the one served after, from the edge cache.
      expect(again.headers["x-newsgate-cache"], `${header}: ${first.headers["x-newsgate-cache"]}`).toBe("hit");
      expect(again.body.equals(first.body)).toBe(true);
      expect(again.headers.etag).toBe(first.headers.etag);
      tags.add(first.headers.etag);
      const notModified = await raw(url, { accept: ACCEPT, "accept-encoding": header, "if-none-match": String(first.headers.etag) });
      expect(notModified.status).toBe(304);
      expect(notModified.body.length).toBe(0);
      expect(notModified.headers.etag).toBe(first.headers.etag);
    }
    expect(tags.size).toBe(3);
  });

  it("POST answers (misses and hits) and Yoga's own answers are compressed too; tiny bodies and streams are not", async () => {
    const post = (contentType = "application/json") =>
      raw(
        `${gateway.url}/graphql`,
        { accept: ACCEPT, "content-type": contentType, "accept-encoding": "br" },
        "POST",
        JSON.stringify({ query: PAGE }),
      );
    for (const answer of [await post(), await post(), await post("application/graphql+json")]) {
      expect(answer.status).toBe(200);
      expect(answer.headers["content-encoding"]).toBe("br");
      expect(JSON.parse(decoded(answer)).data.articles.edges).toHaveLength(100);
    }
    const tiny = await raw(`${gateway.url}/graphql?query=${encodeURIComponent("{ sections { slug } }")}`, {
      accept: ACCEPT,
      "accept-encoding": "br",
    });
    expect(tiny.body.length).toBeLessThan(1024);
    expect(tiny.headers["content-encoding"]).toBeUndefined();
    const stream = await raw(`${gateway.url}/graphql?query=${encodeURIComponent(PAGE)}`, {
      accept: "text/event-stream",
      "accept-encoding": "br, gzip",
    });
    expect(stream.headers["content-type"]).toMatch(/text\/event-stream/);
    expect(stream.headers["content-encoding"] ?? "none").toBe("none");
    const multipart = await raw(`${gateway.url}/graphql?query=${encodeURIComponent(PAGE.replace("summary", "... @defer { summary }"))}`, {
      accept: "multipart/mixed",
      "accept-encoding": "br, gzip",
    });
    expect(multipart.headers["content-type"]).toMatch(/multipart\/mixed/);
    expect(multipart.headers["content-encoding"] ?? "none").toBe("none");
  });

  it("feeds, OPML, /embed.js and embed JSON are compressed, with a tag per encoding and working 304s", async () => {
    for (const path of [
      "/feeds/all.rss?limit=100",
      "/feeds/all.json?limit=100",
      "/feeds/all.atom?limit=100",
      "/embed.js",
      "/embed/technology.json?limit=20",
    ]) {
      const plain = await raw(`${gateway.url}${path}`);
      expect(plain.status, path).toBe(200);
      expect(plain.headers["content-encoding"], path).toBeUndefined();
      expect(plain.body.length, path).toBeGreaterThan(1024);
      for (const encoding of ["br", "gzip"]) {
        const answer = await raw(`${gateway.url}${path}`, { "accept-encoding": encoding });
        expect(answer.headers["content-encoding"], path).toBe(encoding);
        expect(decoded(answer), path).toBe(plain.body.toString("utf8"));
        expect(varies(answer, "Accept-Encoding"), path).toBe(true);
        expect(answer.headers.etag, path).not.toBe(plain.headers.etag);
        const notModified = await raw(`${gateway.url}${path}`, {
          "accept-encoding": encoding,
          "if-none-match": String(answer.headers.etag),
        });
        expect(notModified.status, path).toBe(304);
        expect(notModified.headers.etag, path).toBe(answer.headers.etag);
        const head = await raw(`${gateway.url}${path}`, { "accept-encoding": encoding }, "HEAD");
        expect(head.headers["content-length"], path).toBe(answer.headers["content-length"]);
      }
    }
    // OPML is small with one source: under 1 KB nothing is compressed.
    const opml = await raw(`${gateway.url}/sources.opml`, { "accept-encoding": "br" });
    expect(opml.status).toBe(200);
    if (opml.body.length < 1024) expect(opml.headers["content-encoding"]).toBeUndefined();
  });
});
