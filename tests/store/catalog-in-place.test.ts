import { describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import type { Article } from "../../src/model/article.ts";
import { type BuildingCatalog, buildCatalog, type Catalog, changeCatalog } from "../../src/store/catalog/catalog.ts";
import { selectArticles } from "../../src/store/query/article-filter.ts";
import { paginate } from "../../src/store/query/paginate.ts";
import { FeedCache } from "../../src/store/source-cache/feed-cache.ts";
import { Store } from "../../src/store/store.ts";
import { createRandom as seededRandom } from "../../bench/synthetic-text.ts";
import { snapshotOf } from "../helpers/snapshots.ts";

/**
 * A catalog kept in place (each version made from the one before by what
 * changed) must be the catalog a build from scratch makes of the same
 * sources: every list, lookup, count, cursor, search and related answer.
 * Random sequences of changes, from a seeded generator, drive both.
 */

const SECTIONS = ["world", "tech", "science"];
const SOURCE_COUNT = 10;
const config = parseSourcesConfig(
  {
    sections: SECTIONS.map((slug) => ({ slug, name: slug })),
    sources: Array.from({ length: SOURCE_COUNT }, (_, s) => ({
      id: `s${s}`,
      name: `S${s}`,
      url: `https://s${s}.example/rss`,
      section: SECTIONS[s % SECTIONS.length]!,
    })),
  },
  "/srv/sources.json",
);

/** A seeded generator, so a failing sequence can be replayed, with the draws these tests make. */
function seeded(seed: number) {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, pick, int: (n: number) => Math.floor(next() * n) };
}

const WORDS = [
  "storm",
  "election",
  "chip",
  "vaccine",
  "orbit",
  "market",
  "river",
  "court",
  "summit",
  "glacier",
  "quantum",
  "harvest",
  "élections",
  "半導体工場",
  "ภาษาไทย",
];
const TAG_SPELLINGS = ["AI", "ai", "Climate", "climate", "Space", "Energy", "energy", "Courts"];
const LANGUAGES = ["en", "en-US", "fr", "de-CH", "ja", "th", null];
const BASE = Date.UTC(2026, 10, 1);

type Random = ReturnType<typeof seeded>;

let made = 0;
/** An item of a source; with `copyOf`, the same story as another source's item (same link, a global guid, or a near-identical title). */
function item(random: Random, sourceId: string, section: string, copyOf?: Article): Article {
  const n = made++;
  const title = copyOf
    ? random.next() < 0.5
      ? copyOf.title
      : `${copyOf.title} live`
    : `${random.pick(WORDS)} ${random.pick(WORDS)} ${random.pick(WORDS)} report ${n % 7}`;
  const way = copyOf ? random.int(3) : -1;
  const url = way === 0 ? copyOf!.canonicalUrl : `https://${sourceId}.example/${n}`;
  const guid = way === 1 ? copyOf!.guid : random.next() < 0.5 ? `tag:${sourceId}.example,2026:${n}` : `${n}`;
  const dated = random.next() < 0.92;
  const publishedAt = copyOf?.publishedAt
    ? new Date(copyOf.publishedAt.getTime() + random.int(3) * 3_600_000)
    : dated
      ? new Date(BASE - random.int(60) * 3_600_000)
      : null;
  return {
    id: `${sourceId}-${n}`,
    sourceId,
    guid,
    title,
    summary: `${random.pick(WORDS)} and ${random.pick(WORDS)} as seen from ${sourceId}.`,
    rawBodyHtml: random.next() < 0.8 ? `<p>${Array.from({ length: 5 + random.int(30) }, () => random.pick(WORDS)).join(" ")}</p>` : null,
    bodyBase: null,
    bodyWords: 0,
    url,
    canonicalUrl: url,
    author: null,
    publishedAt,
    updatedAt: null,
    image: null,
    tags: Array.from({ length: random.int(3) }, () => random.pick(TAG_SPELLINGS)).filter((t, i, all) => all.indexOf(t) === i),
    section,
    commentCount: null,
    authors: [],
    enclosures: [],
    language: random.pick(LANGUAGES),
  };
}

const fromScratch = (lists: Map<string, readonly Article[]>, version: number): BuildingCatalog =>
  buildCatalog({
    version,
    now: BASE,
    sections: config.sections,
    sources: config.sources,
    snapshots: new Map([...lists].map(([id, articles]) => [id, snapshotOf(id, [...articles], { contentHash: `${id}@${version}` })])),
  });

