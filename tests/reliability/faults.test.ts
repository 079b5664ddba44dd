import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import { MAX_REDIRECTS } from "../../src/ingest/fetcher.ts";
import { IngestPool } from "../../src/ingest/ingest-pool.ts";
import { MAX_EMPTY_READS_KEPT, readSource } from "../../src/ingest/read-source.ts";
import { FIRST_RETRY_MS } from "../../src/store/source-cache/refresh-policy.ts";
import { FAULTS, RETRY_AFTER_SECONDS, rssFeed, startFaultServer, type Fault } from "../helpers/fault-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";

const TIMEOUT_MS = 300;
const REFRESH_MS = 3600_000;

/**
 * What each fault should leave on its source's status. `ok: true` faults are
 * read (perhaps with a warning); the others fail with `code` and keep serving
 * the last good articles.
 */
const EXPECTED: Record<Fault, { ok: boolean; code: string | null; warning?: RegExp; message?: RegExp }> = {
  "hang-before-headers": { ok: false, code: "TIMEOUT" },
  "hang-mid-body": { ok: false, code: "TIMEOUT" },
  drip: { ok: false, code: "TIMEOUT" },
  reset: { ok: false, code: "NETWORK" },
  "http-500": { ok: false, code: "HTTP_STATUS", message: /^HTTP 500/ },
  "http-502": { ok: false, code: "HTTP_STATUS", message: /^HTTP 502/ },
  "http-503": { ok: false, code: "HTTP_STATUS", message: /^HTTP 503/ },
  "http-503-retry-after": { ok: false, code: "HTTP_STATUS", message: /^HTTP 503/ },
  "http-429": { ok: false, code: "HTTP_STATUS", message: /^HTTP 429/ },
  "http-429-retry-after": { ok: false, code: "HTTP_STATUS", message: /^HTTP 429/ },
  "redirect-loop": { ok: false, code: "TOO_MANY_REDIRECTS" },
  "redirect-non-http": { ok: false, code: "HTTP_STATUS", message: /redirect to a file: URL refused/ },
  "endless-body": { ok: false, code: "TOO_LARGE" },
  "gzip-bomb": { ok: false, code: "TOO_LARGE" },
  "wrong-content-type": { ok: true, code: null },
  // Latin-1 bytes under a UTF-8 label: read, with the bad bytes replaced and said so.
  "wrong-charset": { ok: true, code: null, warning: /^bytes that are not valid UTF-8 were replaced$/ },
  "truncated-xml": { ok: true, code: null, warning: /read leniently/ },
  // The entities are never expanded: the lenient pass reads the feed with them left as text.
  "xml-bomb": { ok: true, code: null, warning: /read leniently/ },
  "empty-200": { ok: false, code: "PARSE_ERROR", message: /^the source answered an empty body$/ },
  "zero-items": { ok: true, code: null, warning: /^feed returned no items; keeping the 3 held$/ },
  "ids-changed": { ok: true, code: null },
};
const FAILING = FAULTS.filter((f) => !EXPECTED[f].ok);
const WITH_RETRY_AFTER = FAILING.filter((f) => f.endsWith("retry-after"));
const PLAIN_FAILING = FAILING.filter((f) => !f.endsWith("retry-after"));

/** Upstream requests one read makes: a redirect loop is followed MAX_REDIRECTS times before giving up. */
const requestsPerRead = (fault: Fault) => (fault === "redirect-loop" ? MAX_REDIRECTS + 1 : 1);

const STATUS_QUERY = `{
  articles(first: 100) { totalCount edges { node { id title sources { sourceId } } } }
  sources { sourceId status { ok errorCode lastError warning itemCount } }
}`;

