import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo, LookupFunction } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFetcher, type FetchRequest } from "../../src/ingest/fetcher.ts";
import { createNodeHttpTransport } from "../../src/ingest/http-transport.ts";
import { IngestError } from "../../src/ingest/ingest-error.ts";
import { nonPublicRange, type AddressClassifier } from "../../src/ingest/network-policy.ts";
import { openGateway } from "../helpers/app-fetch.ts";

const BODY = '<rss version="2.0"><channel><title>ok</title></channel></rss>';
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * An upstream on `host` (any loopback address) that records the path and
 * headers of every request it receives; `handle` answers them. `tls` serves
 * https with that key and certificate.
 */
async function recorder(host: string, handle: Handler, options: { tls?: { key: Buffer; cert: Buffer }; port?: number } = {}) {
  const received: { path: string; headers: IncomingHttpHeaders }[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    received.push({ path: req.url ?? "/", headers: req.headers });
    handle(req, res);
  };
  const server = options.tls ? createTlsServer(options.tls, listener) : createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `${options.tls ? "https" : "http"}://${host}:${port}`;
  return {
    port,
    origin,
    url: (p: string) => new URL(p, origin),
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const feed: Handler = (_req, res) => void res.writeHead(200, { "content-type": "application/rss+xml" }).end(BODY);
const redirectTo =
  (target: () => string, status = 302): Handler =>
  (_req, res) =>
    void res.writeHead(status, { location: target() }).end();

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
async function started<T extends { close: () => Promise<void> }>(server: Promise<T>): Promise<T> {
  const running = await server;
  closers.push(running.close);
  return running;
}

const request = (url: URL, extra: Partial<FetchRequest> = {}): FetchRequest => ({
  url,
  timeoutMs: 5_000,
  maxBytes: 1024 * 1024,
  rootDir: tmpdir(),
  ...extra,
});
async function failure(promise: Promise<unknown>): Promise<IngestError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IngestError);
  return error as IngestError;
}

const SECRETS = { Authorization: "Bearer s3cret", "X-Api-Key": "k-123", Cookie: "session=abc" };
const secretsIn = (headers: IncomingHttpHeaders) => ({
  authorization: headers.authorization,
  apiKey: headers["x-api-key"],
  cookie: headers.cookie,
});
const NONE = { authorization: undefined, apiKey: undefined, cookie: undefined };
const ALL = { authorization: "Bearer s3cret", apiKey: "k-123", cookie: "session=abc" };

