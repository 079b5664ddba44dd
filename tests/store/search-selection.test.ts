import { describe, expect, it } from "vitest";
import { syntheticCatalogInput } from "../../bench/synthetic-articles.ts";
import { NEWEST, OLDEST, relevance, sortArticles } from "../../src/store/catalog/article-order.ts";
import { selectArticles, type ArticleFilter } from "../../src/store/query/article-filter.ts";
import { searchSelection, type SearchedCatalog } from "../../src/store/query/search-selection.ts";
import { buildCatalogSteps, type Catalog } from "../../src/store/catalog/catalog.ts";
import { carriedBy, type CatalogArticle } from "../../src/store/catalog/catalog-article.ts";
import { paginate } from "../../src/store/query/paginate.ts";
import { bestFirst, idOrderKey, SearchIndex } from "../../src/store/search/search-index.ts";
import { runToEnd } from "../../src/store/sliced/time-slice.ts";

const input = syntheticCatalogInput(3000, { seed: 5 });
// Dates as feeds give them: some missing, many the same (a feed that stamps a batch at once).
const SAME_DAY = new Date(Date.UTC(2026, 9, 20));
let nth = 0;
for (const snapshot of input.snapshots.values()) {
  for (const item of snapshot.articles) {
    nth++;
    if (nth % 37 === 0) (item as { publishedAt: Date | null }).publishedAt = null;
    else if (nth % 5 === 0) (item as { publishedAt: Date | null }).publishedAt = SAME_DAY;
  }
}
const catalog: Catalog = runToEnd(
  buildCatalogSteps({
    version: 1,
    now: Date.UTC(2026, 10, 1),
    sections: input.config.sections,
    sources: input.config.sources,
    snapshots: input.snapshots,
  }),
);

/**
 * The selection as it was made before hits were read lazily: every article
 * of the catalog tested against a map of the hits, then sorted by the
 * requested order. What the served path must still give, article for article.
 */
function reference(filter: ArticleFilter): CatalogArticle[] {
  const hits = new Map(
    catalog
      .search()
      .search(filter.query!)
      .map((hit) => [hit.id, hit.score]),
  );
  const tag = filter.tag?.toLowerCase();
  const list = (filter.section ? (catalog.bySection.get(filter.section) ?? []) : catalog.articles).filter(
    (article) =>
      hits.has(article.id) &&
      (!filter.source || carriedBy(article, filter.source)) &&
      (!tag || article.tags.some((t) => t.toLowerCase() === tag)) &&
      (!filter.since || (article.publishedAt !== null && article.publishedAt >= filter.since)),
  );
  const order =
    filter.orderBy === "NEWEST" ? NEWEST : filter.orderBy === "OLDEST" ? OLDEST : relevance((article) => hits.get(article.id) ?? null);
  return sortArticles(list, order);
}

/** Every page of a selection, 7 at a time, following `after` cursors. */
function pagedIds(filter: ArticleFilter): string[] {
  const selection = selectArticles(catalog, filter);
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page = paginate(selection.list, { first: 7, after }, selection.order, selection.keyAt);
    expect(page.totalCount).toBe(selection.list.length);
    seen.push(...page.edges.map((edge) => edge.node.id));
    if (!page.pageInfo.hasNextPage) return seen;
    after = page.pageInfo.endCursor;
  }
}

const article = catalog.articles.at(17)!;
const words = article.title
  .toLowerCase()
  .split(/\W+/)
  .filter((w) => w.length >= 4);
const QUERIES = [
  words[0]!,
  words[0]!.slice(0, 3),
  `${words[0]} ${words[1] ?? ""}`.trim(),
  words[0]!.slice(0, 4),
  "zzzzqqq",
  article.tags[0] ?? words[0]!,
];

