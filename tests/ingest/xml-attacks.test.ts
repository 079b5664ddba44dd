import { describe, expect, it } from "vitest";
import { IngestError } from "../../src/ingest/ingest-error.ts";
import { parseXmlFeed } from "../../src/ingest/parse-xml.ts";
import { MAX_XML_DEPTH } from "../../src/ingest/xml/read-xml.ts";

const rss = (doctype: string, title: string) =>
  `<?xml version="1.0"?>\n${doctype}\n<rss version="2.0"><channel><title>t</title><item><title>${title}</title><link>https://a.example/1</link></item></channel></rss>`;

async function parseError(xml: string): Promise<IngestError> {
  const error = await parseXmlFeed(xml).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IngestError);
  return error as IngestError;
}

describe("hostile XML", () => {
  it("defuses billion laughs: nested entities are never expanded", async () => {
    const levels = Array.from({ length: 10 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join("\n");
    const xml = rss(`<!DOCTYPE rss [\n<!ENTITY lol0 "lol">\n${levels}\n]>`, "&lol10;");
    const started = process.memoryUsage().heapUsed;
    const feed = await parseXmlFeed(xml);
    expect(feed.items[0]!.title).toBe("&lol10;");
    expect(feed.warning).toMatch(/read leniently/);
    // 10^10 "lol"s would be 30 GB; nothing near that was allocated.
    expect(process.memoryUsage().heapUsed - started).toBeLessThan(64 * 1024 * 1024);
  });

  it("refuses quadratic blow-up beyond the expansion limit", async () => {
    const big = "x".repeat(1000);
    const xml = rss(`<!DOCTYPE rss [<!ENTITY big "${big}">]>`, "&big;".repeat(5000));
    expect((await parseError(xml)).message).toMatch(/would expand beyond 1048576 characters/);
  });

  it("expands a small plain entity the feed declares", async () => {
    const feed = await parseXmlFeed(rss(`<!DOCTYPE rss [<!ENTITY site "Wire &#38; Co">]>`, "News from &site;"));
    // A value holding a reference is not expanded (no entity may expand another).
    expect(feed.items[0]!.title).toBe("News from &site;");
    const plain = await parseXmlFeed(rss(`<!DOCTYPE rss [<!ENTITY site "Wire Tech">]>`, "News from &site;"));
    expect(plain.items[0]!.title).toBe("News from Wire Tech");
  });

  it("never reads external entities (no file or network access)", async () => {
    const feed = await parseXmlFeed(
      rss(`<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY web SYSTEM "http://127.0.0.1:1/x">]>`, "A &xxe; B &web;"),
    );
    expect(feed.items[0]!.title).toBe("A &xxe; B &web;");
  });

  it(`refuses nesting deeper than ${MAX_XML_DEPTH} elements`, async () => {
    const deep = "<x>".repeat(MAX_XML_DEPTH + 10) + "</x>".repeat(MAX_XML_DEPTH + 10);
    expect((await parseError(rss("", deep))).message).toBe(`XML nests deeper than ${MAX_XML_DEPTH} elements`);
    // A stack-overflow depth is refused the same way, without a crash.
    const abyss = "<x>".repeat(100_000);
    expect((await parseError(`<rss version="2.0"><channel>${abyss}`)).code).toBe("PARSE_ERROR");
  });
});
