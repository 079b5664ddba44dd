import { describe, expect, it } from "vitest";
import { syntheticCatalogInput } from "../../bench/synthetic-articles.ts";
import { NEWEST, OLDEST, relevance, sortArticles } from "../../src/store/catalog/article-order.ts";
import { selectArticles, type ArticleFilter } from "../../src/store/query/article-filter.ts";
import { buildCatalogSteps, type Catalog } from "../../src/store/catalog/catalog.ts";
import { carriedBy, type CatalogArticle } from "../../src/store/catalog/catalog-article.ts";
import { paginate } from "../../src/store/query/paginate.ts";
import { bestFirst, SearchIndex } from "../../src/store/search/search-index.ts";
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

const article = catalog.articles[17]!;
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

describe("search order", () => {
  it("ranks by score, and equal scores by id whatever the order of the documents", () => {
    const make = (id: string, title: string): CatalogArticle => ({
      ...catalog.articles[0]!,
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
    // Ids "d", "a", "c", "b", "e" for documents 0..4: id ranks 3, 0, 2, 1, 4.
    const rankOf = Uint32Array.from([3, 0, 2, 1, 4]);
    const docAt = Uint32Array.from([1, 3, 2, 0, 4]);
    const scores = Float64Array.from([1 + 1e-9, 1 + 3e-9, 1 + 2e-9, 1 + 3e-9, 0.5]);
    expect(Math.fround(scores[0]!)).toBe(Math.fround(scores[1]!));
    // 1+3e-9 (documents 1 "a" and 3 "b", tied: by id), then 1+2e-9 (2), 1+1e-9 (0), then 0.5 (4).
    expect([...bestFirst([0, 1, 2, 3, 4], scores, { rankOf, docAt })]).toEqual([1, 3, 2, 0, 4]);
  });
});
