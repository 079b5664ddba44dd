import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPartnerGate, type PartnerGate } from "../../src/partners/partner-gate.ts";
import { parsePartnersConfig } from "../../src/partners/partners-file.ts";

/** Every way a handler writes its headers after the gate ran: the gate's names end up in Vary each time, once. */
const writers: Record<string, (res: ServerResponse) => void> = {
  "/no-vary": (res) => res.writeHead(200, { "content-type": "text/plain" }).end("ok"),
  "/vary-object": (res) => res.writeHead(200, { "content-type": "text/plain", vary: "Accept" }).end("ok"),
  "/vary-object-capitalized": (res) => res.writeHead(200, { Vary: "Accept, Origin" }).end("ok"),
  "/vary-with-reason": (res) => res.writeHead(200, "Fine", { VARY: "accept-encoding" }).end("ok"),
  "/vary-star": (res) => res.writeHead(200, { vary: "*" }).end("ok"),
  "/vary-set": (res) => {
    res.setHeader("vary", ["Accept", "Accept-Language"]);
    res.writeHead(200).end("ok");
  },
  "/status-only": (res) => {
    res.statusCode = 204;
    res.end();
  },
};

async function serve(gate: PartnerGate): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    if (await gate(req, res)) return;
    writers[req.url ?? ""]!(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("the partner gate's response headers", () => {
  const servers: Server[] = [];
  let open: string;
  let keyed: string;
  beforeAll(async () => {
    const partners = parsePartnersConfig({ anonymous: { requestsPerMinute: 1000 }, partners: [] }, "/srv/partners.json");
    const a = await serve(createPartnerGate({}));
    const b = await serve(createPartnerGate({ partners }));
    servers.push(a.server, b.server);
    open = a.url;
    keyed = b.url;
  });
  afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

  const headersOf = async (base: string, path: string, init: RequestInit = {}) => {
    const response = await fetch(`${base}${path}`, init);
    await response.arrayBuffer();
    return response.headers;
  };

  it("adds Origin (and X-API-Key with partners) to Vary however the handler writes it", async () => {
    const expected: Record<string, [string, string]> = {
      "/no-vary": ["Origin", "Origin, X-API-Key"],
      "/vary-object": ["Accept, Origin", "Accept, Origin, X-API-Key"],
      "/vary-object-capitalized": ["Accept, Origin", "Accept, Origin, X-API-Key"],
      "/vary-with-reason": ["accept-encoding, Origin", "accept-encoding, Origin, X-API-Key"],
      "/vary-star": ["*", "*"],
      "/vary-set": ["Accept, Accept-Language, Origin", "Accept, Accept-Language, Origin, X-API-Key"],
      "/status-only": ["Origin", "Origin, X-API-Key"],
    };
    // Twice: the second answer comes from the remembered merge.
    for (let round = 0; round < 2; round++) {
      for (const [path, [withoutPartners, withPartners]] of Object.entries(expected)) {
        expect((await headersOf(open, path)).get("vary"), path).toBe(withoutPartners);
        expect((await headersOf(keyed, path)).get("vary"), path).toBe(withPartners);
      }
    }
  });

  it("without partners grants any origin as *, without credentials, and sets the same security headers on every answer", async () => {
    const headers = await headersOf(open, "/vary-object", { headers: { origin: "https://anyone.example" } });
    expect(Object.fromEntries([...headers].filter(([name]) => name !== "date" && name !== "keep-alive" && name !== "connection"))).toEqual({
      "access-control-allow-origin": "*",
      "access-control-expose-headers": "ETag, Last-Modified, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining",
      "content-security-policy": "frame-ancestors 'none'",
      "content-type": "text/plain",
      "transfer-encoding": "chunked",
      vary: "Accept, Origin",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
    });
    const preflight = await fetch(`${open}/no-vary`, {
      method: "OPTIONS",
      headers: { origin: "https://anyone.example", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, HEAD, POST, OPTIONS");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("content-type");
    expect(preflight.headers.get("vary")).toBe("Origin");
  });
});
