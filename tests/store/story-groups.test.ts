import { describe, expect, it } from "vitest";
import type { Article } from "../../src/model/article.ts";
import { type CatalogArticle, canonicalUrlsOf } from "../../src/store/catalog/catalog-article.ts";
import { groupSameStory, mergeArticles, mergeArticleSteps, storiesOfGroups, titleBucketsOfLists } from "../../src/store/catalog/merge.ts";
import type { StoryChange } from "../../src/store/catalog/story-change.ts";
import { StoryGroups } from "../../src/store/catalog/story-groups.ts";
import { runToEnd } from "../../src/store/sliced/time-slice.ts";
import { createRandom as seeded } from "../../bench/synthetic-text.ts";
import { makeArticle as make } from "../helpers/article-factory.ts";

const HOUR = 3600_000;
const DAY0 = Date.UTC(2026, 9, 6);

/**
 * Articles that often tell one story: titles drawn from a few stories (some
 * with a word changed, a number added, a mark of punctuation), links and
 * global guids drawn from small pools shared by every source (so one
 * source's items share keys with each other too, and chains through another
 * source try to join two of them), stand-in links, bare-number guids, dates
 * within four days or none.
 */
function articleMaker(random: () => number, { stories: storyCount = 10, links = 8, guids = 6, shared = 0.3 } = {}) {
  const int = (below: number) => Math.floor(random() * below);
  const pick = <T>(values: readonly T[]): T => values[int(values.length)]!;
  const syllables = ["ka", "lo", "mi", "ren", "tas", "vol", "dur", "pe", "sin", "gor", "bel", "tra", "quen", "ost"];
  const word = () => Array.from({ length: 2 + int(3) }, () => pick(syllables)).join("");
  const stories = Array.from({ length: storyCount }, () => Array.from({ length: 8 }, word));
  const title = () => {
    const words = [...pick(stories)];
    const r = random();
    if (r < 0.3) words[int(words.length)] = word();
    else if (r > 0.85) words.push(String(int(3)));
    return `${words.join(" ")}${random() < 0.3 ? "!" : ""}`;
  };
  let made = 0;
  return {
    title,
    article(sourceId: string): Article {
      const n = made++;
      const link = random();
      const key = random();
      return make({
        id: `a${String(n).padStart(6, "0")}`,
        sourceId,
        title: title(),
        canonicalUrl:
          link < shared
            ? `https://shared.example/${int(links)}`
            : link < shared + 0.1
              ? `https://${sourceId}.example#item-${n}`
              : `https://${sourceId}.example/${n}`,
        guid:
          key < shared
            ? `tag:wire.example,2026:${int(guids)}`
            : key < shared + 0.1
              ? String(int(3))
              : key < shared + 0.25
                ? null
                : `https://${sourceId}.example/?p=${n}`,
        publishedAt: random() < 0.1 ? null : new Date(DAY0 + int(96) * HOUR),
        summary: random() < 0.5 ? null : "words ".repeat(int(20)),
        rawBodyHtml: random() < 0.5 ? null : `<p>${"body ".repeat(int(30))}</p>`,
        bodyWords: null,
        image: random() < 0.3 ? { url: `https://cdn.example/${n}.jpg`, alt: null, width: int(1000), height: int(800) } : null,
        tags: random() < 0.5 ? [pick(["AI", "ai", "Chips", "Ports"])] : [],
        authors: random() < 0.3 ? [{ name: pick(["Ada", "Bo", "ada"]), email: null, url: null }] : [],
        commentCount: random() < 0.2 ? int(50) : null,
        language: random() < 0.3 ? pick(["en", "fr"]) : null,
      });
    },
  };
}

const byId = (stories: Iterable<CatalogArticle>) => [...stories].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/**
 * The stories from scratch, and the articles of each merged one (objects, in
 * order), by the story's id: `mergeArticleSteps` step by step, its groups
 * kept (comparing titles twice made the walks below twice as slow).
 */
