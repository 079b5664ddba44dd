import { describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import type { Article } from "../../src/model/article.ts";

import { NEWEST, OLDEST, sortArticles } from "../../src/store/catalog/article-order.ts";
import { selectArticles } from "../../src/store/query/article-filter.ts";
import type { BuildingCatalog } from "../../src/store/catalog/catalog.ts";
import { FeedCache } from "../../src/store/source-cache/feed-cache.ts";
import type { IndexingTimes } from "../../src/store/index-scheduler.ts";
import { Store } from "../../src/store/store.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";
import { snapshotOf, UNTIMED_RSS } from "../helpers/snapshots.ts";

const config = parseSourcesConfig(
  {
    sections: [{ slug: "news", name: "News" }],
    sources: Array.from({ length: 4 }, (_, s) => ({ id: `s${s}`, name: `S${s}`, url: `https://s${s}.example/rss`, section: "news" })),
  },
  "/srv/sources.json",
);

const story = (sourceId: string, n: number, title = `Story ${n} of ${sourceId} about topic${n % 9} and theme${n % 5}`): Article => ({
  id: `${sourceId}-${n}`,
  sourceId,
  guid: null,
  title,
  summary: `Topic${n % 9} and theme${n % 5} in region${n % 3}.`,
  rawBodyHtml: `<p>Body ${n}: topic${n % 9} theme${n % 5}.</p>`,
  bodyBase: null,
  bodyWords: 0,
  url: `https://${sourceId}.example/${n}`,
  canonicalUrl: `https://${sourceId}.example/${n}`,
  author: null,
  publishedAt: new Date(Date.UTC(2026, 10, 1) - n * 3_600_000),
  updatedAt: null,
  image: null,
  tags: [`topic${n % 9}`],
  section: "news",
  commentCount: null,
  authors: [],
  enclosures: [],
  language: null,
});

/** A read of `articles` whose content hash changes with any id or title. */
const snapshot = (sourceId: string, articles: Article[]): SourceSnapshot =>
  snapshotOf(sourceId, articles, { ...UNTIMED_RSS, contentHash: articles.map((a) => `${a.id}:${a.title}`).join("|") });

/** Every change builds a catalog from scratch, with indexes of its own to build: the path these tests are about. */
const FROM_SCRATCH = { maxShare: 0, minItems: 0 };

function setup(indexing?: Partial<IndexingTimes>, inPlace: { maxShare: number; minItems: number } = FROM_SCRATCH) {
  const feeds = new Map(config.sources.map((s) => [s.id, Array.from({ length: 60 }, (_, n) => story(s.id, n))]));
  let clock = 1_000_000;
  /** While set, reads wait for it: a source being read. */
  let hold: Promise<void> | null = null;
  const feedCache = new FeedCache({
    now: () => clock,
    random: () => 0.5,
    load: async (source) => {
      await hold;
      return snapshot(source.id, feeds.get(source.id)!);
    },
  });
  const store = new Store({ config, feedCache, now: () => clock, indexing, inPlace });
  /** Starts a read of `sourceId` that lasts until the returned function is called (its content unchanged). */
  const holdRead = (sourceId: string) => {
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const read = feedCache.refresh(config.sources.find((s) => s.id === sourceId)!);
    hold = null;
    return async () => {
      release();
      await read;
    };
  };
  const change = async (sourceId: string, articles: Article[]) => {
    feeds.set(sourceId, articles);
    clock += 60_000;
    await feedCache.refresh(config.sources.find((s) => s.id === sourceId)!);
    return (await store.catalog()) as BuildingCatalog;
  };
  return { store, feeds, change, holdRead, feedCache };
}

describe("a new catalog whose indexes are not built yet", () => {
  it("answers related stories from the last complete index, as its own current stories, leaving out those gone", async () => {
    const { store, feeds, change } = setup();
    const first = (await store.catalog()) as BuildingCatalog;
    const asked = "s1-3";
    const [before] = await first.relatedTo([{ id: asked, first: 8 }]); // builds the first catalog's index
    expect(before!.length).toBe(8);
    const gone = before![0]!.article.id;
    const edited = before![1]!.article.id;

    // One source drops a story and retitles another: a new catalog, its indexes not built.
    const sourceId = before![0]!.article.sourceId;
    const [editedSource, editedN] = [before![1]!.article.sourceId, Number(edited.split("-")[1])];
    let second: BuildingCatalog;
    if (sourceId === editedSource) {
      second = await change(
        sourceId,
        feeds
          .get(sourceId)!
          .filter((a) => a.id !== gone)
          .map((a) => (a.id === edited ? story(editedSource, editedN, `${a.title}, updated`) : a)),
      );
    } else {
      await change(
        sourceId,
        feeds.get(sourceId)!.filter((a) => a.id !== gone),
      );
      second = await change(
        editedSource,
        feeds.get(editedSource)!.map((a) => (a.id === edited ? story(editedSource, editedN, `${a.title}, updated`) : a)),
      );
    }
    expect(second.indexed).toBe(false);
    const [after] = await second.relatedTo([{ id: asked, first: 8 }]);
    expect(second.indexed).toBe(false);
    expect(after!.map((m) => m.article.id)).not.toContain(gone);
    expect(after!.length).toBe(8);
    for (const match of after!) expect(match.article).toBe(second.byId.get(match.article.id));
    expect(after!.find((m) => m.article.id === edited)!.article.title).toMatch(/, updated$/);
  });

  it("waits for its own index for a story the older index does not know", async () => {
    const { store, feeds, change } = setup();
    const first = (await store.catalog()) as BuildingCatalog;
    await first.relatedTo([{ id: "s0-1", first: 3 }]);
    const second = await change("s2", [story("s2", 1000, "A brand new story about topic1 and theme1"), ...feeds.get("s2")!]);
    const [fresh, known] = await second.relatedTo([
      { id: "s2-1000", first: 3 },
      { id: "s0-1", first: 3 },
    ]);
    expect(fresh!.length).toBe(3);
    expect(known!.length).toBe(3);
    expect(second.related.relatedTo("s2-1000", 3).map((m) => m.article.id)).toEqual(fresh!.map((m) => m.article.id));
  });

  it("searches with the last complete search index until its own is built, then with its own", async () => {
    const { store, feeds, change } = setup();
    const first = (await store.catalog()) as BuildingCatalog;
    const older = await first.searchIndex();
    const second = await change("s3", [story("s3", 2000, "Zeppelin sighting over the harbour"), ...feeds.get("s3")!]);
    expect(await second.searchIndex()).toBe(older);
    expect(second.search()).toBe(older);
    // The store indexes the current catalog in the background, after it has lasted a moment.
    await expect.poll(() => second.indexed, { timeout: 10_000 }).toBe(true);
    expect(second.search()).not.toBe(older);
    expect(
      second
        .search()
        .search("zeppelin")
        .map((hit) => hit.id),
    ).toEqual(["s3-2000"]);
  });

  it("serves a search from the older index with this catalog's own articles, in every order", async () => {
    const { store, feeds, change } = setup();
    const first = (await store.catalog()) as BuildingCatalog;
    const older = await first.searchIndex();
    // s1 drops its stories about topic4 and retitles one about topic2: the older index still has them.
    const s1 = feeds
      .get("s1")!
      .filter((a) => !a.title.includes("topic4"))
      .map((a) => (a.id === "s1-2" ? { ...a, title: `${a.title} (updated)` } : a));
    const second = await change("s1", s1);
    expect(second.search()).toBe(older);
    for (const orderBy of ["RELEVANCE", "NEWEST", "OLDEST"] as const) {
      for (const query of ["topic4", "topic2"]) {
        const { list, hitAt } = selectArticles(second, { query, orderBy });
        const articles = list.slice();
        expect(articles.length).toBeGreaterThan(0);
        // This catalog's objects (the retitled story as it is now), none of the dropped ones.
        for (const [i, article] of articles.entries()) {
          expect(article).toBe(second.byId.get(article.id));
          expect(hitAt!(i).id).toBe(article.id);
        }
        if (query === "topic4") expect(articles.some((a) => a.sourceId === "s1")).toBe(false);
        if (query === "topic2") expect(articles.find((a) => a.id === "s1-2")?.title).toMatch(/\(updated\)$/);
        const ids = articles.map((a) => a.id);
        if (orderBy !== "RELEVANCE") expect(ids).toEqual(sortArticles(articles, orderBy === "NEWEST" ? NEWEST : OLDEST).map((a) => a.id));
      }
    }
  });

  it("has no older index after the configuration is reloaded: it builds its own", async () => {
    const { store } = setup();
    const first = (await store.catalog()) as BuildingCatalog;
    const older = await first.searchIndex();
    store.reload(config);
    const reloaded = (await store.catalog()) as BuildingCatalog;
    expect(reloaded).not.toBe(first);
    expect(await reloaded.searchIndex()).not.toBe(older);
  });
});

describe("background indexing", () => {
  const quick = { delayMs: 20, checkMs: 10 };

  it("waits while a source is being read, and indexes the catalog once the read is over", async () => {
    const { store, feeds, change, holdRead, feedCache } = setup({ ...quick, maxWaitMs: 60_000 });
    await (await store.catalog()).searchIndex();
    const second = await change("s1", [story("s1", 3000, "Harbour cranes idle"), ...feeds.get("s1")!]);
    const release = holdRead("s2");
    expect(feedCache.readsInFlight).toBe(1);
    // Far longer than the delay and many checks: nothing indexes while the read lasts.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second.indexed).toBe(false);
    await release();
    expect(feedCache.readsInFlight).toBe(0);
    expect(await store.catalog()).toBe(second); // the read changed nothing
    await expect.poll(() => second.indexed, { timeout: 5_000 }).toBe(true);
  });

  it("indexes anyway once the wait for a quiet moment is overdue", async () => {
    const { store, feeds, change, holdRead } = setup({ ...quick, maxWaitMs: 150 });
    await (await store.catalog()).searchIndex();
    const second = await change("s1", [story("s1", 3001, "Harbour cranes busy again"), ...feeds.get("s1")!]);
    const release = holdRead("s2");
    await expect.poll(() => second.indexed, { timeout: 5_000 }).toBe(true);
    await release();
  });

  it("still answers a request that needs an index the quiet wait has not built: from the older index, or its own at once", async () => {
    const { store, feeds, change, holdRead } = setup({ ...quick, maxWaitMs: 60_000 });
    await (await store.catalog()).searchIndex();
    const second = await change("s3", [story("s3", 3002, "Lighthouse keeper retires"), ...feeds.get("s3")!]);
    const release = holdRead("s0");
    const [known] = await second.relatedTo([{ id: "s0-1", first: 3 }]);
    expect(known!.length).toBe(3);
    expect(second.indexed).toBe(false);
    // A story only the new catalog has: its own related index is built for the request, busy or not.
    const [fresh] = await second.relatedTo([{ id: "s3-3002", first: 3 }]);
    expect(fresh!.length).toBeGreaterThan(0);
    await release();
  });
});

describe("a catalog changed in place", () => {
  it("shares its line's indexes, already changed for it: a new story is found and related at once", async () => {
    const { store, feeds, change } = setup(undefined, { maxShare: 0.25, minItems: 2_000 });
    const first = (await store.catalog()) as BuildingCatalog;
    const index = await first.searchIndex();
    void first.related;
    const second = await change("s3", [story("s3", 2001, "Zeppelin sighting over the harbour, topic1 and theme2"), ...feeds.get("s3")!]);
    expect(second.change?.fromVersion).toBe(first.version);
    expect(second.indexed).toBe(true);
    expect(second.search()).toBe(index);
    expect(
      second
        .search()
        .search("zeppelin")
        .map((hit) => hit.id),
    ).toEqual(["s3-2001"]);
    const [related] = await second.relatedTo([{ id: "s3-2001", first: 3 }]);
    expect(related!.length).toBe(3);
    // The older version still answers as it was: the new story is not its own.
    expect(selectArticles(first, { query: "zeppelin" }).list.length).toBe(0);
  });
});
