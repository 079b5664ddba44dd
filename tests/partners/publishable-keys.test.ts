import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePartnersConfig } from "../../src/partners/partners-file.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { appFetch, openGateway } from "../helpers/app-fetch.ts";

/**
 * A publishable key (one a partner puts in its pages for the widget) is
 * public: anyone can copy it. Through the app's request path, from several
 * client addresses, it must not let a script without an Origin, or one
 * visitor, spend the partner's whole budget.
 */
const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const PLANET = { key: "planet-widget-5d1e", origin: "https://planet.example", perMinute: 10, perAddress: 3 };
const WIRE = { key: "wire-server-88c2", perMinute: 50 };
const WIDGET_PATH = `/embed/technology.json?limit=1&key=${PLANET.key}`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One GET to `gateway`'s app from the client address `from` (the address the gate counts). */
async function get(
  gateway: Gateway,
  path: string,
  { headers = {}, from = "127.0.0.1" }: { headers?: Record<string, string>; from?: string } = {},
): Promise<Answer> {
  const response = await appFetch(gateway.app, { remoteAddress: from })(path, { headers });
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

type Gateway = Awaited<ReturnType<typeof openGateway>>;

const code = (answer: Answer) => (JSON.parse(answer.body) as { errors: [{ extensions: { code: string } }] }).errors[0].extensions.code;

describe("publishable keys", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  const gateways: Gateway[] = [];
  const start = async () => {
    const partners = parsePartnersConfig(
      {
        anonymous: false,
        partners: [
          {
            name: "Planet",
            keyHash: sha256(PLANET.key),
            allowedOrigins: [PLANET.origin],
            requestsPerMinute: PLANET.perMinute,
            publishable: true,
            requestsPerMinutePerAddress: PLANET.perAddress,
          },
          { name: "Wire", keyHash: sha256(WIRE.key), allowedOrigins: [], requestsPerMinute: WIRE.perMinute },
        ],
      },
      "/srv/partners.json",
    );
    const gateway = await openGateway(
      { sources: [{ id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" }] },
      { partners },
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

  it("refuses a publishable key without an allowed Origin (403 ORIGIN_REQUIRED) before it spends anything, so the partner's own widget still gets through", async () => {
    const gateway = await start();
    // A script copying the key from the partner's page: as many requests as the whole budget, and more.
    const scripted = await Promise.all(Array.from({ length: PLANET.perMinute + 5 }, () => get(gateway, WIDGET_PATH)));
    expect(new Set(scripted.map((a) => a.status))).toEqual(new Set([403]));
    expect(code(scripted[0]!)).toBe("ORIGIN_REQUIRED");
    expect(JSON.parse(scripted[0]!.body).errors[0].message).toMatch(/publishable .*Origin/);
    // The header form is refused alike.
    expect(code(await get(gateway, "/graphql?query=%7Bsections%7Bslug%7D%7D", { headers: { "x-api-key": PLANET.key } }))).toBe(
      "ORIGIN_REQUIRED",
    );
    // An origin the partner did not list is refused as before.
    expect(code(await get(gateway, WIDGET_PATH, { headers: { origin: "https://copycat.example" } }))).toBe("FORBIDDEN");

    // The widget on the partner's page: nothing of its budget was spent.
    const widget = await get(gateway, WIDGET_PATH, { headers: { origin: PLANET.origin } });
    expect(widget.status).toBe(200);
    expect(widget.headers["access-control-allow-origin"]).toBe(PLANET.origin);
    expect(widget.headers["x-ratelimit-remaining"]).toBe(String(PLANET.perAddress - 1));

    // The iframe form: a navigation sends no Origin, but its Referer names the partner's page.
    const frame = await get(gateway, `/embed/technology?key=${PLANET.key}`, {
      headers: { referer: `${PLANET.origin}/world/today` },
      from: "127.0.0.2",
    });
    expect(frame.status).toBe(200);
    expect(frame.headers["content-type"]).toMatch(/^text\/html/);
    expect(
      code(
        await get(gateway, `/embed/technology?key=${PLANET.key}`, {
          headers: { referer: "https://copycat.example/" },
          from: "127.0.0.2",
        }),
      ),
    ).toBe("ORIGIN_REQUIRED");

    // A server key is unchanged: no Origin needed. Health checks stay open whatever the key.
    expect((await get(gateway, "/feeds/all.json?limit=1", { headers: { "x-api-key": WIRE.key } })).status).toBe(200);
    expect((await get(gateway, `/health?key=${PLANET.key}`)).status).toBe(200);
  });

  it("limits each client address within the key's budget, and a visitor's refused requests leave the budget to the others", async () => {
    const gateway = await start();
    const fromSite = (from: string) => get(gateway, WIDGET_PATH, { headers: { origin: PLANET.origin }, from });
    const statuses = async (from: string, count: number) => {
      const answers: Answer[] = [];
      for (let i = 0; i < count; i++) answers.push(await fromSite(from));
      return answers;
    };

    // One visitor (or a script that sends the partner's Origin) hammers: its own share, then 429.
    const hammer = await statuses("127.0.0.1", PLANET.perAddress + 4);
    expect(hammer.map((a) => a.status)).toEqual([...Array(PLANET.perAddress).fill(200), 429, 429, 429, 429]);
    const refused = hammer.at(-1)!;
    expect(code(refused)).toBe("RATE_LIMITED");
    expect(JSON.parse(refused.body).errors[0].message).toMatch(
      /more than 3 requests in a minute from this address with this key; retry in \d+ s/,
    );
    expect(refused.headers["x-ratelimit-limit"]).toBe(String(PLANET.perAddress));
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(refused.headers["access-control-allow-origin"]).toBe(PLANET.origin);

    // Other visitors are served: 3 + 3 + 1 more reach the key's 10. The 4 refusals above spent none of it.
    expect((await statuses("127.0.0.2", PLANET.perAddress)).map((a) => a.status)).toEqual([200, 200, 200]);
    expect((await statuses("127.0.0.3", PLANET.perAddress)).map((a) => a.status)).toEqual([200, 200, 200]);
    const last = await statuses("127.0.0.4", 2);
    expect(last.map((a) => a.status)).toEqual([200, 429]);
    // That refusal is the key's budget, not the address's.
    expect(JSON.parse(last[1]!.body).errors[0].message).toMatch(/more than 10 requests in a minute; retry in \d+ s/);
    expect(last[1]!.headers["x-ratelimit-limit"]).toBe(String(PLANET.perMinute));
  });
});
