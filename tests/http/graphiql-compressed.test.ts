import http from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway } from "../helpers/gateway.ts";

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(url: string, headers: Record<string, string>, method = "GET"): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** The names in Vary (the partner gate adds Origin to every answer). */
const varyNames = (raw: Raw) =>
  String(raw.headers.vary ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);

describe("GraphiQL's page, compressed", () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let plain: Raw;
  beforeAll(async () => {
    gateway = await startGateway({ sources: [] });
    plain = await get(`${gateway.url}/graphql`, { accept: "text/html" });
  });
  afterAll(() => gateway.close());

  it("is the very page Yoga serves, in brotli when the client takes it, with the same security headers", async () => {
    expect(plain.status).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(5_000_000);
    const br = await get(`${gateway.url}/graphql`, { accept: "text/html,application/xhtml+xml", "accept-encoding": "gzip, deflate, br" });
    expect(br.status).toBe(200);
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.body.length).toBeLessThan(plain.body.length / 3);
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    for (const header of ["content-type", "content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options"]) {
      expect(br.headers[header], header).toBe(plain.headers[header]);
    }
    // Both are the page Yoga renders, with the security headers Yoga's own answer carries.
    const yoga = await gateway.app.yoga.fetch("http://gateway.test/graphql", { headers: { accept: "text/html" } });
    expect(Buffer.from(await yoga.arrayBuffer()).equals(plain.body)).toBe(true);
    for (const header of ["content-type", "content-security-policy", "x-content-type-options", "referrer-policy"]) {
      expect(plain.headers[header], header).toBe(yoga.headers.get(header));
    }
    expect(String(br.headers.vary)).toMatch(/Accept-Encoding/);
    expect(Number(br.headers["content-length"])).toBe(br.body.length);
  });

  it("is gzip for a client that takes gzip only, and plain for one that refuses both", async () => {
    const gz = await get(`${gateway.url}/graphql`, { accept: "text/html", "accept-encoding": "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    for (const refusing of ["identity", "br;q=0, gzip;q=0", "deflate"]) {
      const raw = await get(`${gateway.url}/graphql/`, { accept: "text/html", "accept-encoding": refusing });
      expect(raw.headers["content-encoding"], refusing).toBeUndefined();
      expect(raw.body.equals(plain.body), refusing).toBe(true);
    }
  });

  it("carries a strong tag per encoding, Cache-Control and Vary, and answers If-None-Match with a 304 and no body", async () => {
    const variants = {
      identity: await get(`${gateway.url}/graphql`, { accept: "text/html", "accept-encoding": "identity" }),
      br: await get(`${gateway.url}/graphql`, { accept: "text/html", "accept-encoding": "gzip, deflate, br" }),
      gzip: await get(`${gateway.url}/graphql`, { accept: "text/html", "accept-encoding": "gzip" }),
    };
    const tags = Object.values(variants).map((v) => v.headers.etag);
    for (const [name, answer] of Object.entries(variants)) {
      expect(answer.status, name).toBe(200);
      // Strong (no W/), and the same for the same bytes: a hash of the page, not a counter or a time.
      expect(answer.headers.etag, name).toMatch(/^"[A-Za-z0-9_-]+(\.br|\.gz)?"$/);
      expect(answer.headers["cache-control"], name).toBe("public, no-cache");
      expect(varyNames(answer), name).toEqual(expect.arrayContaining(["accept", "accept-encoding"]));
    }
    expect(plain.headers.etag).toBe(variants.identity.headers.etag);
    expect(new Set(tags).size).toBe(3);
    expect(variants.br.headers.etag).toMatch(/\.br"$/);
    expect(variants.gzip.headers.etag).toMatch(/\.gz"$/);

    const encodings = { identity: "identity", br: "gzip, deflate, br", gzip: "gzip" } as const;
    for (const [name, answer] of Object.entries(variants)) {
      const etag = answer.headers.etag!;
      const again = await get(`${gateway.url}/graphql`, {
        accept: "text/html",
        "accept-encoding": encodings[name as keyof typeof encodings],
        "if-none-match": etag,
      });
      expect(again.status, name).toBe(304);
      expect(again.body.length, name).toBe(0);
      expect(again.headers.etag, name).toBe(etag);
      expect(again.headers["cache-control"], name).toBe("public, no-cache");
      expect(varyNames(again), name).toEqual(varyNames(answer));
      expect(again.headers["content-security-policy"], name).toBe(plain.headers["content-security-policy"]);
      // A weak comparison (RFC 9110 §13.1.2), in a list, and `*`.
      for (const header of [`W/${etag}`, `"other", ${etag}`, "*"]) {
        const listed = await get(`${gateway.url}/graphql`, {
          accept: "text/html",
          "accept-encoding": encodings[name as keyof typeof encodings],
          "if-none-match": header,
        });
        expect(listed.status, `${name} ${header}`).toBe(304);
      }
    }
    // Another variant's tag, or a stale one, gets the page in full.
    const other = await get(`${gateway.url}/graphql`, {
      accept: "text/html",
      "accept-encoding": "gzip",
      "if-none-match": variants.br.headers.etag!,
    });
    expect(other.status).toBe(200);
    expect(other.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(other.body).equals(plain.body)).toBe(true);
    const stale = await get(`${gateway.url}/graphql`, { accept: "text/html", "if-none-match": '"stale"' });
    expect(stale.status).toBe(200);
    expect(stale.body.equals(plain.body)).toBe(true);
  });

  it("leaves every other request on /graphql alone: queries over GET and POST answer JSON", async () => {
    const query = encodeURIComponent("{ sections { slug } }");
    const viaGet = await get(`${gateway.url}/graphql?query=${query}`, {
      accept: "application/graphql-response+json",
      "accept-encoding": "br",
    });
    expect(viaGet.headers["content-type"]).toMatch(/json/);
    expect(JSON.parse(viaGet.body.toString()).data.sections.length).toBeGreaterThan(0);
    const post = await get(`${gateway.url}/graphql`, { accept: "text/html", "accept-encoding": "br" }, "POST");
    expect(post.headers["content-encoding"]).toBeUndefined();
    expect(post.headers["content-type"] ?? "").not.toContain("text/html");
  });
});

describe("GraphiQL in a browser", () => {
  it("loads compressed, works with no host but the gateway, and shows the example query", async () => {
    const { launchChromium } = await import("../helpers/browser.ts");
    const gateway = await startGateway({ sources: [] });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const hosts = new Set<string>();
      const encodings: string[] = [];
      page.on("request", (request) => void hosts.add(new URL(request.url()).host));
      page.on("response", async (response) => {
        if (new URL(response.url()).pathname === "/graphql" && response.request().method() === "GET")
          encodings.push((await response.allHeaders())["content-encoding"] ?? "none");
      });
      await page.goto(`${gateway.url}/graphql`);
      await page.waitForSelector(".graphiql-container", { timeout: 30_000 });
      // Monaco writes its spaces as no-break spaces.
      await expect.poll(() => page.evaluate(() => /Related\s+editorial/.test(document.body.innerText)), { timeout: 30_000 }).toBe(true);
      expect(encodings[0]).toBe("br");
      expect([...hosts].filter((host) => host !== new URL(gateway.url).host && host !== "")).toEqual([]);
    } finally {
      await browser.close();
      await gateway.close();
    }
  }, 60_000);
});
