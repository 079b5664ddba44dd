import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

const jsonFeed = (home: string, items: unknown[]) =>
  JSON.stringify({ version: "https://jsonfeed.org/version/1.1", title: "F", home_page_url: home, items });

/** A podcast whose episodes have no links of their own, and a daily page with an anchor per post. */
const PODCAST = jsonFeed(
  "https://pod.example/",
  [1, 2, 3, 4, 5].map((n) => ({
    id: `episode-${n}`,
    title: `Episode ${n}`,
    date_published: `2026-11-0${n}T10:00:00Z`,
    attachments: [
      { url: `https://cdn.pod.example/${n}.mp3`, mime_type: "audio/mpeg", size_in_bytes: 1000 * n, duration_in_seconds: 60 * n },
    ],
  })),
);
const DAILY = jsonFeed(
  "https://daily.example/",
  [1, 2, 3].map((n) => ({
    id: `post-${n}`,
    url: `https://daily.example/2026/11/28#post-${n}`,
    title: `Post ${n}`,
    date_published: "2026-11-28T10:00:00Z",
  })),
);
/** Another source that links to the podcast's home page and to the daily page. */
const OTHER = jsonFeed("https://other.example/", [
  { id: "o1", url: "https://pod.example/", title: "Listen to our podcast", date_published: "2026-11-28T09:00:00Z" },
  { id: "o2", url: "https://daily.example/2026/11/28", title: "Today's page", date_published: "2026-11-28T09:00:00Z" },
]);

describe("a source's item count", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;

  beforeAll(async () => {
    upstream = await startFixtureServer({
      "/pod.json": serveBody(PODCAST, "application/feed+json"),
      "/daily.json": serveBody(DAILY, "application/feed+json"),
      "/other.json": serveBody(OTHER, "application/feed+json"),
    });
    gateway = await openGateway({
      sources: [
        { id: "pod", name: "Pod", url: upstream.url("/pod.json"), section: "technology" },
        { id: "daily", name: "Daily", url: upstream.url("/daily.json"), section: "technology" },
        { id: "other", name: "Other", url: upstream.url("/other.json"), section: "technology" },
      ],
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("agrees with articles(source:) when episodes have no links and posts are anchors of one page", async () => {
    const answer = await gateway.query(`{
      sources { sourceId status { itemCount } }
      pod: articles(source: "pod", first: 50) { totalCount }
      daily: articles(source: "daily", first: 50) { totalCount }
      other: articles(source: "other", first: 50) { totalCount }
      all: articles(first: 50) { totalCount }
    }`);
    expect(answer.errors).toBeUndefined();
    const data = answer.data;
    expect(data.sources.map((s: any) => [s.sourceId, s.status.itemCount])).toEqual([
      ["pod", 5],
      ["daily", 3],
      ["other", 2],
    ]);
    expect([data.pod.totalCount, data.daily.totalCount, data.other.totalCount]).toEqual([5, 3, 2]);
    // The other source's link to the daily page joins one post's story; its link to the podcast's home page joins none.
    expect(data.all.totalCount).toBe(5 + 3 + 2 - 1);
  });
});
