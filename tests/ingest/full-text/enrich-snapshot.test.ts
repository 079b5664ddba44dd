import { describe, expect, it } from "vitest";
import type { SourceConfig } from "../../../src/config/sources-file.ts";
import { FULL_TEXT_DEADLINE_MS, MAX_PAGE_TRIES, MAX_PAGES_PER_READ } from "../../../src/ingest/full-text/enrich-snapshot.ts";
import type { PageRequest, PageResult } from "../../../src/ingest/full-text/page-reader.ts";
import { withFullText } from "../../../src/ingest/full-text/with-full-text.ts";
import type { SourceSnapshot } from "../../../src/model/source-snapshot.ts";
import { snapshotOf } from "../../helpers/snapshots.ts";
import { article } from "../../helpers/stored-articles.ts";

const source = (fullText: boolean) => ({ id: "s", timeoutMs: 1_000, maxBytes: 100_000, fullText }) as SourceConfig;
const PAGE_TEXT = "The page's article, much longer than any teaser in the feed. ".repeat(10);

/** A read that gives the feed's version of items `names` (their hashes are their names), as readSource would. */
function feedRead(names: string[], contentHash = names.join("+")): SourceSnapshot {
  const articles = names.map((name) =>
    article({
      id: name,
      sourceId: "s",
      url: `https://news.example/${name}`,
      canonicalUrl: `https://news.example/${name}`,
      rawBodyHtml: `Teaser ${name}`,
    }),
  );
  return { ...snapshotOf("s", articles, { contentHash }), articleHashes: names.slice() };
}

function pages(
  answer: (request: PageRequest) => PageResult = () => ({
    ok: true,
    html: `<p>${PAGE_TEXT}</p>`,
    textChars: PAGE_TEXT.length,
    finalUrl: "https://news.example/x",
    requested: true,
  }),
) {
  const asked: string[] = [];
  const readPage = async (request: PageRequest) => {
    asked.push(request.url.pathname.slice(1));
    return answer(request);
  };
  return { asked, readPage };
}