describe("a search as served", () => {
  it("lists, counts and pages the same articles in the same order as a full sort of the filtered catalog", () => {
    const filters: ArticleFilter[] = [];
    for (const query of QUERIES) {
      filters.push({ query });
      filters.push({ query, section: article.section });
      filters.push({ query, section: "no-such-section" });
      filters.push({ query, source: article.sourceId });
      filters.push({ query, tag: article.tags[0]!.toUpperCase() });
      filters.push({ query, since: new Date(article.publishedAt!.getTime() - 86_400_000) });
      filters.push({ query, orderBy: "NEWEST" });
      filters.push({ query, orderBy: "OLDEST", section: article.section });
      filters.push({ query, orderBy: "OLDEST" });
    }
    let nonEmpty = 0;
    for (const filter of filters) {
      const expected = reference(filter).map((a) => a.id);
      const selection = selectArticles(catalog, filter);
      expect(
        selection.list.slice().map((a) => a.id),
        JSON.stringify(filter),
      ).toEqual(expected);
      expect(pagedIds(filter), JSON.stringify(filter)).toEqual(expected);
      if (expected.length > 7) nonEmpty++;
    }
    // The comparison must have had long lists to page through, not only empty ones, with dates missing and shared.
    expect(nonEmpty).toBeGreaterThanOrEqual(8);
    const oldest = reference({ query: QUERIES[1], orderBy: "OLDEST" });
    expect(oldest.some((a) => a.publishedAt === null)).toBe(true);
    expect(oldest.filter((a) => a.publishedAt?.getTime() === SAME_DAY.getTime()).length).toBeGreaterThan(1);
  });

  it("gives each listed article its own hit, for snippets", () => {
    const selection = selectArticles(catalog, { query: QUERIES[0], section: article.section });
    expect(selection.list.length).toBeGreaterThan(0);
    for (let i = 0; i < selection.list.length; i++) expect(selection.hitAt!(i).id).toBe(selection.list.at(i)!.id);
    const newest = selectArticles(catalog, { query: QUERIES[0], orderBy: "NEWEST" });
    for (let i = 0; i < newest.list.length; i++) expect(newest.hitAt!(i).id).toBe(newest.list.at(i)!.id);
  });

  it("reads the list like an array: negative and out-of-range positions", () => {
    const { list } = selectArticles(catalog, { query: QUERIES[0] });
    const array = list.slice();
    expect(array.length).toBe(list.length);
    expect(list.at(-1)).toBe(array.at(-1));
    expect(list.at(list.length)).toBeUndefined();
    expect(list.slice(-3).map((a) => a.id)).toEqual(array.slice(-3).map((a) => a.id));
    expect(list.slice(2, 1)).toEqual([]);
  });
});

