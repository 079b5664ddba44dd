import { readFileSync } from "node:fs";
import { createSchema, createYoga } from "graphql-yoga";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useUnexpectedErrorLog } from "../../src/http/plugins/use-unexpected-error-log.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";
import { captureLogs, LEVEL } from "../helpers/ops.ts";

const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("operations logs", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;
  const logs = captureLogs("debug");
  let flakyFails = false;

  beforeAll(async () => {
    upstream = await startFixtureServer({
      // Answers 304 to a request that holds its ETag, like most publishers.
      "/wire.rss": (req, res) => {
        if (req.headers["if-none-match"] === '"v1"') return void res.writeHead(304).end();
        res.writeHead(200, { "content-type": "application/rss+xml", etag: '"v1"' }).end(wire);
      },
      "/flaky.rss": (_req, res) => {
        if (flakyFails) return void res.writeHead(503, { "retry-after": "1" }).end("busy");
        res.writeHead(200, { "content-type": "application/rss+xml" }).end(wire.toString().replaceAll("wire.example", "flaky.example"));
      },
    });
    gateway = await openGateway(
      {
        sources: [
          { id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" },
          { id: "flaky", name: "Flaky", url: upstream.url("/flaky.rss"), section: "technology" },
        ],
      },
      { logger: logs.logger },
    );
    await gateway.warmUp();
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const requestLines = () => logs.lines.filter((l) => typeof l.reqId === "string" && typeof l.status === "number");

  it("gives every request an id: the caller's when sane, else a new one, echoed in the response and on its log line", async () => {
    const kept = await gateway.fetch(`${gateway.url}/graphql?query=${encodeURIComponent("{ sections { slug } }")}`, {
      headers: { "x-request-id": "edge-7f3a.42" },
    });
    expect(kept.headers.get("x-request-id")).toBe("edge-7f3a.42");
    const replaced = await gateway.fetch(`${gateway.url}/health`, { headers: { "x-request-id": 'bad id "with" spaces' } });
    expect(replaced.headers.get("x-request-id")).toMatch(UUID);
    const fresh = await gateway.fetch(`${gateway.url}/nothing-here`);
    expect(fresh.headers.get("x-request-id")).toMatch(UUID);
    await fresh.text();

    const lines = requestLines();
    const graphql = lines.find((l) => l.reqId === "edge-7f3a.42")!;
    expect(graphql).toMatchObject({ level: LEVEL.info, method: "GET", path: "/graphql", status: 200 });
    expect(typeof graphql.ms).toBe("number");
    // The query string (a whole document, maybe variables) stays out of the log.
    expect(JSON.stringify(graphql)).not.toContain("sections");
    // Probes are logged at debug, so they do not bury real traffic.
    expect(lines.find((l) => l.reqId === replaced.headers.get("x-request-id"))).toMatchObject({
      level: LEVEL.debug,
      path: "/health",
      status: 200,
    });
    expect(lines.find((l) => l.reqId === fresh.headers.get("x-request-id"))).toMatchObject({ path: "/nothing-here", status: 404 });
  });

  it("logs one line per upstream read with source, status, bytes, items and time", async () => {
    const first = logs.lines.find((l) => l.source === "wire" && l.status === "ok")!;
    expect(first).toMatchObject({ level: LEVEL.info, bytes: wire.length, items: 3, format: "rss" });
    expect(typeof first.ms).toBe("number");
    expect(first.msg).toContain("fetch wire: ok, 3 items");

    await gateway.refreshSource("wire");
    const again = logs.lines.filter((l) => l.source === "wire" && typeof l.bytes === "number");
    expect(again.map((l) => l.status)).toEqual(["ok", "not-modified"]);
    expect(again[1]).toMatchObject({ bytes: 0, items: 3 });
  });

  it("warns when a source starts failing and when it recovers, not on every failure", async () => {
    const warnings = () => logs.lines.filter((l) => l.level === LEVEL.warn && l.source === "flaky");
    flakyFails = true;
    await gateway.refreshSource("flaky");
    await gateway.refreshSource("flaky");
    await gateway.refreshSource("flaky");
    flakyFails = false;
    await gateway.refreshSource("flaky");
    await gateway.refreshSource("flaky");

    const reads = logs.lines.filter((l) => l.source === "flaky" && typeof l.bytes === "number");
    expect(reads.map((l) => l.status)).toEqual(["ok", "HTTP_STATUS", "HTTP_STATUS", "HTTP_STATUS", "ok", "ok"]);
    expect(reads[1]).toMatchObject({ level: LEVEL.info, error: "HTTP 503 Service Unavailable", items: 3 });
    expect(warnings().map((l) => l.msg)).toEqual([
      "source flaky is failing: HTTP_STATUS (HTTP 503 Service Unavailable); serving its last good articles (3)",
      "source flaky recovered after 3 failed reads",
    ]);
  });

  it("logs an unexpected resolver error with its stack and request id, while the client sees it masked", async () => {
    const captured = captureLogs("info");
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: "type Query { boom: String, fine: String }",
        resolvers: {
          Query: {
            boom: () => {
              throw new Error("disk on fire at /var/secret");
            },
            fine: () => "ok",
          },
        },
      }),
      plugins: [useUnexpectedErrorLog({ logger: captured.logger })],
      logging: false,
      maskedErrors: { isDev: false },
    });
    const response = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "req-1" },
      body: JSON.stringify({ query: "{ boom fine }" }),
    });
    const body = await response.json();
    expect(body.errors[0].message).toBe("Unexpected error.");
    expect(captured.lines).toHaveLength(1);
    expect(captured.lines[0]).toMatchObject({ level: LEVEL.error, reqId: "req-1", path: "boom" });
    expect(captured.lines[0]!.err.stack).toContain("disk on fire");
  });
});
