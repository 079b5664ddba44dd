import { mkdtemp, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSourcesFile } from "../../src/config/sources-file.ts";
import { createGateway } from "../../src/create-gateway.ts";
import { DEFAULT_MAX_REQUEST_BODY_BYTES } from "../../src/http/plugins/use-http-hygiene.ts";
import { listen, type RunningServer } from "../../src/http/server/server.ts";
import { startFaultServer } from "../helpers/fault-server.ts";
import { TEST_SECTIONS } from "../helpers/gateway.ts";

/** Short slow-loris limits for this test; production keeps HEADERS_TIMEOUT_MS and REQUEST_TIMEOUT_MS. */
const HEADERS_TIMEOUT_MS = 400;
const REQUEST_TIMEOUT_MS = 600;

/** Sends `chunks` over a raw socket, `gapMs` apart, and resolves with what came back and when the socket closed. */
function rawExchange(port: number, chunks: string[], gapMs = 0, giveUpMs = 5_000): Promise<{ response: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    let response = "";
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
    socket.on("data", (data) => (response += data.toString("latin1")));
    socket.on("close", () => {
      clearTimeout(giveUp);
      clearTimeout(timer);
      resolve({ response, closedAfterMs: performance.now() - started });
    });
    socket.on("error", () => undefined);
    let at = 0;
    const next = () => {
      if (at >= chunks.length || socket.destroyed) return;
      socket.write(chunks[at++]!);
      timer = setTimeout(next, gapMs);
    };
    socket.on("connect", next);
  });
}

describe("hostile HTTP clients", () => {
  let upstream: Awaited<ReturnType<typeof startFaultServer>>;
  let running: RunningServer;
  let port: number;

  beforeAll(async () => {
    upstream = await startFaultServer();
    const dir = await mkdtemp(path.join(tmpdir(), "newsgate-hostile-http-"));
    const file = path.join(dir, "sources.json");
    await writeFile(
      file,
      JSON.stringify({ sections: TEST_SECTIONS, sources: [{ id: "a", name: "A", url: upstream.url("a"), section: "technology" }] }),
    );
    const gateway = createGateway({ config: await loadSourcesFile(file), random: () => 0.5 });
    await gateway.warmUp();
    running = await listen(gateway.app, 0, "127.0.0.1", {
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      connectionsCheckingIntervalMs: 100,
    });
    port = Number(new URL(running.url).port);
  });
  afterAll(async () => {
    running.server.closeAllConnections();
    await running?.close();
    await upstream?.close();
  });

  it("answers 431 to oversized headers", async () => {
    const { response } = await rawExchange(port, [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`]);
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
    expect(response).toMatch(/\r\n\r\n\{"errors":\[\{"message":"[^"]+","extensions":\{"code":"REQUEST_HEADER_FIELDS_TOO_LARGE"\}\}\]\}$/);
  });

  it("answers 413 with a code to an oversized body", async () => {
    const response = await fetch(`${running.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }", padding: "x".repeat(DEFAULT_MAX_REQUEST_BODY_BYTES + 10) }),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions.code).toBe("REQUEST_ENTITY_TOO_LARGE");
  });

  it("cuts off a client that sends its headers slowly (slow loris)", async () => {
    // One header line every 150 ms, forever: only the headers timeout ends it.
    const lines = ["GET /health HTTP/1.1\r\n", "Host: x\r\n", ...Array.from({ length: 60 }, (_, i) => `X-Slow-${i}: 1\r\n`)];
    const { response, closedAfterMs } = await rawExchange(port, lines, 150);
    expect(response === "" || /^HTTP\/1\.1 408 /.test(response)).toBe(true);
    expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    // Checked every 100 ms; far below the 60 × 150 ms the client would take.
    expect(closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 2_000);
  });

  it("cuts off a client that sends its body slowly", async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`;
    const { response, closedAfterMs } = await rawExchange(port, [head, ...Array.from({ length: 60 }, () => "{")], 150);
    expect(response === "" || /^HTTP\/1\.1 408 /.test(response)).toBe(true);
    expect(closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 2_000);
  });

  it.each([
    ["PUT", "/graphql", 405],
    ["DELETE", "/graphql", 405],
    ["PATCH", "/graphql", 405],
  ])("answers %s %s with %i", async (method, route, status) => {
    const response = await fetch(`${running.url}${route}`, {
      method,
      headers: { "content-type": "application/json" },
      body: '{"query":"{ __typename }"}',
    });
    expect(response.status).toBe(status);
    expect(response.headers.get("allow")).toMatch(/GET/);
  });

  it.each(["text/plain", "multipart/form-data; boundary=x", "application/xml", "image/png"])(
    "answers a POST of %s with 415 and a code",
    async (type) => {
      const response = await fetch(`${running.url}/graphql`, {
        method: "POST",
        headers: { "content-type": type },
        body: '{"query":"{ __typename }"}',
      });
      expect(response.status).toBe(415);
      expect((await response.json()).errors[0].extensions.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    },
  );

  it("answers malformed JSON with 400 and a code", async () => {
    const response = await fetch(`${running.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].extensions.code).toEqual(expect.any(String));
  });

  it("answers a request line that is not HTTP with 400", async () => {
    const { response } = await rawExchange(port, ["GARBAGE \x00\x01 NOT-HTTP\r\n\r\n"]);
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    // With the error contract's body (Node's own 400 has none), and the connection closed.
    expect(response).toMatch(/content-type: application\/json/i);
    expect(response).toMatch(/\{"errors":\[\{"message":"[^"]+","extensions":\{"code":"BAD_REQUEST"\}\}\]\}$/);
  });

  it("answers a URL with a character HTTP does not allow (DEL) with a coded 400", async () => {
    const { response } = await rawExchange(port, ["GET /graphql?query={__typename}&x=\x7f HTTP/1.1\r\nHost: x\r\n\r\n"]);
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toMatch(/"code":"BAD_REQUEST"/);
  });

  describe.each([
    ["the status page", "/status", "text/html"],
    ["the embed page", "/embed/technology", "text/html"],
  ])("%s", (_name, route, accept) => {
    it("carries nosniff and a Content-Security-Policy without unsafe script sources", async () => {
      const response = await fetch(`${running.url}${route}`, { headers: { accept } });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      const csp = response.headers.get("content-security-policy");
      expect(csp).toMatch(/default-src/);
      expect(csp).not.toMatch(/'unsafe-eval'/);
    });
  });

  const graphiql = () => fetch(`${running.url}/graphql`, { headers: { accept: "text/html" } });

  it("serves GraphiQL with nosniff and a frame-ancestors policy", async () => {
    const response = await graphiql();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
  });

  // GraphiQL needs inline scripts and blob: workers; its policy still keeps every other origin out.
  it("serves GraphiQL with a Content-Security-Policy that limits script sources", async () => {
    expect((await graphiql()).headers.get("content-security-policy")).toMatch(/(default|script)-src/);
  });
});