describe("a search through an index shared by catalog versions", () => {
  const stories = catalog.articles.toArray().slice(0, 1500);
  const query = words[0]!;
  /** A catalog as a search reads it: nothing but its version, its lookup by id and its index (no list of articles). */
  const versionOf = (version: number, held: CatalogArticle[], index: SearchIndex): SearchedCatalog => ({
    version,
    byId: new Map(held.map((story) => [story.id, story])),
    search: () => index,
  });
  /** What a fresh index over `held` lists for the query, in each order, keeping the stories `kept` allows. */
  function expected(held: CatalogArticle[], kept: (story: CatalogArticle) => boolean, orderName: "RELEVANCE" | "NEWEST" | "OLDEST") {
    const hits = runToEnd(SearchIndex.build(held)).search(query);
    const scores = new Map(hits.map((hit) => [hit.id, hit.score]));
    const list = hits.map((hit) => hit.article!).filter(kept);
    const order = orderName === "NEWEST" ? NEWEST : orderName === "OLDEST" ? OLDEST : relevance((story) => scores.get(story.id) ?? null);
    return sortArticles(list, order);
  }
  const listed = (selection: { list: { slice(): CatalogArticle[] } }) => selection.list.slice();

  it("lists, for an older catalog than the index holds, only the stories that catalog holds, as it holds them", () => {
    const index = runToEnd(SearchIndex.build(stories, 1));
    const first = versionOf(1, stories, index);
    // Version 2: a hundred stories gone, fifty retitled (same ids, new objects), fifty new.
    const gone = stories.slice(0, 100);
    const retitled = stories.slice(100, 150).map((story) => ({ ...story, title: `${story.title} ${query}` }));
    const fresh = catalog.articles.toArray().slice(1500, 1550);
    index.update({ removed: [...gone, ...stories.slice(100, 150)], added: [...retitled, ...fresh] }, 2);
    const now = [...retitled, ...fresh, ...stories.slice(150)];
    const second = versionOf(2, now, index);
    const olderHolds = (story: CatalogArticle) => first.byId.has(story.id);
    for (const orderName of ["RELEVANCE", "NEWEST", "OLDEST"] as const) {
      const current = listed(searchSelection(second, query, orderName, null));
      expect(current.map((story) => story.id)).toEqual(expected(now, () => true, orderName).map((story) => story.id));
      const older = listed(searchSelection(first, query, orderName, null));
      // Neither a story gone nor a new one; a retitled one as the older catalog holds it.
      expect(older.map((story) => story.id)).toEqual(expected(now, olderHolds, orderName).map((story) => story.id));
      for (const story of older) expect(first.byId.get(story.id)).toBe(story);
      expect(older.length).toBeGreaterThan(0);
      expect(older.length).toBeLessThan(current.length);
    }
    // Filters apply on top, and the hits of the listed stories are their own.
    const section = stories[0]!.section;
    const selection = searchSelection(first, query, "NEWEST", (story) => story.section === section);
    expect(listed(selection).map((story) => story.id)).toEqual(
      expected(now, (story) => olderHolds(story) && story.section === section, "NEWEST").map((story) => story.id),
    );
    for (let i = 0; i < selection.list.length; i++) expect(selection.hitAt!(i).id).toBe(selection.list.at(i)!.id);
  });

  it("orders hits by date as NEWEST and OLDEST compare their keys: same dates, no dates, dates far in the past or future", () => {
    const dates = [null, SAME_DAY, new Date(Date.UTC(1850, 0, 1)), new Date(Date.UTC(2200, 0, 1)), new Date(SAME_DAY.getTime() + 1)];
    const dated = stories.map((story, i) => ({ ...story, publishedAt: i % 3 === 0 ? dates[i % dates.length]! : story.publishedAt }));
    const index = runToEnd(SearchIndex.build(dated, 4));
    const version = versionOf(4, dated, index);
    for (const orderName of ["NEWEST", "OLDEST"] as const) {
      const selection = searchSelection(version, query, orderName, null);
      const ids = listed(selection).map((story) => story.id);
      expect(ids).toEqual(expected(dated, () => true, orderName).map((story) => story.id));
      expect(ids.length).toBeGreaterThan(50);
      // Paged by cursors, the same list.
      expect(paginate(selection.list, { first: 100 }, selection.order).edges.map((edge) => edge.node.id)).toEqual(ids.slice(0, 100));
    }
  });
});

describe("search order", () => {
  it("ranks by score, and equal scores by id whatever the order of the documents", () => {
    const make = (id: string, title: string): CatalogArticle => ({
      ...catalog.articles.at(0)!,
      id,
      title,
      summary: null,
      rawBodyHtml: null,
      bodyBase: null,
      bodyWords: 0,
      tags: [],
      merged: undefined,
    });
    // Identical texts tie exactly; ids are listed out of order so document order cannot pass for id order.
    const articles = ["m", "c", "x", "a", "q", "b"].map((id) => make(id, "Harbour cranes idle"));
    articles.push(
      make("z-strong", "Harbour cranes harbour cranes"),
      make("y-weak", "Harbour cranes idle at the old harbour quay in the long winter night"),
    );
    const index = new SearchIndex(articles);
    const hits = index.search("harbour");
    const scores = hits.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (let i = 1; i < hits.length; i++) {
      if (hits[i - 1]!.score === hits[i]!.score) expect(hits[i - 1]!.id < hits[i]!.id).toBe(true);
    }
    expect(hits.filter((hit) => hit.score === hits[1]!.score).map((hit) => hit.id)).toEqual(["a", "b", "c", "m", "q", "x"]);
  });
});

describe("bestFirst", () => {
  it("puts scores a float32 cannot tell apart in their exact order, and exact ties by id", () => {
    // Ids "d", "a", "c", "b", "e" for documents (slots) 0..4.
    const ids = ["d", "a", "c", "b", "e"];
    const idKeys = Uint32Array.from(ids, idOrderKey);
    const scores = Float64Array.from([1 + 1e-9, 1 + 3e-9, 1 + 2e-9, 1 + 3e-9, 0.5]);
    expect(Math.fround(scores[0]!)).toBe(Math.fround(scores[1]!));
    // 1+3e-9 (documents 1 "a" and 3 "b", tied: by id), then 1+2e-9 (2), 1+1e-9 (0), then 0.5 (4).
    expect([...bestFirst([0, 1, 2, 3, 4], scores, idKeys, ids)]).toEqual([1, 3, 2, 0, 4]);
  });
});