/** Polls `check` (bounded) until it holds; the reads it waits for run in the background. */
async function until(check: () => boolean, what: string, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("every upstream fault beside a good source", () => {
  let upstream: Awaited<ReturnType<typeof startFaultServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;
  let clock = 1_000_000; // lru-cache reads a clock of 0 as "no TTL"
  let before: any;
  let during: any;
  const statusOf = (answer: any, id: string) => answer.sources.find((s: any) => s.sourceId === id).status;
  const idsOf = (answer: any, id: string) =>
    answer.articles.edges
      .filter((e: any) => e.node.sources.some((s: any) => s.sourceId === id))
      .map((e: any) => e.node.id)
      .sort();
  const failures = (id: string) => gateway.store.snapshot(id)?.consecutiveFailures ?? 0;
  /** Lets the feed cache see the moved clock: a stale source starts a read in the background. */
  const touch = async () => void (await gateway.store.catalog());
  /** No read may start: gives one that would have started time to reach the upstream. */
  const expectNoHits = async (ids: readonly string[], hits: Map<string, number>) => {
    await touch();
    await new Promise((r) => setTimeout(r, 100));
    for (const id of ids) expect(upstream.hits(id), id).toBe(hits.get(id));
  };
  const hitsNow = () => new Map(FAULTS.map((f) => [f, upstream.hits(f)] as const));

  beforeAll(async () => {
    upstream = await startFaultServer();
    gateway = await openGateway(
      {
        sources: [
          { id: "good", name: "Good", url: upstream.url("good"), section: "technology", refreshSeconds: REFRESH_MS / 1000 },
          ...FAULTS.map((fault) => ({
            id: fault,
            name: fault,
            url: upstream.url(fault),
            section: "science",
            refreshSeconds: REFRESH_MS / 1000,
            timeoutMs: TIMEOUT_MS,
            maxBytes: 256 * 1024,
          })),
        ],
      },
      { monotonicNow: () => clock },
    );
    before = (await gateway.query(STATUS_QUERY)).data;
    for (const fault of FAULTS) upstream.setFault(fault, fault);
    clock += REFRESH_MS + 1;
    await Promise.all(FAULTS.map((fault) => gateway.refreshSource(fault)));
    during = (await gateway.query(STATUS_QUERY)).data;
  }, 10_000);
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("reads every source while no fault is set", () => {
    expect(before.articles.totalCount).toBe(3 * (FAULTS.length + 1));
    for (const s of before.sources) expect(s.status, s.sourceId).toMatchObject({ ok: true, errorCode: null, itemCount: 3 });
  });

  it.each(FAULTS)("%s: says what happened on the source's status, with its code", (fault) => {
    const status = statusOf(during, fault);
    const expected = EXPECTED[fault];
    expect(status).toMatchObject({ ok: expected.ok, errorCode: expected.code });
    if (expected.message) expect(status.lastError).toMatch(expected.message);
    if (expected.warning) expect(status.warning).toMatch(expected.warning);
  });

  it("still answers from the good source and from every failing source's last good copy (stale-if-error)", () => {
    expect(idsOf(during, "good")).toEqual(idsOf(before, "good"));
    for (const fault of FAILING) {
      expect(statusOf(during, fault).itemCount, fault).toBe(3);
      expect(idsOf(during, fault), fault).toEqual(idsOf(before, fault));
    }
  });

  it("never expands an XML bomb's entities", () => {
    const titles = during.articles.edges.filter((e: any) => e.node.sources[0].sourceId === "xml-bomb").map((e: any) => e.node.title);
    expect(titles).toEqual(["&lol9;"]);
  });

  it("keeps the articles of a feed that suddenly has zero items", () => {
    expect(idsOf(during, "zero-items")).toEqual(idsOf(before, "zero-items"));
    expect(statusOf(during, "zero-items").itemCount).toBe(3);
  });

  it("accepts a feed whose guids all changed, with article ids unchanged where the links are", () => {
    expect(statusOf(during, "ids-changed")).toMatchObject({ ok: true, itemCount: 3 });
    expect(idsOf(during, "ids-changed")).toEqual(idsOf(before, "ids-changed"));
  });

  it("backs off exponentially (30 s, 60 s, 120 s), honours Retry-After, then recovers by itself", async () => {
    // The faulty read above happened at `faultAt`; every failing source has one failure.
    const faultAt = clock;
    for (const fault of FAILING) expect(failures(fault), fault).toBe(1);
    let hits = hitsNow();
    let elapsed = 0;
    for (const [n, backoff] of [FIRST_RETRY_MS, 2 * FIRST_RETRY_MS, 4 * FIRST_RETRY_MS].entries()) {
      // Just before the backoff ends: nobody is read again, however often the catalog is asked.
      clock = faultAt + elapsed + backoff - 1_000;
      await expectNoHits(FAULTS, hits);
      // Just after: each plainly failing source is read exactly once more.
      clock = faultAt + elapsed + backoff + 1_000;
      await touch();
      await until(() => PLAIN_FAILING.every((f) => failures(f) === n + 2), `failure ${n + 2}`);
      for (const fault of PLAIN_FAILING) expect(upstream.hits(fault), fault).toBe(hits.get(fault)! + requestsPerRead(fault));
      // Retry-After (300 s) outlasts all three backoffs; sources that read fine stay fresh.
      for (const fault of FAULTS.filter((f) => !PLAIN_FAILING.includes(f))) expect(upstream.hits(fault), fault).toBe(hits.get(fault));
      hits = hitsNow();
      elapsed += backoff + 1_000;
    }
    // The Retry-After sources are read again once the 300 s they asked for have passed, not before.
    clock = faultAt + RETRY_AFTER_SECONDS * 1000 - 1_000;
    await expectNoHits(WITH_RETRY_AFTER, hits);
    clock = faultAt + RETRY_AFTER_SECONDS * 1000 + 1_000;
    await touch();
    await until(() => WITH_RETRY_AFTER.every((f) => failures(f) === 2), "a read after Retry-After");
    for (const fault of WITH_RETRY_AFTER) expect(upstream.hits(fault), fault).toBe(hits.get(fault)! + requestsPerRead(fault));

    // The faults end: within the longest backoff every source reads fine again, on its own.
    for (const fault of FAULTS) upstream.setFault(fault, null);
    clock += 30 * 60_000 + 1;
    await touch();
    await until(() => FAILING.every((f) => gateway.store.snapshot(f)?.ok === true), "recovery");
    // The zero-items source is read again too (it was fresh for the hour it was ok).
    clock += REFRESH_MS + 1;
    await touch();
    await until(() => gateway.store.snapshot("zero-items")?.warning === null, "the zero-items source to refill");
    const after = (await gateway.query(STATUS_QUERY)).data;
    for (const s of after.sources) expect(s.status, s.sourceId).toMatchObject({ ok: true, errorCode: null, warning: null, itemCount: 3 });
    expect(after.articles.totalCount).toBe(3 * (FAULTS.length + 1));
  }, 10_000);
});

describe("a feed that suddenly has zero items (readSource)", () => {
  const config = parseSourcesConfig(
    { sections: [{ slug: "news", name: "News" }], sources: [{ id: "s", name: "S", url: "https://s.example/feed.rss", section: "news" }] },
    "/tmp/sources.json",
  );
  const source = config.sources[0]!;
  const pool = new IngestPool();
  afterAll(() => pool.close());
  let body = rssFeed("s", 3);
  const fetchFeed = async () => ({
    kind: "fetched" as const,
    body: Buffer.from(body),
    contentType: "application/rss+xml",
    freshForMs: null,
    etag: null,
    lastModified: null,
    finalUrl: new URL(source.url),
  });
  const read = (previous?: SourceSnapshot) =>
    readSource(
      source,
      { sections: config.sections, rootDir: "/tmp" },
      { fetchFeed, now: () => 1_000_000, ingest: pool.run.bind(pool) },
      previous,
    );

  it(`keeps the held articles for ${MAX_EMPTY_READS_KEPT} empty reads in a row, then believes the feed`, async () => {
    let snapshot = await read();
    const held = snapshot.articles.map((a) => a.id);
    expect(held).toHaveLength(3);
    body = rssFeed("s", 0);
    for (let i = 1; i <= MAX_EMPTY_READS_KEPT; i++) {
      snapshot = await read(snapshot);
      expect(
        snapshot.articles.map((a) => a.id),
        `empty read ${i}`,
      ).toEqual(held);
      expect(snapshot).toMatchObject({ ok: true, warning: "feed returned no items; keeping the 3 held", emptyReadsKept: i });
    }
    snapshot = await read(snapshot);
    expect(snapshot).toMatchObject({ ok: true, warning: null, articles: [], emptyReadsKept: 0 });
  });

  it("starts counting again once the feed has items", async () => {
    body = rssFeed("s", 3);
    let snapshot = await read();
    body = rssFeed("s", 0);
    snapshot = await read(snapshot);
    expect(snapshot.emptyReadsKept).toBe(1);
    body = rssFeed("s", 2);
    snapshot = await read(snapshot);
    expect(snapshot).toMatchObject({ warning: null, emptyReadsKept: 0 });
    expect(snapshot.articles).toHaveLength(2);
  });

  it("does not invent articles for a source that never had any", async () => {
    body = rssFeed("s", 0);
    const snapshot = await read();
    expect(snapshot).toMatchObject({ ok: true, warning: null, articles: [] });
  });
});
