import { describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import { ingestBody, type IngestRequest } from "../../src/ingest/ingest-body.ts";
import { readSource } from "../../src/ingest/read-source.ts";
import { rssFeed } from "../helpers/fault-server.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";

/** A source whose server sends no validators (no ETag, no Last-Modified): every read is a full 200. */
function setup(sections = [{ slug: "news", name: "News" }], section = "news") {
  const config = parseSourcesConfig(
    { sections, sources: [{ id: "s", name: "S", url: "https://s.example/feed.rss", section }] },
    "/tmp/sources.json",
  );
  const source = config.sources[0]!;
  const state = { body: rssFeed("s", 3), ingested: 0 };
  const fetchFeed = async () => ({
    kind: "fetched" as const,
    body: Buffer.from(state.body),
    contentType: "application/rss+xml",
    freshForMs: null,
    etag: null,
    lastModified: null,
    finalUrl: new URL(source.url),
  });
  const ingest = (request: IngestRequest) => {
    state.ingested++;
    return ingestBody(request);
  };
  const read = (previous?: SourceSnapshot) =>
    readSource(source, { sections: config.sections, rootDir: "/tmp" }, { fetchFeed, now: () => 1_000_000, ingest }, previous);
  return { state, read };
}

describe("a source that sends the same body again without validators", () => {
  it("is not parsed again: same articles, same content hash, so no catalog rebuild", async () => {
    const { state, read } = setup();
    const first = await read();
    const second = await read(first);
    expect(state.ingested).toBe(1);
    expect(second.ok).toBe(true);
    expect(second.articles).toBe(first.articles);
    expect(second.contentHash).toBe(first.contentHash);
    expect(second.lastFetchedAt).not.toBeNull();

    state.body = rssFeed("s", 4);
    const third = await read(second);
    expect(state.ingested).toBe(2);
    expect(third.articles).toHaveLength(4);
    expect(third.contentHash).not.toBe(first.contentHash);
  });

  it("is read again when the settings that shape its articles changed (sections, the source's section)", async () => {
    const before = setup();
    const first = await before.read();
    const after = setup(
      [
        { slug: "news", name: "News" },
        { slug: "world", name: "World" },
      ],
      "world",
    );
    const second = await after.read(first);
    expect(after.state.ingested).toBe(1);
    expect(second.articles.every((article) => article.section === "world")).toBe(true);
  });

  it("is read again after a failed read, and while empty reads are being counted", async () => {
    const { state, read } = setup();
    const good = await read();
    const failed: SourceSnapshot = { ...good, ok: false, error: { code: "NETWORK", message: "reset" } };
    await read(failed);
    expect(state.ingested).toBe(2);
    state.body = rssFeed("s", 0);
    const empty = await read(good);
    expect(empty.emptyReadsKept).toBe(1);
    const emptyAgain = await read(empty);
    expect(state.ingested).toBe(4);
    expect(emptyAgain.emptyReadsKept).toBe(2);
  });
});
