import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePartnersConfig } from "../../src/partners/partners-file.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

/** API keys, CORS and per-minute budgets, through the app's whole request path (partner gate included). */
const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const ALPHA = { key: "alpha-0f3c9e1d", origin: "https://alpha.example", perMinute: 5 };
const BETA = { key: "beta-7a61b2c4", origin: "https://beta.example", perMinute: 12 };
const ANONYMOUS_PER_MINUTE = 3;
const QUERY = "/graphql?query=%7Bsections%7Bslug%7D%7D";

const partnersFile = (anonymous: unknown) =>
  parsePartnersConfig(
    {
      anonymous,
      partners: [
        { name: "Alpha", keyHash: sha256(ALPHA.key), allowedOrigins: [ALPHA.origin], requestsPerMinute: ALPHA.perMinute },
        {
          name: "Beta",
          keyHash: sha256(BETA.key),
          allowedOrigins: [BETA.origin, "https://www.beta.example"],
          requestsPerMinute: BETA.perMinute,
        },
      ],
    },
    "/srv/partners.json",
  );

type Gateway = Awaited<ReturnType<typeof openGateway>>;

describe("partner keys, CORS and rate limits", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  const gateways: Gateway[] = [];
  const start = async (deps: Parameters<typeof openGateway>[1]) => {
    const gateway = await openGateway(
      { sources: [{ id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" }] },
      deps,
    );
    gateways.push(gateway);
    await gateway.warmUp();
    return gateway;
  };

  beforeAll(async () => {
    upstream = await startFixtureServer({ "/wire.rss": serveBody(wire, "application/rss+xml") });
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await upstream?.close();
  });

  it("cuts two partners hammering the gateway off each at its own limit, never one for the other", async () => {
    const gateway = await start({ partners: partnersFile({ requestsPerMinute: ANONYMOUS_PER_MINUTE }) });
    // Warm the edge cache: most of what follows would be answered from memory, past Yoga.
    expect((await gateway.fetch(QUERY, { headers: { "x-api-key": BETA.key } })).status).toBe(200);
    const paths = [QUERY, "/feeds/all.json?limit=1", "/embed/technology.json", QUERY];
    const hammer = (partner: typeof ALPHA, count: number) =>
      Array.from({ length: count }, (_, i) =>
        gateway.fetch(`${paths[i % paths.length]}`, { headers: { "x-api-key": partner.key, origin: partner.origin } }),
      );
    // Interleaved and concurrent: 3 over each budget (Beta has spent 1 already).
    const alpha = hammer(ALPHA, ALPHA.perMinute + 3);
    const beta = hammer(BETA, BETA.perMinute - 1 + 3);
    const [alphaAnswers, betaAnswers] = await Promise.all([Promise.all(alpha), Promise.all(beta)]);
    const count = (answers: Response[], status: number) => answers.filter((r) => r.status === status).length;
    expect(count(alphaAnswers, 200)).toBe(ALPHA.perMinute);
    expect(count(alphaAnswers, 429)).toBe(3);
    expect(count(betaAnswers, 200)).toBe(BETA.perMinute - 1);
    expect(count(betaAnswers, 429)).toBe(3);

    const refused = alphaAnswers.find((r) => r.status === 429)!;
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get("x-ratelimit-limit")).toBe(String(ALPHA.perMinute));
    expect(refused.headers.get("x-newsgate-cache")).toBeNull();
    // The browser may read the refusal: the partner's origin is still granted.
    expect(refused.headers.get("access-control-allow-origin")).toBe(ALPHA.origin);
    expect(await refused.json()).toEqual({
      errors: [
        { message: expect.stringMatching(/more than 5 requests in a minute; retry in \d+ s/), extensions: { code: "RATE_LIMITED" } },
      ],
    });
    const served = alphaAnswers.find((r) => r.status === 200)!;
    expect(served.headers.get("x-ratelimit-limit")).toBe(String(ALPHA.perMinute));

    // Anonymous clients have their own, lower budget, untouched by the partners'.
    const anonymous = await Promise.all(Array.from({ length: ANONYMOUS_PER_MINUTE + 2 }, () => gateway.fetch("/feeds/all.rss?limit=1")));
    expect(anonymous.map((r) => r.status)).toEqual([...Array(ANONYMOUS_PER_MINUTE).fill(200), 429, 429]);
    // Health checks and the widget's script never count.
    for (let i = 0; i < 5; i++) expect((await gateway.fetch("/health")).status).toBe(200);
    expect((await gateway.fetch("/embed.js")).status).toBe(200);

    // Every refusal is counted for the metrics, by partner (never by client address).
    const metrics = await (await gateway.fetch("/metrics")).text();
    expect(metrics).toMatch(/newsgate_rate_limited_total\{partner="Alpha"\} 3/);
    expect(metrics).toMatch(/newsgate_rate_limited_total\{partner="Beta"\} 3/);
    expect(metrics).toMatch(/newsgate_rate_limited_total\{partner="anonymous"\} 2/);
  });

  it("grants CORS to a partner's own origins only, never a wildcard, and refuses its key elsewhere", async () => {
    const gateway = await start({ partners: partnersFile({ requestsPerMinute: 100 }) });
    const get = (headers: Record<string, string>, path = QUERY) => gateway.fetch(path, { headers });

    const own = await get({ "x-api-key": BETA.key, origin: "https://www.beta.example" });
    expect(own.status).toBe(200);
    expect(own.headers.get("access-control-allow-origin")).toBe("https://www.beta.example");
    expect(own.headers.get("access-control-allow-credentials")).toBeNull();
    expect(own.headers.get("vary")).toMatch(/\bOrigin\b/);
    expect(own.headers.get("vary")).toMatch(/\bAccept\b/);
    expect(own.headers.get("vary")).toMatch(/\bX-API-Key\b/);
    expect(own.headers.get("access-control-expose-headers")).toMatch(/Retry-After/);

    // Alpha's key from Beta's site: the key is public in a widget; its origin list is what protects it.
    const stolen = await get({ "x-api-key": ALPHA.key, origin: BETA.origin });
    expect(stolen.status).toBe(403);
    expect(stolen.headers.get("access-control-allow-origin")).toBeNull();
    expect((await stolen.json()).errors[0].extensions.code).toBe("FORBIDDEN");

    // Without a key, a partner's origin may read; any other origin gets no grant (the browser keeps the answer from it).
    const partnerPage = await get({ origin: ALPHA.origin });
    expect(partnerPage.headers.get("access-control-allow-origin")).toBe(ALPHA.origin);
    const stranger = await get({ origin: "https://evil.example" });
    expect(stranger.status).toBe(200);
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
    expect(stranger.headers.get("vary")).toMatch(/\bOrigin\b/);

    // Server to server: a key without an Origin is fine.
    expect((await get({ "x-api-key": ALPHA.key })).status).toBe(200);
    // The key may travel as a parameter (the widget's way); the header wins when both are there.
    expect((await get({ origin: ALPHA.origin }, `${QUERY}&key=${ALPHA.key}`)).headers.get("access-control-allow-origin")).toBe(
      ALPHA.origin,
    );
    expect((await get({ "x-api-key": BETA.key, origin: BETA.origin }, `${QUERY}&key=${ALPHA.key}`)).status).toBe(200);

    for (const response of [own, stolen, partnerPage, stranger]) expect(response.headers.get("access-control-allow-origin")).not.toBe("*");
  });

  it("answers preflights before any budget is spent, and refuses them from strangers", async () => {
    const gateway = await start({ partners: partnersFile({ requestsPerMinute: 100 }) });
    const preflight = (origin: string) =>
      gateway.fetch("/graphql", {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type, x-api-key" },
      });
    for (let i = 0; i < ALPHA.perMinute + 2; i++) {
      const answer = await preflight(ALPHA.origin);
      expect(answer.status).toBe(204);
      expect(answer.headers.get("access-control-allow-origin")).toBe(ALPHA.origin);
      expect(answer.headers.get("access-control-allow-methods")).toMatch(/POST/);
      expect(answer.headers.get("access-control-allow-headers")).toBe("content-type, x-api-key");
      expect(Number(answer.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    }
    const post = await gateway.fetch("/graphql", {
      method: "POST",
      headers: { origin: ALPHA.origin, "x-api-key": ALPHA.key, "content-type": "application/json" },
      body: JSON.stringify({ query: "{ sections { slug } }" }),
    });
    expect(post.status).toBe(200);
    expect(post.headers.get("x-ratelimit-remaining")).toBe(String(ALPHA.perMinute - 1));
    const stranger = await preflight("https://evil.example");
    expect(stranger.status).toBe(403);
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers 401 to a wrong key, and to no key when anonymous use is refused", async () => {
    const gateway = await start({ partners: partnersFile(false) });
    const wrong = await gateway.fetch(QUERY, { headers: { "x-api-key": "not-a-key" } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ errors: [{ message: "unknown API key", extensions: { code: "UNAUTHENTICATED" } }] });
    expect((await gateway.fetch("/feeds/all.rss?key=not-a-key")).status).toBe(401);

    const none = await gateway.fetch(QUERY);
    expect(none.status).toBe(401);
    expect((await none.json()).errors[0].message).toMatch(/an API key is required: send it in the x-api-key header or the key parameter/);
    for (const path of ["/feeds/all.atom", "/sources.opml", "/embed/technology", "/graphql"])
      expect((await gateway.fetch(path)).status).toBe(401);
    // Load balancers and partner pages still reach these without one.
    expect((await gateway.fetch("/health")).status).toBe(200);
    expect((await gateway.fetch("/ready")).status).toBe(200);
    expect((await gateway.fetch("/embed.js")).status).toBe(200);
    expect((await gateway.fetch(QUERY, { headers: { "x-api-key": ALPHA.key } })).status).toBe(200);
    expect((await gateway.fetch(`/embed/technology?key=${BETA.key}`)).status).toBe(200);
  });

  it("lets only the embed page be framed, by the partners' origins", async () => {
    const gateway = await start({ partners: partnersFile({ requestsPerMinute: 100 }) });
    const policy = async (path: string) => {
      const response = await gateway.fetch(path, { headers: { accept: "text/html" } });
      await response.arrayBuffer();
      return {
        csp: response.headers.get("content-security-policy"),
        xfo: response.headers.get("x-frame-options"),
        nosniff: response.headers.get("x-content-type-options"),
      };
    };
    // Without a key only the asking page's origin is named, when it is a partner's: nobody can list them all.
    expect(await policy("/embed/technology")).toEqual({
      csp: expect.stringMatching(/frame-ancestors 'none'$/),
      xfo: null,
      nosniff: "nosniff",
    });
    expect((await policy(`/embed/technology?key=${ALPHA.key}`)).csp).toMatch(/frame-ancestors https:\/\/alpha\.example$/);
    expect((await policy("/embed/technology")).csp).toMatch(/default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    // GraphiQL, feeds, the rest: no frame may hold them.
    for (const path of ["/graphql", "/feeds/all.rss", "/embed/technology.json"]) {
      // GraphiQL's page adds its own script and style sources; every policy ends the same way.
      expect(await policy(path)).toEqual({ csp: expect.stringMatching(/(^|; )frame-ancestors 'none'$/), xfo: "DENY", nosniff: "nosniff" });
    }
  });

  it("stays open without a partners file: any origin granted, no key, no limit", async () => {
    const gateway = await start({});
    const answers = await Promise.all(
      Array.from({ length: 80 }, () => gateway.fetch(QUERY, { headers: { origin: "https://anyone.example" } })),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    // `*`, never credentials: nothing here uses cookies.
    expect(answers[0]!.headers.get("access-control-allow-origin")).toBe("*");
    expect(answers[0]!.headers.get("access-control-allow-credentials")).toBeNull();
    expect(answers[0]!.headers.get("x-ratelimit-limit")).toBeNull();
    expect((await gateway.fetch(QUERY, { headers: { "x-api-key": "anything" } })).status).toBe(200);
    const page = await gateway.fetch("/embed/technology");
    expect(page.headers.get("content-security-policy")).toMatch(/frame-ancestors \*$/);
  });
});