describe("credentials and redirects", () => {
  const fetchFeed = createFetcher();

  it("sends a source's configured headers to its own origin, also after a redirect within it", async () => {
    const origin = await started(
      recorder("127.0.0.1", (req, res) => (req.url === "/moved" ? redirectTo(() => "/feed", 301)(req, res) : feed(req, res))),
    );
    const outcome = await fetchFeed(request(origin.url("/moved"), { headers: SECRETS }));
    expect(outcome.kind).toBe("fetched");
    expect(origin.received.map((r) => [r.path, secretsIn(r.headers)])).toEqual([
      ["/moved", ALL],
      ["/feed", ALL],
    ]);
  });

  it("drops every configured header on a redirect to another origin, and does not send them back after it", async () => {
    // Two ports on 127.0.0.1: two origins.
    const other = await started(
      recorder("127.0.0.1", (req, res) => (req.url === "/bounce" ? redirectTo(() => origin.url("/feed").href)(req, res) : feed(req, res))),
    );
    const origin = await started(
      recorder("127.0.0.1", (req, res) => {
        if (req.url === "/away") return redirectTo(() => other.url("/feed").href)(req, res);
        if (req.url === "/away-and-back") return redirectTo(() => other.url("/bounce").href)(req, res);
        feed(req, res);
      }),
    );
    expect((await fetchFeed(request(origin.url("/away"), { headers: { ...SECRETS, "User-Agent": "Operator-UA/1" } }))).kind).toBe(
      "fetched",
    );
    expect(secretsIn(origin.received[0]!.headers)).toEqual(ALL);
    expect(origin.received[0]!.headers["user-agent"]).toBe("Operator-UA/1");
    expect(other.received.map((r) => r.path)).toEqual(["/feed"]);
    expect(secretsIn(other.received[0]!.headers)).toEqual(NONE);
    // Every configured header counts: even one that is no secret by its name goes back to the default.
    expect(other.received[0]!.headers["user-agent"]).toMatch(/^Newsgate\//);

    expect((await fetchFeed(request(origin.url("/away-and-back"), { headers: SECRETS }))).kind).toBe("fetched");
    expect(origin.received.slice(1).map((r) => [r.path, secretsIn(r.headers)])).toEqual([
      ["/away-and-back", ALL],
      // Back at the origin, but where the chain went was the other origin's choice.
      ["/feed", NONE],
    ]);
    expect(secretsIn(other.received[1]!.headers)).toEqual(NONE);
  });

  it("sends a URL's user:password only to its origin, and never reports it in the final URL", async () => {
    const other = await started(recorder("127.0.0.1", feed));
    const origin = await started(
      recorder("127.0.0.1", (req, res) =>
        req.url === "/away" ? redirectTo(() => `//127.0.0.1:${other.port}/feed`)(req, res) : feed(req, res),
      ),
    );
    const withUser = (p: string) => new URL(`http://reader:p%40ss@127.0.0.1:${origin.port}${p}`);
    const basic = `Basic ${Buffer.from("reader:p@ss").toString("base64")}`;

    const direct = await fetchFeed(request(withUser("/feed")));
    expect(origin.received[0]!.headers.authorization).toBe(basic);
    expect(direct.kind === "fetched" && direct.finalUrl.href).toBe(`${origin.origin}/feed`);

    await fetchFeed(request(withUser("/away")));
    expect(origin.received[1]!.headers.authorization).toBe(basic);
    expect(other.received.map((r) => r.headers.authorization)).toEqual([undefined]);
  });

  it("never sends user:password that a redirect's Location carries", async () => {
    const other = await started(recorder("127.0.0.1", feed));
    const origin = await started(
      recorder(
        "127.0.0.1",
        redirectTo(() => `http://evil:pw@127.0.0.1:${other.port}/feed`),
      ),
    );
    const outcome = await fetchFeed(request(origin.url("/")));
    expect(other.received[0]!.headers.authorization).toBeUndefined();
    expect(outcome.kind === "fetched" && outcome.finalUrl.href).toBe(`${other.origin}/feed`);
  });

  describe("from https to plain http", () => {
    let tls: { key: Buffer; cert: Buffer };
    beforeAll(() => {
      // A throwaway certificate for 127.0.0.1, trusted by this test's transport alone.
      const dir = mkdtempSync(path.join(tmpdir(), "newsgate-tls-"));
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:prime256v1",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-addext",
          "subjectAltName=IP:127.0.0.1",
          "-keyout",
          path.join(dir, "key.pem"),
          "-out",
          path.join(dir, "cert.pem"),
        ],
        { stdio: "ignore" },
      );
      tls = { key: readFileSync(path.join(dir, "key.pem")), cert: readFileSync(path.join(dir, "cert.pem")) };
      rmSync(dir, { recursive: true });
    });

    it("refuses the downgrade while the source sends credentials, and follows it when it sends none", async () => {
      const fetchTrusting = createFetcher(createNodeHttpTransport({ https: { ca: tls.cert } }));
      const plain = await started(recorder("127.0.0.1", feed));
      const secure = await started(
        recorder(
          "127.0.0.1",
          redirectTo(() => plain.url("/feed").href),
          { tls },
        ),
      );

      const error = await failure(fetchTrusting(request(secure.url("/feed"), { headers: { "X-Api-Key": "k-123" } })));
      expect([error.code, error.message]).toEqual([
        "INSECURE_REDIRECT",
        `redirect from ${secure.origin} to plain http (${plain.origin}) refused: the source sends credentials`,
      ]);
      expect(secure.received[0]!.headers["x-api-key"]).toBe("k-123");
      expect(plain.received).toEqual([]);

      // A public feed that moves to http is followed as before: nothing secret is in play.
      const outcome = await fetchTrusting(request(secure.url("/feed")));
      expect(outcome.kind === "fetched" && outcome.finalUrl.href).toBe(`${plain.origin}/feed`);
    });
  });
});