describe("the full-text step", () => {
  it("gives new items their page's article, keeps done ones by hash, and covers the bodies in the content hash", async () => {
    const { asked, readPage } = pages();
    let next = feedRead(["a", "b"]);
    const read = withFullText(async () => next, { readPage, now: () => 0 });
    const first = await read(source(true), {}, undefined);
    expect(asked).toEqual(["a", "b"]);
    expect(first.articles.map((a) => a.rawBodyHtml)).toEqual([`<p>${PAGE_TEXT}</p>`, `<p>${PAGE_TEXT}</p>`]);
    expect(first.articles[0]).toMatchObject({ bodyBase: "https://news.example/x", bodyWords: null });
    expect(first.contentHash).not.toBe("a+b");
    expect(first.fullText).toMatchObject({ baseContentHash: "a+b", failed: [], lastRead: { pagesRead: 2, extracted: 2, failed: 0 } });

    // The feed's versions again (as a parser thread's memo gives them): the held, extracted ones are kept, no page read.
    next = feedRead(["a", "b"]);
    const same = await read(source(true), {}, first);
    expect(asked).toHaveLength(2);
    expect(same.articles[0]).toBe(first.articles[0]);
    expect(same.contentHash).toBe(first.contentHash);

    // Unchanged (a 304): the previous snapshot itself, nothing read, the same hash.
    next = first;
    expect((await read(source(true), {}, first)).contentHash).toBe(first.contentHash);

    next = feedRead(["c", "a", "b"]);
    const grown = await read(source(true), {}, same);
    expect(asked).toEqual(["a", "b", "c"]);
    expect(grown.articles[1]).toBe(first.articles[0]);
    expect(grown.fullText!.lastRead).toMatchObject({ pagesRead: 1, extracted: 1 });
  });

  it("keeps the feed's body when the page gives less than the feed, and does not ask again while the item is unchanged", async () => {
    const { asked, readPage } = pages(() => ({
      ok: true,
      html: "<p>short</p>",
      textChars: 5,
      finalUrl: "https://news.example/a",
      requested: true,
    }));
    let next = feedRead(["a"]);
    const read = withFullText(async () => next, { readPage, now: () => 0 });
    const first = await read(source(true), {}, undefined);
    expect(first.articles[0]!.rawBodyHtml).toBe("Teaser a");
    expect(first.contentHash).toBe("a");
    expect(first.fullText).toMatchObject({ failed: ["a"], lastError: { code: "NOT_EXTRACTABLE", url: "https://news.example/a" } });
    next = feedRead(["a"]);
    await read(source(true), {}, first);
    expect(asked).toEqual(["a"]);
  });

  it(`tries a page that failed for a passing reason again on later reads, ${MAX_PAGE_TRIES} times in all`, async () => {
    let outage = true;
    const { asked, readPage } = pages((request) =>
      request.url.pathname === "/up" && !outage
        ? { ok: true, html: `<p>${PAGE_TEXT}</p>`, textChars: PAGE_TEXT.length, finalUrl: request.url.href, requested: true }
        : { ok: false, code: "HTTP_STATUS", message: "upstream answered 503", requested: true },
    );
    const read = withFullText(async () => feedRead(["up", "down"]), { readPage, now: () => 0 });
    const first = await read(source(true), {}, undefined);
    expect(first.fullText).toMatchObject({ failed: [], retries: { up: 1, down: 1 }, lastError: { code: "HTTP_STATUS" } });
    // The outage passes for one page: it is extracted on the next read; the other keeps failing and is given up.
    outage = false;
    const second = await read(source(true), {}, first);
    expect(second.articles[0]!.rawBodyHtml).toBe(`<p>${PAGE_TEXT}</p>`);
    expect(second.fullText).toMatchObject({ failed: [], retries: { down: 2 } });
    const third = await read(source(true), {}, second);
    expect(third.fullText!.failed).toEqual(["down"]);
    expect(third.fullText!.retries).toBeUndefined();
    await read(source(true), {}, third);
    expect(asked.sort()).toEqual(["down", "down", "down", "up", "up"]);
  });

  it(`tries at most ${MAX_PAGES_PER_READ} pages a read and none past ${FULL_TEXT_DEADLINE_MS} ms; the rest on later reads`, async () => {
    const clock = { now: 0 };
    const { asked, readPage } = pages((request) => {
      if (request.url.pathname === "/i3") clock.now += FULL_TEXT_DEADLINE_MS + 1;
      return { ok: true, html: `<p>${PAGE_TEXT}</p>`, textChars: PAGE_TEXT.length, finalUrl: request.url.href, requested: true };
    });
    const names = Array.from({ length: MAX_PAGES_PER_READ + 10 }, (_, i) => `i${i}`);
    let next = feedRead(names);
    const read = withFullText(async () => next, { readPage, now: () => clock.now });
    const first = await read(source(true), {}, undefined);
    // Four pages at a time: the fourth passes the deadline, and no page starts after it.
    expect(asked).toEqual(["i0", "i1", "i2", "i3"]);
    expect(Object.keys(first.fullText!.extracted)).toHaveLength(4);
    next = first;
    const second = await read(source(true), {}, first);
    expect(asked).toHaveLength(4 + MAX_PAGES_PER_READ);
    expect(Object.keys(second.fullText!.extracted)).toHaveLength(4 + MAX_PAGES_PER_READ);
  });

  it("keeps what was done through a failed read, and gives back the feed's bodies when fullText is turned off", async () => {
    const { readPage } = pages();
    const seen: (SourceSnapshot | undefined)[] = [];
    let next = feedRead(["a"]);
    const read = withFullText(
      async (_source, _config: object, previous) => {
        seen.push(previous);
        return next;
      },
      { readPage, now: () => 0 },
    );
    const first = await read(source(true), {}, undefined);
    next = { ...first, ok: false, error: { code: "TIMEOUT", message: "slow" }, fullText: undefined };
    const failed = await read(source(true), {}, first);
    expect(failed.fullText).toBe(first.fullText);

    next = feedRead(["a"]);
    const off = await read(source(false), {}, first);
    // The read was given nothing to reuse: no held articles, no validators, no body hash.
    expect(seen.at(-1)).toMatchObject({ articleHashes: undefined, etag: null, lastModified: null, bodyHash: null });
    expect(seen.at(-1)!.fullText).toBeUndefined();
    expect(off.articles[0]!.rawBodyHtml).toBe("Teaser a");
    expect(off.contentHash).not.toBe(first.contentHash);
  });
});