const QUERIES = ["storm", "election chip", "vacc", "quantom", "river court", "report"];

/** Everything a client can read of a catalog, by value. */
async function facts(catalog: Catalog) {
  const ids = (list: Iterable<{ id: string }>) => [...list].map((story) => story.id);
  const related = await catalog.relatedTo(catalog.articles.toArray().map((story) => ({ id: story.id, first: 5 })));
  const search = catalog.search();
  const page = (filter: Parameters<typeof selectArticles>[1], after?: string) => {
    const selection = selectArticles(catalog, filter);
    const result = paginate(selection.list, { first: 7, after }, selection.order, selection.keyAt);
    return { total: result.totalCount, cursors: result.edges.map((edge) => edge.cursor), ids: result.edges.map((edge) => edge.node.id) };
  };
  return {
    articles: catalog.articles.toArray(),
    bySection: [...catalog.bySection].map(([slug, list]) => [slug, ids(list)]),
    byLanguage: [...catalog.byLanguage].map(([range, list]) => [range, ids(list)]).sort(),
    byIdSize: catalog.byId.size,
    byId: catalog.articles.toArray().every((story) => catalog.byId.get(story.id) === story),
    byCanonicalUrl: catalog.articles
      .toArray()
      .flatMap((story) => story.merged?.canonicalUrls ?? [story.canonicalUrl])
      .map((url) => [url, catalog.byCanonicalUrl.get(url)?.id]),
    byCanonicalUrlSize: catalog.byCanonicalUrl.size,
    perSource: config.sources.map((source) => catalog.storiesPerSource.get(source.id) ?? 0),
    perSourceSize: catalog.storiesPerSource.size,
    tags: catalog.tags.toArray().map((tag) => [tag.name, tag.count, ...SECTIONS.map((slug) => tag.countIn(slug))]),
    tagByName: catalog.tags.toArray().every((tag) => catalog.tagByName.get(tag.name.toLowerCase()) === tag) && catalog.tagByName.size,
    related: related.map((matches) => matches.map((match) => [match.article.id, match.score.toFixed(9), match.reason])),
    search: QUERIES.map((query) => {
      const hits = search.search(query);
      return hits.map((hit) => [hit.id, hit.score.toFixed(9)]);
    }),
    pages: [
      page({}),
      page({ section: "tech" }),
      page({ language: "en" }),
      page({ tag: "ai" }),
      page({ query: "storm" }),
      page({ query: "report", orderBy: "NEWEST" }),
      page({ orderBy: "OLDEST" }),
    ],
  };
}

