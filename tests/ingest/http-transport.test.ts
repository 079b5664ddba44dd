import { tmpdir } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { createFetcher } from "../../src/ingest/fetcher.ts";
import { startFixtureServer, type Route } from "../helpers/fixture-server.ts";

const BODY = '<rss version="2.0"><channel><title>ok</title></channel></rss>';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** An upstream answering /feed.xml (and /final, a redirect's target) with `handler`, counting connections and requests. */
async function serve(handler: Route) {
  const upstream = await startFixtureServer({ "/feed.xml": handler, "/final": handler });
  closers.push(upstream.close);
  const counts = {
    get connections() {
      return upstream.connections();
    },
    get requests() {
      return upstream.totalHits();
    },
  };
  return { counts, url: new URL(upstream.url("/feed.xml")) };
}

const fetchFeed = createFetcher();
const request = (url: URL, timeoutMs = 5_000) => ({ url, timeoutMs, maxBytes: 1024 * 1024, rootDir: tmpdir() });

describe("the HTTP transport", () => {
  it("reads one host's feeds over a kept-alive connection", async () => {
    const upstream = await serve((_req, res) => void res.writeHead(200, { "content-type": "application/rss+xml" }).end(BODY));
    for (let i = 0; i < 3; i++) expect((await fetchFeed(request(upstream.url))).kind).toBe("fetched");
    expect(upstream.counts).toEqual({ connections: 1, requests: 3 });
  });

  it("asks again on a new connection when the server drops a kept-alive one as it is reused", async () => {
    const served = new WeakSet<object>();
    const upstream = await serve((req, res) => {
      // The second request on a connection finds it closed, as when a server's keep-alive timeout races the client.
      if (served.has(req.socket)) return void req.socket.destroy();
      served.add(req.socket);
      res.writeHead(200, { "content-type": "application/rss+xml" }).end(BODY);
    });
    expect((await fetchFeed(request(upstream.url))).kind).toBe("fetched");
    const again = await fetchFeed(request(upstream.url));
    expect(again.kind === "fetched" && again.body.toString()).toBe(BODY);
    expect(upstream.counts).toEqual({ connections: 2, requests: 3 });
  });

  it("times out a body that stops halfway, and says so", async () => {
    const upstream = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/rss+xml" });
      res.write(BODY.slice(0, 20));
    });
    await expect(fetchFeed(request(upstream.url, 200))).rejects.toMatchObject({
      code: "TIMEOUT",
      message: "no complete answer within 200 ms",
    });
  });

  it("closes the endless body of a redirect rather than read it", async () => {
    let closed = false;
    const upstream = await serve((req, res) => {
      if (req.url === "/final") return void res.writeHead(200, { "content-type": "application/rss+xml" }).end(BODY);
      res.writeHead(302, { location: "/final" });
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
      res.once("close", () => (closed = true));
    });
    const outcome = await fetchFeed(request(upstream.url));
    expect(outcome.kind === "fetched" && outcome.finalUrl.pathname).toBe("/final");
    for (let i = 0; i < 100 && !closed; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closed).toBe(true);
  });

  it("does not ask again when a reused connection is cut after the answer began", async () => {
    const served = new WeakSet<object>();
    const upstream = await serve((req, res) => {
      if (!served.has(req.socket)) {
        served.add(req.socket);
        return void res.writeHead(200, { "content-type": "application/rss+xml" }).end(BODY);
      }
      res.writeHead(200, { "content-type": "application/rss+xml", "content-length": String(BODY.length * 2) });
      res.write(BODY, () => req.socket.destroy());
    });
    expect((await fetchFeed(request(upstream.url))).kind).toBe("fetched");
    await expect(fetchFeed(request(upstream.url))).rejects.toMatchObject({ code: "NETWORK" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(upstream.counts.requests).toBe(2);
  });

  it("follows a redirect whose own body is cut off, without an unhandled error", async () => {
    const upstream = await serve((req, res) => {
      if (req.url === "/final") return void res.writeHead(200, { "content-type": "application/rss+xml" }).end(BODY);
      res.writeHead(302, { location: "/final", "content-length": "100000" });
      res.write("x".repeat(1000), () => setTimeout(() => req.socket.destroy(), 20));
    });
    const outcome = await fetchFeed(request(upstream.url));
    expect(outcome.kind === "fetched" && outcome.finalUrl.pathname).toBe("/final");
    // Time for the cut to reach the discarded body: an unhandled error would fail the run.
    await new Promise((resolve) => setTimeout(resolve, 100));
  });

  it("reports a body that is not the gzip it says it is as a network error, and leaves unknown codings as sent", async () => {
    let encoding = "gzip";
    const upstream = await serve(
      (_req, res) => void res.writeHead(200, { "content-type": "application/rss+xml", "content-encoding": encoding }).end(BODY),
    );
    await expect(fetchFeed(request(upstream.url))).rejects.toMatchObject({ code: "NETWORK", message: "network error Z_DATA_ERROR" });
    encoding = "x-unknown";
    const passed = await fetchFeed(request(upstream.url));
    expect(passed.kind === "fetched" && passed.body.toString()).toBe(BODY);
  });

  it("reports a connection the server cuts mid-body as a network error", async () => {
    const upstream = await serve((req, res) => {
      res.writeHead(200, { "content-type": "application/rss+xml", "content-length": String(BODY.length * 2) });
      res.write(BODY, () => req.socket.destroy());
    });
    await expect(fetchFeed(request(upstream.url))).rejects.toMatchObject({ code: "NETWORK" });
  });
});
