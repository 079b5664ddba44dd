import { describe, expect, it } from "vitest";
import { parseBodyBounded } from "../../src/ingest/parse-off-thread.ts";

function bigFeed(items: number): string {
  const item = (i: number) =>
    `<item><title>Story ${i}</title><link>https://big.example/${i}</link><description>&lt;p&gt;${"Words about the story. ".repeat(20)}&lt;/p&gt;</description></item>`;
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>${Array.from({ length: items }, (_, i) => item(i)).join("")}</channel></rss>`;
}

describe("large feeds", () => {
  it("are parsed in a worker thread, so the event loop keeps serving", async () => {
    const text = bigFeed(5000);
    expect(text.length).toBeGreaterThan(2 * 1024 * 1024);
    const parsed = await parseBodyBounded({ text, contentType: "application/rss+xml", format: "auto" });
    expect(parsed.threadId).toBeGreaterThan(0);
    expect(parsed.feed.items).toHaveLength(5000);
    expect(parsed.feed.items[4999]!.title).toBe("Story 4999");
  });

  it("small feeds are parsed inline (a worker costs more than it saves)", async () => {
    const parsed = await parseBodyBounded({ text: bigFeed(3), contentType: null, format: "auto" });
    expect(parsed.threadId).toBe(0);
    expect(parsed.feed.items).toHaveLength(3);
  });

  it("reports a malformed large feed with its code from the worker", async () => {
    const broken = bigFeed(3000).replace("</channel></rss>", "</rss></channel>");
    await expect(parseBodyBounded({ text: broken, contentType: null, format: "auto" })).rejects.toMatchObject({ code: "PARSE_ERROR" });
  });

  it("stops a parse that exceeds its time limit", async () => {
    await expect(parseBodyBounded({ text: bigFeed(20000), contentType: null, format: "auto" }, { timeoutMs: 1 })).rejects.toMatchObject({
      code: "PARSE_ERROR",
      message: "parsing took longer than 1 ms",
    });
  });
});
