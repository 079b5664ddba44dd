import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";

/** Every way the fault server can make a source misbehave. */
export const FAULTS = [
  "hang-before-headers",
  "hang-mid-body",
  "drip",
  "reset",
  "http-500",
  "http-502",
  "http-503",
  "http-503-retry-after",
  "http-429",
  "http-429-retry-after",
  "redirect-loop",
  "redirect-non-http",
  "endless-body",
  "gzip-bomb",
  "wrong-content-type",
  "wrong-charset",
  "truncated-xml",
  "xml-bomb",
  "empty-200",
  "zero-items",
  "ids-changed",
] as const;
export type Fault = (typeof FAULTS)[number];

/** Retry-After the `*-retry-after` faults send, in seconds. */
export const RETRY_AFTER_SECONDS = 300;

/** A valid RSS feed of `count` items for `name`; `guidPrefix` changes the guids while the links stay. */
export function rssFeed(name: string, count = 3, guidPrefix = "g"): string {
  const items = Array.from(
    { length: count },
    (_, i) =>
      `<item><title>${name} story ${i} café</title><link>https://${name}.example/story-${i}</link><guid isPermaLink="false">${guidPrefix}-${name}-${i}</guid>` +
      `<pubDate>Mon, 02 Nov 2026 1${i}:00:00 GMT</pubDate><description>About ${name} ${i}</description></item>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>${name}</title><link>https://${name}.example/</link>${items.join("")}</channel></rss>`;
}

const XML_BOMB =
  `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
  `<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">` +
  `<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">` +
  `<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">` +
  `<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>` +
  `<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><link>https://bomb.example/1</link></item></channel></rss>`;

/** 16 MiB of zeros, gzipped to about 16 KiB: built once, before the server listens (building blocks the loop). */
let gzipBomb: Buffer | null = null;
function bomb(): Buffer {
  gzipBomb ??= gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
  return gzipBomb;
}

/**
 * An upstream on 127.0.0.1 whose feeds (`/<name>.rss`) serve a valid RSS feed
 * (`items` items) until a fault is set on them. Counts every request per path, so tests can
 * see backoff; closes every socket (hanging ones too) on `close()`.
 */
export async function startFaultServer({ items = 3 }: { items?: number } = {}) {
  const faults = new Map<string, Fault>();
  const hits = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  bomb();
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const match = /^\/([\w-]+)\.rss$/.exec(path);
    if (!match) return void res.writeHead(404).end("not found");
    const name = match[1]!;
    const fault = faults.get(name);
    if (!fault) return void res.writeHead(200, { "content-type": "application/rss+xml; charset=utf-8" }).end(rssFeed(name, items));
    serveFault(fault, name, req, res, timers);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name: string) => `http://127.0.0.1:${port}/${name}.rss`,
    setFault: (name: string, fault: Fault | null) => (fault ? faults.set(name, fault) : faults.delete(name)),
    hits: (name: string) => hits.get(`/${name}.rss`) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function serveFault(fault: Fault, name: string, req: IncomingMessage, res: ServerResponse, timers: Set<NodeJS.Timeout>): void {
  const xml = { "content-type": "application/rss+xml; charset=utf-8" };
  switch (fault) {
    case "hang-before-headers":
      return; // never answers; the socket stays open until the client gives up
    case "hang-mid-body":
      res.writeHead(200, xml);
      res.write(rssFeed(name).slice(0, 120));
      return;
    case "drip": {
      const body = rssFeed(name);
      res.writeHead(200, xml);
      let at = 0;
      const timer = setInterval(() => {
        if (at >= body.length || res.destroyed) return void clearInterval(timer);
        res.write(body[at++]);
      }, 1000);
      timers.add(timer);
      res.on("close", () => clearInterval(timer));
      return;
    }
    case "reset":
      req.socket.destroy();
      return;
    case "http-500":
    case "http-502":
    case "http-503":
    case "http-429":
      return void res.writeHead(Number(fault.slice(5)), { "content-type": "text/plain" }).end("upstream trouble");
    case "http-503-retry-after":
    case "http-429-retry-after":
      return void res
        .writeHead(Number(fault.slice(5, 8)), { "content-type": "text/plain", "retry-after": String(RETRY_AFTER_SECONDS) })
        .end("later");
    case "redirect-loop":
      return void res.writeHead(302, { location: `/${name}.rss?hop=${Math.random()}` }).end();
    case "redirect-non-http":
      return void res.writeHead(301, { location: "file:///etc/passwd" }).end();
    case "endless-body": {
      res.writeHead(200, xml);
      const chunk = Buffer.alloc(64 * 1024, "a");
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
      return;
    }
    case "gzip-bomb":
      return void res.writeHead(200, { ...xml, "content-encoding": "gzip" }).end(bomb());
    case "wrong-content-type":
      return void res.writeHead(200, { "content-type": "image/png" }).end(rssFeed(name));
    case "wrong-charset":
      // Latin-1 bytes (é as 0xE9) while the header and declaration say UTF-8.
      return void res.writeHead(200, xml).end(Buffer.from(rssFeed(name), "latin1"));
    case "truncated-xml": {
      const body = rssFeed(name);
      return void res.writeHead(200, xml).end(body.slice(0, body.indexOf("</item>") + 7 + 30));
    }
    case "xml-bomb":
      return void res.writeHead(200, xml).end(XML_BOMB);
    case "empty-200":
      return void res.writeHead(200, xml).end();
    case "zero-items":
      return void res.writeHead(200, xml).end(rssFeed(name, 0));
    case "ids-changed":
      return void res.writeHead(200, xml).end(rssFeed(name, 3, "renumbered"));
  }
}
