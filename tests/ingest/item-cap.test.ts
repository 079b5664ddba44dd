import { describe, expect, it } from "vitest";
import { ingestBody, type IngestRequest } from "../../src/ingest/ingest-body.ts";
import { DEFAULT_MAX_ITEMS } from "../../src/config/sources-file.ts";

function jsonFeed(count: number, dated: (n: number) => string | null = () => null): string {
  const items = Array.from({ length: count }, (_, n) => {
    const date = dated(n);
    return { id: `i${n}`, url: `https://cap.example/${n}`, title: `Story ${n}`, ...(date ? { date_published: date } : {}) };
  });
  return JSON.stringify({ version: "https://jsonfeed.org/version/1.1", title: "Cap", items });
}

function request(text: string, maxItems?: number): IngestRequest {
  return {
    body: Buffer.from(text),
    contentType: "application/feed+json",
    format: "auto",
    sourceId: "cap",
    defaultSection: "world",
    sections: [{ slug: "world", name: "World" }],
    feedUrl: "https://cap.example/feed.json",
    now: Date.parse("2026-11-28T00:00:00Z"),
    ...(maxItems === undefined ? {} : { maxItems }),
  };
}

describe("the cap on items per source", () => {
  it("keeps the first DEFAULT_MAX_ITEMS of an undated feed, in feed order, and says how many were left out", async () => {
    const read = await ingestBody(request(jsonFeed(60_000)));
    expect(DEFAULT_MAX_ITEMS).toBe(1_000);
    expect(read.articles).toHaveLength(1_000);
    expect(read.articleHashes).toHaveLength(1_000);
    expect(read.articles[0]!.title).toBe("Story 0");
    expect(read.articles[999]!.title).toBe("Story 999");
    expect(read.itemsSeen).toBe(60_000);
    expect(read.warnings).toContain("feed has 60000 items; kept the first 1000 in feed order (maxItems), left out 59000");
  });

  it("keeps the newest by date when the feed dates its items (undated ones last), still in feed order", async () => {
    // Item n is dated n minutes after midnight, so the newest are the last; 5 and 7 carry no date.
    const text = jsonFeed(10, (n) => (n === 5 || n === 7 ? null : new Date(Date.UTC(2026, 10, 1, 0, n)).toISOString()));
    const read = await ingestBody(request(text, 4));
    expect(read.articles.map((a) => a.title)).toEqual(["Story 4", "Story 6", "Story 8", "Story 9"]);
    expect(read.warnings).toContain("feed has 10 items; kept the newest 4 by date (maxItems), left out 6");
  });

  it("changes nothing for a feed within its cap, and the cap's articles hash as their own", async () => {
    const whole = await ingestBody(request(jsonFeed(20)));
    expect(whole.articles).toHaveLength(20);
    expect(whole.warnings.some((w) => w.includes("maxItems"))).toBe(false);
    const cut = await ingestBody(request(jsonFeed(20), 5));
    const small = await ingestBody(request(jsonFeed(5)));
    expect(cut.articleHashes).toEqual(small.articleHashes);
    expect(cut.contentHash).toBe(small.contentHash);
    expect(cut.contentHash).not.toBe(whole.contentHash);
  });
});
