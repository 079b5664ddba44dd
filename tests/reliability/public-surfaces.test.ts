import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Registry, Counter } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redactUrl, redactUrlsIn } from "../../src/config/redact-url.ts";
import { anonymousFrameAncestors } from "../../src/http/routes/embed.ts";
import { createMetricsRoute } from "../../src/http/routes/metrics.ts";
import { createFetchHandler } from "../../src/http/server/fetch-adapter.ts";
import { malformedJsonMessage, parseJsonText } from "../../src/ingest/parse-json.ts";
import { publicIngestMessage } from "../../src/ingest/public-message.ts";
import { MAX_NEW_OPERATION_NAMES_PER_CLIENT } from "../../src/ops/metrics.ts";
import { parsePartnersConfig } from "../../src/partners/partners-file.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { appFetch, openGateway } from "../helpers/app-fetch.ts";
import { captureLogs, scrape } from "../helpers/ops.ts";

/**
 * (User info in a source's URL is refused by the sources file already; redactUrl drops it all the same.)
 * The rule: nothing a source's configuration hides (query values, user
 * info, headers) and nothing an upstream answered (body bytes, reason
 * phrases, names in its markup) reaches a public surface, and anonymous
 * clients learn neither partners' origins nor can crowd metrics labels out.
 * Every secret below contains "SECRET" so one search covers a whole surface.
 */

const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));
const LONG_ELEMENT = `SECRET_ELEMENT_${"x".repeat(40)}`;
const LONG_ENTITY = `SECRET_ENTITY_${"y".repeat(40)}`;
// Names in the markup are the feed's to show in its items (an unknown entity stays as text), not ours to quote in a status.
const MARKUP_ELEMENT = `MARKUP_ELEMENT_${"x".repeat(40)}`;
const MARKUP_ENTITY = `MARKUP_ENTITY_${"y".repeat(40)}`;
const junkXml = wire
  .toString("utf8")
  .replace(
    "</channel>",
    `<item><title>t &${MARKUP_ENTITY}; x</title><link>https://wiretech.example/z</link></item><${MARKUP_ELEMENT}></channel>`,
  );