function fromScratch(sourceIds: readonly string[], lists: ReadonlyMap<string, readonly Article[]>) {
  const ordered = sourceIds.map((id) => lists.get(id) ?? []);
  const articles = ordered.flat();
  const groups = runToEnd(groupSameStory(articles, runToEnd(titleBucketsOfLists(ordered))));
  const stories = runToEnd(storiesOfGroups(articles, groups));
  const members = new Map<string, Article[]>();
  for (const group of groups) {
    if (typeof group === "number") continue;
    const copies = group.map((index) => articles[index]!);
    members.set(copies.map((a) => a.id).sort()[0]!, copies);
  }
  return { stories, members };
}

/** Checks the groups against a merge from scratch, and the change against the previous stories; returns the stories. */
function expectExact(
  groups: StoryGroups,
  sourceIds: readonly string[],
  lists: ReadonlyMap<string, readonly Article[]>,
  previous: { stories: Set<CatalogArticle>; members: Map<string, Article[]> },
  change: StoryChange,
) {
  const current = byId(groups.stories());
  const scratch = fromScratch(sourceIds, lists);
  const expected = byId(scratch.stories);
  expect(current.map((story) => story.id)).toEqual(expected.map((story) => story.id));
  current.forEach((story, index) => {
    // A story one source alone carries is that source's article itself; a merged one equal in every field.
    if (story.merged) expect(story).toEqual(expected[index]);
    else expect(story).toBe(expected[index]);
  });
  const now = new Set(current);
  expect(now.size).toBe(current.length);
  // The change is exactly the difference, by object.
  expect(new Set(change.removed)).toEqual(new Set([...previous.stories].filter((story) => !now.has(story))));
  expect(new Set(change.added)).toEqual(new Set(current.filter((story) => !previous.stories.has(story))));
  expect(change.removed.length + change.added.length).toBe(new Set([...change.removed, ...change.added]).size);
  // A merged story whose articles are the same objects in the same order keeps its object.
  const mergedBefore = new Map([...previous.stories].filter((old) => old.merged).map((old) => [old.id, old]));
  for (const story of current) {
    if (!story.merged) continue;
    const before = mergedBefore.get(story.id);
    const same = previous.members.get(story.id);
    const members = scratch.members.get(story.id)!;
    if (before && same && same.length === members.length && same.every((a, k) => a === members[k])) expect(story).toBe(before);
  }
  return { stories: now, members: scratch.members };
}

