import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { serverAudits } from "graphql-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MAX_REQUEST_BODY_BYTES } from "../../src/http/plugins/use-http-hygiene.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { startGateway } from "../helpers/gateway.ts";

const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));
const GRAPHQL_RESPONSE = "application/graphql-response+json";

describe("GraphQL over HTTP conventions", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let endpoint: string;
  beforeAll(async () => {
    upstream = await startFixtureServer({ "/wire.rss": serveBody(wire, "application/rss+xml") });
    gateway = await startGateway({ sources: [{ id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" }] });
    endpoint = `${gateway.url}/graphql`;
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("passes every MUST of graphql-http's server audits (and lists the SHOULDs it does not)", async () => {
    const results = await Promise.all(serverAudits({ url: endpoint }).map((audit) => audit.fn()));
    const failing = results.filter((result) => result.status !== "ok");
    const describeFailure = (result: (typeof results)[number]) =>
      `${result.id} ${result.name}${"reason" in result ? `: ${result.reason}` : ""}`;
    const shoulds = failing.filter((result) => result.name.startsWith("SHOULD"));
    // Printed so they can be noted on the issue; the MUSTs are the contract.
    console.log(shoulds.length ? `SHOULD audits not passed:\n${shoulds.map(describeFailure).join("\n")}` : "Every SHOULD audit passes.");
    expect(results.length).toBeGreaterThan(50);
    expect(failing.filter((result) => result.name.startsWith("MUST")).map(describeFailure)).toEqual([]);
  });

  it("answers a method other than GET and POST with 405 and Allow, on the endpoint and the plain routes", async () => {
    const put = await fetch(endpoint, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: '{"query":"{ __typename }"}',
    });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
    expect(put.headers.get("cache-control")).toBe("no-store");
    for (const path of ["/health", "/ready"]) {
      const response = await fetch(`${gateway.url}${path}`, { method: "DELETE" });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, HEAD");
    }
  });

  it("answers an unsupported content type with 415, the types it takes and an error that says so", async () => {
    const response = await fetch(endpoint, { method: "POST", headers: { "content-type": "text/plain" }, body: "{ __typename }" });
    expect(response.status).toBe(415);
    expect(response.headers.get("accept-post")).toContain("application/json");
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(body.errors[0].message).toMatch(/"text\/plain" is not supported.*application\/json/);
  });

  it("refuses multipart bodies (no uploads here) with 415", async () => {
    const form = new FormData();
    form.set("operations", JSON.stringify({ query: "{ __typename }" }));
    const response = await fetch(endpoint, { method: "POST", body: form });
    expect(response.status).toBe(415);
  });

  for (const accept of [GRAPHQL_RESPONSE, "application/json"]) {
    it(`answers malformed JSON with 400 and a clear error (accept ${accept})`, async () => {
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", accept },
        body: '{"query": "{ __typename }"',
      });
      expect(response.status).toBe(400);
      expect(response.headers.get("cache-control")).toBe("no-store");
      const body = await response.json();
      expect(body.data).toBeUndefined();
      expect(body.errors[0].message).toMatch(/invalid JSON/);
      expect(body.errors[0].extensions.code).toBe("BAD_REQUEST");
    });
  }

  it("answers a body over the size limit with 413, naming the limit, and closes the connection", async () => {
    const query = `{ __typename } # ${"x".repeat(DEFAULT_MAX_REQUEST_BODY_BYTES)}`;
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get("connection")).toBe("close");
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe("REQUEST_ENTITY_TOO_LARGE");
    expect(body.errors[0].message).toContain(String(DEFAULT_MAX_REQUEST_BODY_BYTES));
  });

  it("counts the bytes of a chunked body too (no Content-Length to trust)", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        endpoint,
        { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write(`{"query": "{ __typename }", "variables": {"pad": "`);
      // Written in pieces, so only counting what arrives can tell.
      for (let i = 0; i < 12; i++) req.write("y".repeat(10_000));
      req.end(`"}}`);
    });
    expect(status).toBe(413);
  });

  it("takes a body just under the limit", async () => {
    const query = `{ __typename } # ${"x".repeat(DEFAULT_MAX_REQUEST_BODY_BYTES - 100)}`;
    // The comment makes no tokens, so only the byte limit could refuse it.
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: "Query" } });
  });
});

describe("masking of unexpected errors", () => {
  for (const nodeEnv of ["development", "production"]) {
    it(`never sends an internal message or stack, through POST or GET (NODE_ENV=${nodeEnv})`, async () => {
      const previous = process.env.NODE_ENV;
      process.env.NODE_ENV = nodeEnv;
      const gateway = await startGateway({ sources: [] });
      try {
        gateway.store.catalog = async () => {
          throw new Error("secret internals at /srv/newsgate");
        };
        const query = "{ sections { slug } }";
        const answers = [
          await fetch(`${gateway.url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query }),
          }),
          await fetch(`${gateway.url}/graphql?query=${encodeURIComponent(query)}`, { headers: { accept: GRAPHQL_RESPONSE } }),
          // A conditional GET reads the catalog before execution, to answer 304 cheaply.
          await fetch(`${gateway.url}/graphql?query=${encodeURIComponent(query)}`, {
            headers: { accept: GRAPHQL_RESPONSE, "if-none-match": 'W/"1-x"' },
          }),
        ];
        for (const response of answers) {
          const text = await response.text();
          expect(JSON.parse(text).errors[0].message).toBe("Unexpected error.");
          expect(text).not.toMatch(/secret|srv|stack|Error:/);
          // An error answer is never kept by a cache.
          expect(response.headers.get("cache-control")).toBe("no-store");
          expect(response.headers.get("etag")).toBeNull();
        }
      } finally {
        process.env.NODE_ENV = previous;
        await gateway.close();
      }
    });
  }
});