describe("redactUrl", () => {
  it.each([
    ["https://api.example/v1/feed?api-key=SECRET&x=1", "https://api.example/v1/feed?…"],
    ["https://user:SECRET@api.example:8443/feed#SECRET", "https://api.example:8443/feed?…"],
    ["https://api.example/feed?token", "https://api.example/feed?…"],
    ["https://api.example/feed", "https://api.example/feed"],
    ["http://api.example", "http://api.example/"],
    ["feeds/local.xml", "feeds/local.xml"],
    ["feeds/local.xml?SECRET", "feeds/local.xml?…"],
    ["//user:SECRET@host/x", "//host/x"],
    ["mailto:SECRET@example.com", "mailto:…"],
  ])("%s → %s", (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it("redacts every URL inside a message, and is idempotent", () => {
    const message = "more than 5 redirects (last to https://u:SECRET@cdn.example/f?key=SECRET)";
    expect(redactUrlsIn(message)).toBe("more than 5 redirects (last to https://cdn.example/f?…)");
    expect(redactUrlsIn(redactUrlsIn(message))).toBe(redactUrlsIn(message));
    expect(redactUrlsIn("more than 5 redirects (last to /feed?key=SECRET)")).toBe("more than 5 redirects (last to /feed?…)");
    expect(redactUrlsIn("a/b and 1/2 stay; ./x#SECRET goes")).toBe("a/b and 1/2 stay; ./x?… goes");
  });
});

describe("publicIngestMessage", () => {
  it.each([
    ["HTTP 500 SECRET reason", "HTTP 500 Internal Server Error"],
    ["HTTP 599 SECRET", "HTTP 599"],
    ["HTTP 302 without a Location header", "HTTP 302 without a Location header"],
    [`<${LONG_ELEMENT}> is not closed`, "an element is not closed"],
    ["<channel> is not closed; end tag </item> closes nothing open", "<channel> is not closed; end tag </item> closes nothing open"],
    [`undeclared entity &${LONG_ENTITY};`, "undeclared entity an entity"],
    ["undeclared entity &nbsp2;", "undeclared entity &nbsp2;"],
    ['attribute on"SECRET without quotes', "an attribute without quotes"],
    ['unknown charset "SECRET-but-a-very-long-charset-name-over-forty"; read as windows-1252', "unknown charset “…”; read as windows-1252"],
    ["the source's feed and the item's title", "the source's feed and the item's title"],
    [`Unexpected token 'a', "aws_secret=SECRET" is not valid JSON`, "Unexpected token 'a', “…” is not valid JSON"],
  ])("%s", (input, expected) => {
    expect(publicIngestMessage(input)).toBe(expected);
    expect(publicIngestMessage(expected)).toBe(expected);
  });

  it("caps the length and drops control characters", () => {
    const text = publicIngestMessage(`a\u0000b ${"z ".repeat(400)}`);
    expect(text.startsWith("a b ")).toBe(true);
    expect(text.length).toBeLessThanOrEqual(300);
  });
});

describe("JSON errors", () => {
  it("say where the text stops being JSON, never what it says", () => {
    expect(() => parseJsonText("aws_secret=SECRET")).toThrow(/^malformed JSON: unexpected character at offset 0$/);
    expect(() => parseJsonText('{"a": SECRET}')).toThrow(/^malformed JSON: unexpected character at offset 6$/);
    expect(() => parseJsonText('{"a": 1')).toThrow(/^malformed JSON: the text ends before the JSON does$/);
    expect(malformedJsonMessage('{"k" 1}', "Expected ':' after property name in JSON at position 5")).toBe(
      "malformed JSON: unexpected character at offset 5",
    );
  });
});

describe("every public surface, with a source whose URL, headers and answers carry secrets", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;
  const logs = captureLogs("info");

  beforeAll(async () => {
    upstream = await startFixtureServer({
      "/feed.rss": serveBody(wire, "application/rss+xml"),
      "/loop": (_req, res) => void res.writeHead(302, { location: "/loop?key=SECRET-REDIRECT" }).end(),
      "/json": serveBody("aws_secret=SECRET-JSON-BODY", "application/json"),
      "/reason": (_req, res) => void res.writeHead(500, "SECRET-REASON").end("SECRET-BODY"),
      "/junk.rss": serveBody(junkXml, "application/rss+xml"),
    });
    gateway = await openGateway(
      {
        sources: [
          {
            id: "keyed",
            name: "Keyed",
            url: `${upstream.url("/feed.rss")}?api-key=SECRET-QUERY#SECRET-FRAGMENT`,
            headers: { authorization: "Bearer SECRET-HEADER" },
            section: "technology",
          },
          { id: "loop", name: "Loop", url: upstream.url("/loop"), section: "technology" },
          { id: "json", name: "Json", url: upstream.url("/json"), format: "jsonfeed", section: "technology" },
          { id: "reason", name: "Reason", url: upstream.url("/reason"), section: "technology" },
          { id: "junk", name: "Junk", url: upstream.url("/junk.rss"), section: "technology" },
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

  it("GraphQL: Source.url is redacted; lastError and warning quote neither URLs nor upstream content", async () => {
    const answer = await gateway.query<any>("{ sources { sourceId url status { ok errorCode lastError warning } } }");
    expect(answer.errors).toBeUndefined();
    const text = JSON.stringify(answer.data);
    expect(text).not.toContain("SECRET");
    const byId = Object.fromEntries(answer.data.sources.map((s: any) => [s.sourceId, s]));
    expect(byId.keyed.url).toBe(`${upstream.url("/feed.rss")}?…`);
    expect(byId.loop.status).toMatchObject({ errorCode: "TOO_MANY_REDIRECTS", lastError: "more than 5 redirects (last to /loop?…)" });
    expect(byId.json.status).toMatchObject({ errorCode: "PARSE_ERROR", lastError: "malformed JSON: unexpected character at offset 0" });
    expect(byId.reason.status).toMatchObject({ errorCode: "HTTP_STATUS", lastError: "HTTP 500 Internal Server Error" });
    expect(byId.junk.status.ok).toBe(true);
    expect(byId.junk.status.warning).toMatch(/read leniently/);
    expect(byId.junk.status.warning).toMatch(/an element/);
    expect(byId.junk.status.warning).not.toContain("MARKUP");
  });

  it("/status, /feeds and /metrics show none of it", async () => {
    for (const path of ["/status", "/feeds/all.rss", "/feeds/all.atom", "/feeds/all.json", "/metrics"]) {
      const response = await gateway.fetch(path);
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).not.toContain("SECRET");
    }
  });

  it("/sources.opml points every source at our own re-export, never at the upstream URL", async () => {
    const text = await (await gateway.fetch("/sources.opml")).text();
    expect(text).not.toContain("SECRET");
    expect(text).toContain(`xmlUrl="${gateway.url}/feeds/all.rss?source=keyed"`);
    expect(text).not.toContain(upstream.url("/feed.rss"));
  });

  it("info logs show none of it", () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs.lines)).not.toContain("SECRET");
  });
});

describe("/metrics with NEWSGATE_METRICS_TOKEN", () => {
  let fetch: ReturnType<typeof appFetch>;
  beforeAll(() => {
    const registry = new Registry();
    new Counter({ name: "newsgate_rate_limited_total", help: "h", labelNames: ["partner"], registers: [registry] }).inc({
      partner: "Daily Planet",
    });
    const route = createMetricsRoute({ registry, token: "s3cret-token" });
    fetch = appFetch({ fetch: createFetchHandler((req, res) => void route.handle(req, res, null)) });
  });

  it("refuses a scrape without the token, or with another, with 401 and no metric in the body", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: "Basic czNjcmV0LXRva2Vu" }] as Record<
      string,
      string
    >[]) {
      const response = await fetch("/metrics", { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
      expect(await response.text()).not.toContain("Daily Planet");
    }
  });

  it("answers a scrape with `Authorization: Bearer <token>`", async () => {
    const response = await fetch("/metrics", { headers: { authorization: "Bearer s3cret-token" } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('partner="Daily Planet"');
  });
});

describe("partners: frame-ancestors and operation names", () => {
  const keyOf = (name: string) => `key-${name}`;
  const hash = (key: string) => createHash("sha256").update(key).digest("hex");
  const A = "https://a-partner.example";
  const B = "https://b-partner.example";
  let gateway: Awaited<ReturnType<typeof openGateway>>;
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;

  beforeAll(async () => {
    upstream = await startFixtureServer({ "/feed.rss": serveBody(wire, "application/rss+xml") });
    const partners = parsePartnersConfig(
      {
        anonymous: { requestsPerMinute: 10_000 },
        partners: [
          { name: "A", keyHash: hash(keyOf("A")), allowedOrigins: [A], requestsPerMinute: 10_000 },
          { name: "B", keyHash: hash(keyOf("B")), allowedOrigins: [B], requestsPerMinute: 10_000 },
          { name: "Junk", keyHash: hash(keyOf("Junk")), allowedOrigins: [], requestsPerMinute: 10_000 },
        ],
      },
      "/srv/partners.json",
    );
    gateway = await openGateway(
      { sources: [{ id: "wire", name: "Wire", url: upstream.url("/feed.rss"), section: "technology" }] },
      { partners },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const framePolicy = async (query: string, headers: Record<string, string> = {}) => {
    const response = await gateway.fetch(`/embed/technology${query}`, { headers });
    expect(response.status).toBe(200);
    return /frame-ancestors ([^;]+)/.exec(response.headers.get("content-security-policy") ?? "")![1]!;
  };

  it("an anonymous embed page names no partner's origin but the asking page's", async () => {
    expect(await framePolicy("")).toBe("'none'");
    expect(await framePolicy("", { referer: "https://stranger.example/page" })).toBe("'none'");
    expect(await framePolicy("", { referer: `${A}/news/page.html` })).toBe(A);
    expect(await framePolicy(`?key=${keyOf("B")}`)).toBe(B);
  });

  it("anonymousFrameAncestors keeps `*` and 'none', and reads only a well-formed Referer", () => {
    expect(anonymousFrameAncestors("*", undefined)).toBe("*");
    expect(anonymousFrameAncestors("'none'", `${A}/`)).toBe("'none'");
    expect(anonymousFrameAncestors(`${A} ${B}`, "not a url")).toBe("'none'");
    expect(anonymousFrameAncestors(`${A} ${B}`, `${B}/x?y`)).toBe(B);
  });

  it("one client's made-up operation names cannot take the label slots another client's names need", async () => {
    const post = (key: string, name: string) =>
      gateway
        .fetch("/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": key },
          body: JSON.stringify({ query: `query ${name} { sections { slug } }` }),
        })
        .then((r) => r.json());
    for (let i = 0; i < 200; i += 20) await Promise.all(Array.from({ length: 20 }, (_, k) => post(keyOf("Junk"), `Junk${i + k}`)));
    await post(keyOf("A"), "FrontPage");
    const metrics = await scrape(gateway.url, gateway.fetch);
    expect(metrics.value("newsgate_graphql_operations_total", { operation: "FrontPage", outcome: "ok" })).toBe(1);
    expect(metrics.value("newsgate_graphql_operations_total", { operation: "other", outcome: "ok" })).toBe(
      200 - MAX_NEW_OPERATION_NAMES_PER_CLIENT,
    );
  });
});