describe("StoryGroups", () => {
  it("builds the stories mergeArticleSteps gives over the lists in the sources' order, in its order", () => {
    const maker = articleMaker(seeded(7));
    const sourceIds = Array.from({ length: 8 }, (_, s) => `s${s}`);
    const lists = new Map(sourceIds.slice(1).map((id) => [id, Array.from({ length: 10 }, () => maker.article(id))]));
    const { groups, stories } = runToEnd(StoryGroups.build(sourceIds, lists));
    const expected = runToEnd(mergeArticleSteps(sourceIds.map((id) => lists.get(id) ?? [])));
    expect(stories).toEqual(expected);
    expect(stories).toEqual(mergeArticles(sourceIds.flatMap((id) => lists.get(id) ?? [])));
    expect(stories).toEqual(fromScratch(sourceIds, lists).stories);
    expect(stories.some((story) => story.merged)).toBe(true);
    expect(byId(groups.stories())).toEqual(byId(stories));
  });

  // Dense: a few stories, links and guids, most articles in large sets that could join. Sparse: many, in small sets
  // where an article is often the only tie between two stories.
  it.each([
    ["dense", 1, { stories: 10, links: 8, guids: 6, shared: 0.3 }],
    ["dense", 2, { stories: 10, links: 8, guids: 6, shared: 0.3 }],
    ["sparse", 3, { stories: 60, links: 40, guids: 40, shared: 0.3 }],
    ["sparse", 4, { stories: 60, links: 40, guids: 40, shared: 0.3 }],
    ["sparse", 5, { stories: 60, links: 40, guids: 40, shared: 0.3 }],
    ["sparse", 6, { stories: 60, links: 40, guids: 40, shared: 0.3 }],
  ])("stays exact over random changes of 20 sources (%s, seed %i)", (_name, seed, pools) => {
    const random = seeded(seed as number);
    const maker = articleMaker(random, pools as Parameters<typeof articleMaker>[1]);
    const int = (below: number) => Math.floor(random() * below);
    const sourceIds = Array.from({ length: 20 }, (_, s) => `s${s}`);
    const lists = new Map<string, readonly Article[]>(
      sourceIds.filter(() => random() < 0.8).map((id) => [id, Array.from({ length: int(10) }, () => maker.article(id))]),
    );
    const { groups, stories } = runToEnd(StoryGroups.build(sourceIds, lists));
    let previous = { stories: new Set(stories), members: fromScratch(sourceIds, lists).members };
    let merged = 0;
    let changes = 0;
    for (let step = 0; step < 200; step++) {
      const sourceId = sourceIds[int(sourceIds.length)]!;
      const old = lists.get(sourceId) ?? [];
      const r = random();
      let list: Article[];
      if (r < 0.05) list = [];
      else if (r < 0.12) list = [...old];
      else {
        list = old.filter(() => random() < 0.75);
        if (random() < 0.2 && list.length > 1) list.splice(int(list.length + 1), 0, ...list.splice(int(list.length), 1));
        // An edited item: a new object under its old id.
        if (random() < 0.15 && list.length > 0) {
          const k = int(list.length);
          list[k] = { ...list[k]!, title: maker.title() };
        }
        for (let n = int(5); n > 0; n--) list.splice(int(list.length + 1), 0, maker.article(sourceId));
      }
      lists.set(sourceId, list);
      const change = groups.replaceSource(sourceId, list);
      if (r >= 0.05 && r < 0.12) expect(change).toEqual({ removed: [], added: [] });
      previous = expectExact(groups, sourceIds, lists, previous, change);
      merged += [...previous.stories].filter((story) => story.merged).length;
      changes += change.removed.length + change.added.length;
      // Every story seen under a link, stand-ins included.
      for (const url of ["https://shared.example/3", `https://${sourceId}.example#item-${int(1000)}`]) {
        const expected = [...previous.stories].filter((story) => canonicalUrlsOf(story).includes(url));
        expect(new Set(groups.storiesWithUrl(url))).toEqual(new Set(expected));
      }
    }
    // The walk met what it was made for: merged stories, and changes.
    expect(merged).toBeGreaterThan(200);
    expect(changes).toBeGreaterThan(200);
  });

  it("regroups a source whose items came back in another order, and a source emptied and filled again", () => {
    // two/b and two/c each a copy of one/a: which of them is one/a's story depends on their order in two's list.
    const a = make({ id: "a", sourceId: "one", title: "First", canonicalUrl: "https://x.example/1" });
    const b = make({ id: "b", sourceId: "two", title: "Copy", canonicalUrl: "https://x.example/1" });
    const c = make({ id: "c", sourceId: "two", title: "Other copy", canonicalUrl: "https://x.example/1" });
    const sourceIds = ["one", "two"];
    const lists = new Map<string, readonly Article[]>([
      ["one", [a]],
      ["two", [b, c]],
    ]);
    const { groups, stories } = runToEnd(StoryGroups.build(sourceIds, lists));
    let previous = { stories: new Set(stories), members: fromScratch(sourceIds, lists).members };
    for (const list of [[c, b], [], [b, c], [c, b]]) {
      lists.set("two", list);
      previous = expectExact(groups, sourceIds, lists, previous, groups.replaceSource("two", list));
    }
    expect([...groups.stories()].find((story) => story.merged)?.merged?.canonicalUrls).toEqual(["https://x.example/1"]);
    expect(byId(groups.stories()).map((story) => story.id)).toEqual(["a", "b"]);
  });

  it("regroups what a removed article kept apart without being in its story", () => {
    // r is the first with guid g: y1 and y2 try to join it and are refused (r's story holds one/A, y2's two/B).
    // Once r is gone y1 is the first with g, and y2 joins it: y1 was no story of r's, only a neighbour.
    const r = make({ id: "r", sourceId: "two", canonicalUrl: "https://x.example/u", guid: "tag:wire.example,2026:g" });
    const b = make({ id: "b", sourceId: "two", canonicalUrl: "https://x.example/v" });
    const a = make({ id: "a", sourceId: "one", canonicalUrl: "https://x.example/u" });
    const y1 = make({ id: "y1", sourceId: "one", canonicalUrl: "https://one.example/y1", guid: "tag:wire.example,2026:g" });
    const y2 = make({ id: "y2", sourceId: "three", canonicalUrl: "https://x.example/v", guid: "tag:wire.example,2026:g" });
    const sourceIds = ["two", "one", "three"];
    const lists = new Map<string, readonly Article[]>([
      ["two", [r, b]],
      ["one", [a, y1]],
      ["three", [y2]],
    ]);
    const { groups, stories } = runToEnd(StoryGroups.build(sourceIds, lists));
    const previous = { stories: new Set(stories), members: fromScratch(sourceIds, lists).members };
    expect(byId(stories).map((story) => story.merged?.sourceIds ?? story.sourceId)).toEqual([["two", "one"], ["two", "three"], "one"]);
    lists.set("two", [b]);
    expectExact(groups, sourceIds, lists, previous, groups.replaceSource("two", [b]));
    expect(byId(groups.stories()).map((story) => story.merged?.sourceIds ?? story.sourceId)).toEqual(["one", ["two", "one", "three"]]);
  });

  it("refuses a source it was not built with", () => {
    const { groups } = runToEnd(StoryGroups.build(["one"], new Map()));
    expect(() => groups.replaceSource("two", [])).toThrow(RangeError);
    expect(() => runToEnd(StoryGroups.build(["one", "one"], new Map()))).toThrow(RangeError);
  });
});