describe("private networks", () => {
  // Tests reach only loopback: 127.0.0.2 plays the public internet, every other loopback address stays private.
  const classify: AddressClassifier = (address) => (address.replace(/^::ffff:/, "") === "127.0.0.2" ? null : nonPublicRange(address));
  let internal: Awaited<ReturnType<typeof recorder>>;
  beforeAll(async () => {
    internal = await recorder("127.0.0.1", feed);
  });
  afterAll(() => internal.close());
  const internalHits = () => internal.received.length;

  it("refuses a redirect from a public address into loopback, by address or by a name resolving there", async () => {
    const fetchFeed = createFetcher(createNodeHttpTransport(), { refusePrivateAddresses: false, classify });
    let target = "";
    const publicHost = await started(
      recorder(
        "127.0.0.2",
        redirectTo(() => target),
      ),
    );
    const before = internalHits();
    const cases: [string, string][] = [
      [internal.url("/secret").href, "127.0.0.1 is a loopback address"],
      [`http://localhost:${internal.port}/secret`, "localhost resolves to "],
      [`http://[::ffff:127.0.0.1]:${internal.port}/secret`, "::ffff:7f00:1 is a loopback address"],
      [`http://2130706433:${internal.port}/secret`, "127.0.0.1 is a loopback address"],
    ];
    for (const [location, message] of cases) {
      target = location;
      const error = await failure(fetchFeed(request(publicHost.url("/feed"))));
      expect(error.code).toBe("PRIVATE_ADDRESS");
      expect(error.message).toContain(message);
      expect(error.message).toMatch(/a redirect from a public address may not lead into a private network$/);
    }
    expect(internalHits()).toBe(before);
  });

  it("never reuses a connection opened unchecked (the operator's own private source) for a hop that must be public", async () => {
    const fetchFeed = createFetcher(createNodeHttpTransport(), { refusePrivateAddresses: false, classify });
    const publicHost = await started(
      recorder(
        "127.0.0.2",
        redirectTo(() => internal.url("/secret").href.replace("127.0.0.1", "localhost")),
      ),
    );
    // Read directly, as configured: allowed, and its kept-alive connection stays in the pool.
    expect((await fetchFeed(request(new URL(`http://localhost:${internal.port}/feed`)))).kind).toBe("fetched");
    const before = internalHits();
    expect((await failure(fetchFeed(request(publicHost.url("/feed"))))).code).toBe("PRIVATE_ADDRESS");
    expect(internalHits()).toBe(before);
  });

  it("refuses a private hop after a public one anywhere in the chain", async () => {
    const fetchFeed = createFetcher(createNodeHttpTransport(), { refusePrivateAddresses: false, classify });
    const publicHost = await started(
      recorder(
        "127.0.0.2",
        redirectTo(() => internal.url("/secret").href),
      ),
    );
    // The operator's own private source, moved to a public host, which sends the read back inside.
    const privateStart = await started(
      recorder(
        "127.0.0.3",
        redirectTo(() => publicHost.url("/feed").href),
      ),
    );
    const before = internalHits();
    expect((await failure(fetchFeed(request(privateStart.url("/feed"))))).code).toBe("PRIVATE_ADDRESS");
    expect(internalHits()).toBe(before);
  });

  it("reads a source the operator put on a private address, redirects inside that network included, by default", async () => {
    const fetchFeed = createFetcher(createNodeHttpTransport(), { refusePrivateAddresses: false, classify });
    const hop = await started(
      recorder(
        "127.0.0.3",
        redirectTo(() => internal.url("/feed").href),
      ),
    );
    expect((await fetchFeed(request(internal.url("/feed")))).kind).toBe("fetched");
    const outcome = await fetchFeed(request(hop.url("/moved")));
    expect(outcome.kind === "fetched" && outcome.finalUrl.href).toBe(internal.url("/feed").href);
  });

  it("with refusePrivateAddresses, refuses configured private sources and reads public ones", async () => {
    const fetchFeed = createFetcher(createNodeHttpTransport(), { refusePrivateAddresses: true, classify });
    const publicHost = await started(recorder("127.0.0.2", feed));
    const before = internalHits();
    const error = await failure(fetchFeed(request(internal.url("/feed"))));
    expect([error.code, error.message]).toEqual([
      "PRIVATE_ADDRESS",
      "127.0.0.1 is a loopback address: refused, private addresses are refused (--refuse-private-addresses)",
    ]);
    expect((await failure(fetchFeed(request(new URL(`http://localhost:${internal.port}/feed`))))).code).toBe("PRIVATE_ADDRESS");
    expect(internalHits()).toBe(before);
    expect((await fetchFeed(request(publicHost.url("/feed")))).kind).toBe("fetched");
  });

  it("checks the address each connection is made to, not the name: a name rebinding to a private address is refused", async () => {
    // The same port on a public and a private address; the name answers one, then the other (DNS rebinding).
    const publicHost = await started(
      recorder(
        "127.0.0.2",
        (_req, res) => void res.writeHead(200, { "content-type": "application/rss+xml", connection: "close" }).end(BODY),
      ),
    );
    const rebound = await started(recorder("127.0.0.1", feed, { port: publicHost.port }));
    const answers = ["127.0.0.2", "127.0.0.1"];
    let lookups = 0;
    const lookup = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      if (hostname !== "feeds.test") return callback(Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" }));
      const address = answers[lookups++ % answers.length]!;
      if (options.all) callback(null, [{ address, family: 4 }]);
      else callback(null, address, 4);
    }) as unknown as LookupFunction;
    const fetchFeed = createFetcher(createNodeHttpTransport({ lookup }), { refusePrivateAddresses: true, classify });
    const url = new URL(`http://feeds.test:${publicHost.port}/feed`);

    expect((await fetchFeed(request(url))).kind).toBe("fetched");
    const error = await failure(fetchFeed(request(url)));
    expect([error.code, error.message]).toEqual([
      "PRIVATE_ADDRESS",
      "feeds.test resolves to 127.0.0.1, a loopback address: refused, private addresses are refused (--refuse-private-addresses)",
    ]);
    // One lookup per connection, the one connected to: no separate check a second answer could slip past.
    expect(lookups).toBe(2);
    expect(publicHost.received).toHaveLength(1);
    expect(rebound.received).toEqual([]);
  });

  it("reaches a source's status through the gateway's setting", async () => {
    const source = (id: string, url: string) => ({ id, name: id, url, section: "technology" });
    const gateway = await started(
      openGateway({ sources: [source("inside", internal.url("/feed").href)] }, { refusePrivateAddresses: true }),
    );
    const snapshot = await gateway.refreshSource("inside");
    expect([snapshot.ok, snapshot.error?.code]).toEqual([false, "PRIVATE_ADDRESS"]);
    const open = await started(openGateway({ sources: [source("inside", internal.url("/feed").href)] }));
    expect((await open.refreshSource("inside")).ok).toBe(true);
  });
});
