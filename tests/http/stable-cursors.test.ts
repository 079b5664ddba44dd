import { describe, expect, it } from "vitest";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

const item = (n: number) =>
  `<item><title>Story number ${n}</title><link>https://live.example/${n}</link><pubDate>${new Date(Date.UTC(2026, 9, 1, n)).toUTCString()}</pubDate></item>`;
const feed = (numbers: number[]) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>Live</title>${numbers.map(item).join("")}</channel></rss>`;

describe("paging while the catalog refreshes", () => {
  it("neither repeats nor skips an article that stayed", async () => {
    let numbers = Array.from({ length: 10 }, (_, i) => i + 1);
    const upstream = await startFixtureServer({
      "/live.rss": (_req, res) => void res.writeHead(200, { "content-type": "application/rss+xml" }).end(feed(numbers)),
    });
    let clock = 1_000_000;
    const gateway = await openGateway(
      { sources: [{ id: "live", name: "Live", url: upstream.url("/live.rss"), section: "technology", refreshSeconds: 60 }] },
      { monotonicNow: () => clock },
    );
    const page = async (after: string | null) =>
      (
        await gateway.query(
          `query($after: String) { articles(first: 3, after: $after) { pageInfo { hasNextPage endCursor } edges { node { title } } } }`,
          { after },
        )
      ).data.articles;
    try {
      const first = await page(null);
      expect(first.edges.map((e: any) => e.node.title)).toEqual(["Story number 10", "Story number 9", "Story number 8"]);

      // The feed changes: two newer stories arrive, story 7 (next in line) and story 9 (already seen) go.
      numbers = [1, 2, 3, 4, 5, 6, 8, 10, 11, 12];
      clock += 61_000;
      // The first read serves the held copy and starts the refresh; the new catalog follows.
      const newest = async () =>
        (await gateway.query("{ articles(first: 1) { edges { node { title } } } }")).data.articles.edges[0].node.title;
      for (let i = 0; i < 100 && (await newest()) !== "Story number 12"; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await newest()).toBe("Story number 12");

      const walked: string[] = first.edges.map((e: any) => e.node.title);
      let cursor = first.pageInfo.endCursor;
      for (let i = 0; i < 10; i++) {
        const next = await page(cursor);
        walked.push(...next.edges.map((e: any) => e.node.title));
        if (!next.pageInfo.hasNextPage) break;
        cursor = next.pageInfo.endCursor;
      }
      // After story 8: every older story that stayed, once, in order; none of the new ones.
      expect(walked).toEqual([
        "Story number 10",
        "Story number 9",
        "Story number 8",
        "Story number 6",
        "Story number 5",
        "Story number 4",
        "Story number 3",
        "Story number 2",
        "Story number 1",
      ]);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