describe("a catalog changed in place", () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`equals a catalog built from scratch after every change (seed ${seed})`, async () => {
      const random = seeded(seed);
      const lists = new Map<string, readonly Article[]>();
      for (const source of config.sources) {
        const list: Article[] = [];
        for (let i = 0; i < 6 + random.int(10); i++) {
          const others = [...lists.values()].flat();
          list.push(item(random, source.id, source.section, others.length > 0 && random.next() < 0.3 ? random.pick(others) : undefined));
        }
        lists.set(source.id, list);
      }
      let catalog = fromScratch(lists, 1);
      // What the sequence went through, so a passing run is known to have compared something.
      const seen = { merged: 0, hits: 0, related: 0, removed: 0, added: 0, sharedUrls: 0 };
      for (let version = 2; version < 40; version++) {
        const changed = new Map<string, readonly Article[]>();
        for (let n = 1 + random.int(3); n > 0; n--) {
          const source = random.pick(config.sources);
          const before = changed.get(source.id) ?? lists.get(source.id) ?? [];
          const roll = random.next();
          let after: Article[];
          if (roll < 0.08) after = [];
          else {
            after = before.filter(() => random.next() < 0.75);
            // Same story, new content (as a feed edits an item): a new object under the same id.
            if (after.length > 0 && random.next() < 0.3) {
              const at = random.int(after.length);
              after[at] = { ...after[at]!, summary: `${after[at]!.summary} (updated ${version})`, tags: [random.pick(TAG_SPELLINGS)] };
            }
            const others = [...lists.values()].flat().filter((a) => a.sourceId !== source.id);
            for (let i = random.int(6); i > 0; i--) {
              after.push(
                item(random, source.id, source.section, others.length > 0 && random.next() < 0.35 ? random.pick(others) : undefined),
              );
            }
            // A feed listing one link twice under two guids: two stories of one source with one canonical URL.
            if (after.length > 0 && random.next() < 0.3) {
              const twin = random.pick(after);
              after.push({ ...item(random, source.id, source.section), url: twin.url, canonicalUrl: twin.canonicalUrl });
            }
          }
          changed.set(source.id, after);
        }
        for (const [id, articles] of changed) lists.set(id, articles);
        catalog = changeCatalog(catalog, { version, now: BASE, changedSources: changed });
        expect(catalog.change?.fromVersion).toBe(version - 1);
        const scratch = fromScratch(lists, version);
        const kept = await facts(catalog);
        expect(kept).toEqual(await facts(scratch));
        seen.merged += kept.articles.filter((story) => story.merged).length;
        seen.hits += kept.search.flat().length;
        seen.related += kept.related.flat().length;
        seen.removed += catalog.change!.stories.removed.length;
        seen.sharedUrls += kept.byCanonicalUrl.length - kept.byCanonicalUrlSize;
        seen.added += catalog.change!.stories.added.length;
      }
      for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(20);
    });
  }

  it("leaves every older version as it was", async () => {
    const random = seeded(9);
    const lists = new Map<string, readonly Article[]>(
      config.sources.map((source) => [source.id, Array.from({ length: 8 }, () => item(random, source.id, source.section))]),
    );
    const first = fromScratch(lists, 1);
    const before = {
      ids: first.articles.toArray().map((story) => story.id),
      tech: first.bySection
        .get("tech")!
        .toArray()
        .map((story) => story.id),
      tags: first.tags.toArray().map((tag) => [tag.name, tag.count]),
      perSource: first.storiesPerSource.get("s0"),
    };
    const next = changeCatalog(first, {
      version: 2,
      now: BASE,
      changedSources: new Map([
        ["s0", []],
        ["s1", [...lists.get("s1")!, item(random, "s1", "tech")]],
      ]),
    });
    expect(next.articles.length).not.toBe(first.articles.length);
    expect(first.articles.toArray().map((story) => story.id)).toEqual(before.ids);
    expect(
      first.bySection
        .get("tech")!
        .toArray()
        .map((story) => story.id),
    ).toEqual(before.tech);
    expect(first.tags.toArray().map((tag) => [tag.name, tag.count])).toEqual(before.tags);
    expect(first.storiesPerSource.get("s0")).toBe(before.perSource);
    expect(next.storiesPerSource.get("s0")).toBeUndefined();
  });

  it("refuses to change a version that is no longer the newest of its line", () => {
    const random = seeded(5);
    const lists = new Map<string, readonly Article[]>([["s0", [item(random, "s0", "world")]]]);
    const first = fromScratch(lists, 1);
    changeCatalog(first, { version: 2, now: BASE, changedSources: new Map([["s0", []]]) });
    expect(() => changeCatalog(first, { version: 3, now: BASE, changedSources: new Map([["s0", []]]) })).toThrow(RangeError);
  });
});

describe("the store", () => {
  it("makes each version from the one before when a source changes, and serves what a build from scratch would", async () => {
    const random = seeded(21);
    const lists = new Map<string, readonly Article[]>(
      config.sources.map((source) => [source.id, Array.from({ length: 5 }, () => item(random, source.id, source.section))]),
    );
    let version = 0;
    const feedCache = new FeedCache({
      load: async (source) => snapshotOf(source.id, [...lists.get(source.id)!], { contentHash: `${source.id}@${version}` }),
      random: () => 0.5,
    });
    const store = new Store({ config, feedCache });
    let catalog = await store.catalog();
    expect(catalog.change).toBeNull();
    for (version = 1; version <= 3; version++) {
      const source = config.sources[version]!;
      const others = [...lists.values()].flat().filter((a) => a.sourceId !== source.id);
      lists.set(source.id, [...lists.get(source.id)!.slice(1), item(random, source.id, source.section, random.pick(others))]);
      feedCache.prime(source, snapshotOf(source.id, [...lists.get(source.id)!], { contentHash: `${source.id}@${version}` }));
      // The store spaces its builds: ask again until the version that takes the change in.
      const before = catalog;
      while ((catalog = await store.catalog()) === before) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(catalog.change?.fromVersion).toBe(before.version);
      expect(await facts(catalog)).toEqual(await facts(fromScratch(lists, catalog.version)));
    }
  });
});
