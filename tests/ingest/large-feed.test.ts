import { afterAll, describe, expect, it } from "vitest";
import { ingestBody, type IngestRequest } from "../../src/ingest/ingest-body.ts";
import { IngestPool } from "../../src/ingest/ingest-pool.ts";

function bigFeed(items: number): string {
  const item = (i: number) =>
    `<item><title>Story ${i}</title><link>https://big.example/${i}</link><pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate><description>&lt;p&gt;${"Words about the story. ".repeat(20)}&lt;/p&gt;</description></item>`;
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>${Array.from({ length: items }, (_, i) => item(i)).join("")}</channel></rss>`;
}

function request(text: string): IngestRequest {
  return {
    body: Buffer.from(text),
    contentType: "application/rss+xml",
    format: "auto",
    sourceId: "big",
    defaultSection: "world",
    sections: [{ slug: "world", name: "World" }],
    feedUrl: "https://big.example/feed.xml",
    // The reads here are about threads, not the item cap (item-cap.test.ts).
    maxItems: 10_000,
    now: Date.parse("2026-11-28T00:00:00Z"),
  } as IngestRequest;
}

describe("large feeds", () => {
  const pool = new IngestPool({ size: 2 });
  afterAll(() => pool.close());

  it("are read on a worker thread, with the same articles and hash as inline", async () => {
    const text = bigFeed(5000);
    expect(text.length).toBeGreaterThan(2 * 1024 * 1024);
    const [pooled, inline] = await Promise.all([pool.run(request(text)), ingestBody(request(text))]);
    expect(pooled.threadId).toBeGreaterThan(0);
    expect(pooled.articles).toHaveLength(5000);
    expect(pooled.articles[4999]!.title).toBe("Story 4999");
    // Dates and every field survive the trip between threads.
    expect(pooled.articles[0]!.publishedAt).toBeInstanceOf(Date);
    expect(pooled.articles).toEqual(inline.articles);
    expect(pooled.contentHash).toBe(inline.contentHash);
  });

  it("small feeds are read inline (a worker costs more than it saves)", async () => {
    const parsed = await pool.run(request(bigFeed(3)));
    expect(parsed.threadId).toBe(0);
    expect(parsed.articles).toHaveLength(3);
  });

  it("reads many bodies at once on at most `size` threads", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, n) => pool.run(request(bigFeed(400 + n)))));
    expect(results.map((r) => r.articles.length)).toEqual([400, 401, 402, 403, 404, 405]);
    expect(new Set(results.map((r) => r.threadId)).size).toBeLessThanOrEqual(2);
    expect(results.every((r) => r.threadId > 0)).toBe(true);
  });

  it("reports a malformed large feed with its code from the worker", async () => {
    // Mismatched tags are recovered as lenient readers do; nesting past the limit is refused.
    const broken = bigFeed(3000).replace("</channel></rss>", `${"<x>".repeat(300)}</channel></rss>`);
    await expect(pool.run(request(broken))).rejects.toMatchObject({
      code: "PARSE_ERROR",
      message: expect.stringContaining("nests deeper"),
    });
  });

  it("stops a read that exceeds its time limit, and the next read gets a fresh worker", async () => {
    const strict = new IngestPool({ size: 1, timeoutMs: 1 });
    try {
      await expect(strict.run(request(bigFeed(20000)))).rejects.toMatchObject({
        code: "PARSE_ERROR",
        message: "parsing took longer than 1 ms",
      });
    } finally {
      await strict.close();
    }
    const after = await pool.run(request(bigFeed(500)));
    expect(after.articles).toHaveLength(500);
  });

  it("fails queued reads with a coded error when closed", async () => {
    const closing = new IngestPool({ size: 1 });
    const pending = [closing.run(request(bigFeed(3000))), closing.run(request(bigFeed(3000)))].map((read) =>
      read.then(
        () => null,
        (error: unknown) => error,
      ),
    );
    await closing.close();
    for (const error of await Promise.all(pending))
      expect(error).toMatchObject({ code: "PARSE_ERROR", message: "the ingest pool was closed" });
  });
});
