import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));
const SLOW_TIMEOUT_MS = 400;

describe("failing, malformed and slow sources beside a good one", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;
  let elapsedMs = 0;
  let answer: { data?: any; errors?: any[] };

  beforeAll(async () => {
    upstream = await startFixtureServer({
      "/good.rss": serveBody(wire, "application/rss+xml"),
      "/broken": (_req, res) => void res.writeHead(500, { "content-type": "text/plain" }).end("upstream exploded at /var/secret/path"),
      // Nested past the limit: no lenient reading takes it.
      "/malformed.xml": serveBody(
        `<?xml version="1.0"?><rss version="2.0"><channel>${"<x>".repeat(300)}</channel></rss>`,
        "application/rss+xml",
      ),
      // A mismatched end tag: recovered as lenient readers recover it, with a warning.
      "/mismatched.xml": serveBody(
        '<?xml version="1.0"?><rss version="2.0"><channel><item><title>Mismatched</link></item></channel></rss>',
        "application/rss+xml",
      ),
      // Cut off mid-item: read leniently, with a warning.
      "/truncated.rss": serveBody(
        '<?xml version="1.0"?><rss version="2.0"><channel><item><title>Cut short</title><link>https://t.example/1</link></item><item><title>Lost',
        "application/rss+xml",
      ),
      "/malformed.json": serveBody('{"version": "https://jsonfeed.org/version/1.1", "items": [', "application/feed+json"),
      // Sends headers, then never finishes the body.
      "/slow.rss": (_req, res) => {
        res.writeHead(200, { "content-type": "application/rss+xml" });
        res.write('<?xml version="1.0"?><rss version="2.0"><channel>');
      },
      "/html": serveBody("<!doctype html><html><body>Moved</body></html>", "text/html"),
    });
    gateway = await openGateway({
      sources: [
        { id: "good", name: "Good", url: upstream.url("/good.rss"), section: "technology" },
        { id: "broken", name: "Broken", url: upstream.url("/broken"), section: "technology" },
        { id: "malformed-xml", name: "Malformed XML", url: upstream.url("/malformed.xml"), section: "technology" },
        { id: "malformed-json", name: "Malformed JSON", url: upstream.url("/malformed.json"), section: "science" },
        { id: "slow", name: "Slow", url: upstream.url("/slow.rss"), section: "science", timeoutMs: SLOW_TIMEOUT_MS },
        { id: "html", name: "Not a feed", url: upstream.url("/html"), section: "science" },
        { id: "truncated", name: "Truncated", url: upstream.url("/truncated.rss"), section: "science" },
        { id: "mismatched", name: "Mismatched", url: upstream.url("/mismatched.xml"), section: "science" },
        { id: "refused", name: "Refused", url: "http://127.0.0.1:1/feed", section: "science" },
      ],
    });
    const started = performance.now();
    answer = await gateway.query(`{
      articles(first: 50) { totalCount edges { node { title sources { sourceId } } } }
      sources { sourceId status { ok errorCode lastError itemCount warning } }
    }`);
    elapsedMs = performance.now() - started;
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("answers with the good sources' articles and no error", () => {
    expect(answer.errors).toBeUndefined();
    const bySource = answer.data.articles.edges.map((e: any) => e.node.sources[0].sourceId);
    expect(bySource.filter((id: string) => id === "good")).toHaveLength(3);
    expect(bySource.filter((id: string) => id !== "good" && id !== "truncated" && id !== "mismatched")).toEqual([]);
  });

  it("reads a truncated feed leniently and says so", () => {
    const truncated = answer.data.sources.find((s: any) => s.sourceId === "truncated").status;
    expect(truncated).toMatchObject({ ok: true, errorCode: null });
    expect(truncated.warning).toMatch(/^not well-formed XML, read leniently/);
    const titles = answer.data.articles.edges.filter((e: any) => e.node.sources[0].sourceId === "truncated").map((e: any) => e.node.title);
    expect(titles).toEqual(["Cut short"]);
    expect(truncated.warning).toMatch(/the 1 complete item kept, the unfinished one left out/);
  });

  it("reads a feed with a mismatched end tag leniently and names the fault", () => {
    const mismatched = answer.data.sources.find((s: any) => s.sourceId === "mismatched").status;
    expect(mismatched).toMatchObject({ ok: true, errorCode: null, itemCount: 1 });
    expect(mismatched.warning).toMatch(/<\/link> closes nothing open/);
  });

  it("records each failure with a code in its source's status", () => {
    const status = Object.fromEntries(answer.data.sources.map((s: any) => [s.sourceId, s.status]));
    expect(status.good).toMatchObject({ ok: true, errorCode: null, itemCount: 3 });
    expect(status.broken).toMatchObject({ ok: false, errorCode: "HTTP_STATUS", itemCount: 0 });
    expect(status.broken.lastError).toBe("HTTP 500 Internal Server Error");
    expect(status["malformed-xml"]).toMatchObject({ ok: false, errorCode: "PARSE_ERROR" });
    expect(status["malformed-xml"].lastError).toMatch(/nests deeper than 256/);
    expect(status["malformed-json"]).toMatchObject({ ok: false, errorCode: "PARSE_ERROR" });
    expect(status.slow).toMatchObject({ ok: false, errorCode: "TIMEOUT", lastError: `no complete answer within ${SLOW_TIMEOUT_MS} ms` });
    expect(status.html).toMatchObject({ ok: false, errorCode: "UNSUPPORTED_FORMAT" });
    expect(status.refused).toMatchObject({ ok: false, errorCode: "NETWORK" });
  });

  it("lets the slow source cost no more than its timeout", () => {
    // The slow route never ends; only the timeout can have stopped it. The margin covers a loaded machine.
    expect(elapsedMs).toBeGreaterThanOrEqual(SLOW_TIMEOUT_MS - 50);
    expect(elapsedMs).toBeLessThan(SLOW_TIMEOUT_MS + 3_000);
  });
});

describe("a source that fails after a good read", () => {
  it("keeps serving its last good articles and says what went wrong (stale-if-error)", async () => {
    let failing = false;
    const upstream = await startFixtureServer({
      "/feed.rss": (_req, res) => {
        if (failing) res.writeHead(503).end("down");
        else res.writeHead(200, { "content-type": "application/rss+xml" }).end(wire);
      },
    });
    let clock = 1_000_000; // lru-cache reads a start time of 0 as "no TTL"
    const gateway = await openGateway(
      { sources: [{ id: "wire", name: "Wire", url: upstream.url("/feed.rss"), section: "technology", refreshSeconds: 60 }] },
      { monotonicNow: () => clock },
    );
    try {
      const statusQuery = "{ articles { totalCount } sources { status { ok errorCode itemCount } } }";
      expect((await gateway.query(statusQuery)).data).toEqual({
        articles: { totalCount: 3 },
        sources: [{ status: { ok: true, errorCode: null, itemCount: 3 } }],
      });
      failing = true;
      clock += 61_000; // past the TTL: the next read refreshes
      // Stale-while-revalidate: this answer is the held copy, the refresh runs behind it.
      expect((await gateway.query(statusQuery)).data.articles.totalCount).toBe(3);
      let after: any;
      for (let i = 0; i < 100; i++) {
        after = (await gateway.query(statusQuery)).data;
        if (!after.sources[0].status.ok) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(after).toEqual({ articles: { totalCount: 3 }, sources: [{ status: { ok: false, errorCode: "HTTP_STATUS", itemCount: 3 } }] });
      expect(upstream.hits("/feed.rss")).toBe(2);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