describe("what a change costs", () => {
  /** A word of letters only, its own for every n. */
  const wordOf = (n: number) => {
    let word = "";
    for (let m = n + 1; m > 0; m = Math.floor((m - 1) / 26)) word = String.fromCharCode(97 + ((m - 1) % 26)) + word;
    return word;
  };
  /**
   * Five sources that share stories now and then (a story told by a few of
   * them, as news goes), then sources of 100 articles
   * nothing joins (their own links, guids and title words, two years
   * earlier), as many as make `total` articles.
   */
  function catalog(total: number) {
    const maker = articleMaker(seeded(42), { stories: 150, links: 100, guids: 100, shared: 0.1 });
    const sourceIds: string[] = [];
    const lists = new Map<string, Article[]>();
    for (let s = 0; s < 5; s++) {
      sourceIds.push(`hot${s}`);
      lists.set(
        `hot${s}`,
        Array.from({ length: 100 }, () => maker.article(`hot${s}`)),
      );
    }
    for (let s = 0, n = 0; n < total - 500; s++) {
      const id = `quiet${s}`;
      const list: Article[] = [];
      for (let i = 0; i < 100; i++, n++) {
        list.push(
          make({
            id: `q${n}`,
            sourceId: id,
            title: `${wordOf(n)}zz ${wordOf(n)}yyy ${wordOf(n)}xxxx notice`,
            canonicalUrl: `https://${id}.example/${n}`,
            guid: `https://${id}.example/?p=${n}`,
            publishedAt: new Date(DAY0 - 730 * 24 * HOUR + n * 60_000),
          }),
        );
      }
      sourceIds.push(id);
      lists.set(id, list);
    }
    // The change: hot1 drops ten items and gets ten new ones, most telling stories the other hot sources tell.
    const changed = [...Array.from({ length: 10 }, () => maker.article("hot1")), ...lists.get("hot1")!.slice(0, 90)];
    return { sourceIds, lists, changed };
  }

  it("does not grow with the catalog: the same change visits as many articles among 1 000 as among 100 000", () => {
    const visits = [1_000, 100_000].map((total) => {
      const { sourceIds, lists, changed } = catalog(total);
      const { groups } = runToEnd(StoryGroups.build(sourceIds, lists));
      const before = groups.articlesVisited;
      const change = groups.replaceSource("hot1", changed);
      expect(change.added.length).toBeGreaterThan(10);
      return groups.articlesVisited - before;
    });
    expect(visits[1]).toBe(visits[0]);
    // The two lists (200) and the stories the change touched: less than one pass over the hot sources (500) and the lists.
    expect(visits[0]).toBeLessThan(700);
  });
});
