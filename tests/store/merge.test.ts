import { describe, expect, it } from "vitest";
import type { Article } from "../../src/model/article.ts";
import { readingTimeOf } from "../../src/store/catalog/article-content.ts";
import { canonicalUrlsOf, guidsOf, sourceIdsOf } from "../../src/store/catalog/catalog-article.ts";
import { mergeArticles, mergeArticleSteps } from "../../src/store/catalog/merge.ts";
import { runToEnd } from "../../src/store/sliced/time-slice.ts";
import { makeArticle as make } from "../helpers/article-factory.ts";

describe("merging the same story from several sources", () => {
  it("joins copies with one canonical URL, taking the richest value of each field and the earliest date", () => {
    const [merged, ...rest] = mergeArticles([
      make({
        id: "b",
        sourceId: "one",
        summary: "Short.",
        tags: ["AI"],
        publishedAt: new Date("2026-10-02T00:00:00Z"),
        image: { url: "https://a.example/s.jpg", alt: null, width: 100, height: 50 },
      }),
      make({
        id: "a",
        sourceId: "two",
        summary: "A longer summary.",
        rawBodyHtml: "<p>Body</p>",
        bodyWords: 1,
        tags: ["ai", "Chips"],
        publishedAt: new Date("2026-10-01T00:00:00Z"),
        image: { url: "https://a.example/l.jpg", alt: null, width: 800, height: 400 },
      }),
    ]);
    expect(rest).toEqual([]);
    expect(merged).toMatchObject({
      id: "a",
      merged: { sourceIds: ["one", "two"] },
      summary: "A longer summary.",
      rawBodyHtml: "<p>Body</p>",
      tags: ["AI", "Chips"],
      publishedAt: new Date("2026-10-01T00:00:00Z"),
      image: { url: "https://a.example/l.jpg" },
    });
  });

  it("takes the body a reader sees most of, not the one with the most markup, counting words not yet counted", () => {
    const scripted = `<p>Short body.</p><script>${"track(); ".repeat(300)}</script><style>${"p { margin: 0 } ".repeat(100)}</style>`;
    const richer = `<p>${"A longer body that readers actually read. ".repeat(60)}</p>`;
    const copies = [
      make({ id: "a", sourceId: "one", rawBodyHtml: scripted, bodyBase: "https://one.example/", bodyWords: null }),
      make({ id: "b", sourceId: "two", rawBodyHtml: richer, bodyBase: "https://two.example/", bodyWords: null }),
    ];
    const [merged] = mergeArticles(copies);
    expect(merged).toMatchObject({ rawBodyHtml: richer, bodyBase: "https://two.example/", bodyWords: 420 });
    expect(readingTimeOf(merged!)).toBe(2); // 420 words at 230 a minute
    // Counted once, on the copies themselves: the next merge reads the counts.
    expect(copies.map((copy) => copy.bodyWords)).toEqual([2, 420]);
  });

  it("joins copies with one global guid even when their links differ", () => {
    const merged = mergeArticles([
      make({ id: "1", sourceId: "one", guid: "tag:wire.example,2026:42", canonicalUrl: "https://a.example/x" }),
      make({ id: "2", sourceId: "two", guid: "tag:wire.example,2026:42", canonicalUrl: "https://b.example/y" }),
    ]);
    expect(merged).toHaveLength(1);
    expect(canonicalUrlsOf(merged[0]!)).toEqual(["https://a.example/x", "https://b.example/y"]);
  });

  it("keeps apart near misses: same short guid in two feeds, same title under two URLs", () => {
    expect(
      mergeArticles([
        make({ id: "1", sourceId: "one", guid: "42", canonicalUrl: "https://a.example/x" }),
        make({ id: "2", sourceId: "two", guid: "42", canonicalUrl: "https://b.example/x" }),
      ]),
    ).toHaveLength(2);
    expect(
      mergeArticles([
        make({ id: "1", title: "Weather", canonicalUrl: "https://a.example/weather/monday" }),
        make({ id: "2", title: "Weather", canonicalUrl: "https://a.example/weather/tuesday" }),
      ]),
    ).toHaveLength(2);
  });
});

describe("merging by near-identical titles", () => {
  const day = (h: number) => new Date(Date.UTC(2026, 9, 6, h));
  it("joins copies from different sources whose titles differ by punctuation or a word, within a day", () => {
    const merged = mergeArticles([
      make({
        id: "1",
        sourceId: "one",
        title: "US widens GPU export controls to cover cloud rentals in China",
        canonicalUrl: "https://a.example/gpu",
        publishedAt: day(8),
      }),
      make({
        id: "2",
        sourceId: "two",
        title: "U.S. widens GPU export controls to cover cloud rentals in China",
        canonicalUrl: "https://b.example/world/gpu-rules",
        publishedAt: day(20),
      }),
    ]);
    expect(merged).toHaveLength(1);
    expect(sourceIdsOf(merged[0]!)).toEqual(["one", "two"]);
  });

  it.each([
    ["different numbers", "Apple reports record Q3 earnings", "Apple reports record Q4 earnings", 1],
    ["different stories sharing words", "Storm closes schools across the north", "Storm closes roads across the south", 1],
    ["the same title two days apart", "Weekly market wrap", "Weekly market wrap", 48],
  ])("keeps apart near misses: %s", (_name, first, second, hours) => {
    expect(
      mergeArticles([
        make({ id: "1", sourceId: "one", title: first, canonicalUrl: "https://a.example/1", publishedAt: day(0) }),
        make({
          id: "2",
          sourceId: "two",
          title: second,
          canonicalUrl: "https://b.example/2",
          publishedAt: new Date(day(0).getTime() + hours * 3600_000),
        }),
      ]),
    ).toHaveLength(2);
  });

  it("merges the same when the sources' lists come again (what is kept per list), and follows a list that changed", () => {
    const one = [
      make({
        id: "1",
        sourceId: "one",
        title: "Port strike halts container traffic in Rotterdam",
        canonicalUrl: "https://a.example/strike",
        publishedAt: day(8),
      }),
    ];
    const two = [
      make({
        id: "2",
        sourceId: "two",
        title: "Port strike halts container traffic in Rotterdam!",
        canonicalUrl: "https://b.example/rotterdam",
        publishedAt: day(9),
      }),
    ];
    const ids = (lists: Article[][]) => runToEnd(mergeArticleSteps(lists)).map((article) => [article.id, sourceIdsOf(article)]);
    expect(ids([one, two])).toEqual([["1", ["one", "two"]]]);
    expect(ids([one, two])).toEqual([["1", ["one", "two"]]]);
    // Source two's feed changed: a new list, its title another story.
    const changed = [{ ...two[0]!, title: "Dock workers vote on new contract" }];
    expect(ids([one, changed])).toEqual([
      ["1", ["one"]],
      ["2", ["two"]],
    ]);
  });

  it("never joins two items of one source by title", () => {
    expect(
      mergeArticles([
        make({ id: "1", sourceId: "one", title: "Daily briefing", canonicalUrl: "https://a.example/1", publishedAt: day(1) }),
        make({ id: "2", sourceId: "one", title: "Daily briefing", canonicalUrl: "https://a.example/2", publishedAt: day(2) }),
      ]),
    ).toHaveLength(2);
  });
});

describe("a story one source alone carries", () => {
  it("is that source's article itself, shared by every catalog version, with its source, URL and guid", () => {
    const article = {
      ...mergeArticles([])[0],
      id: "solo",
      sourceId: "only",
      guid: "tag:solo",
      title: "A story nobody else has",
      summary: null,
      rawBodyHtml: null,
      bodyBase: null,
      bodyWords: 0,
      url: "https://only.example/solo",
      canonicalUrl: "https://only.example/solo",
      author: null,
      publishedAt: null,
      updatedAt: null,
      image: null,
      tags: [],
      section: "news",
      commentCount: null,
      authors: [],
      enclosures: [],
      language: null,
    };
    const [first] = mergeArticles([article]);
    const [again] = mergeArticles([article]);
    expect(first).toBe(article);
    expect(again).toBe(article);
    expect(sourceIdsOf(first!)).toEqual(["only"]);
    expect(canonicalUrlsOf(first!)).toEqual(["https://only.example/solo"]);
    expect(guidsOf(first!)).toEqual(["tag:solo"]);
  });
});

describe("one source's items are never one story", () => {
  it("two items of one source under one canonical URL (a page with an anchor per post) stay two stories", () => {
    expect(
      mergeArticles([
        make({ id: "1", sourceId: "one", title: "Post one", url: "https://a.example/day#1", canonicalUrl: "https://a.example/day" }),
        make({ id: "2", sourceId: "one", title: "Post two", url: "https://a.example/day#2", canonicalUrl: "https://a.example/day" }),
      ]),
    ).toHaveLength(2);
  });

  it("a chain of copies through another source never joins two items of one source", () => {
    // one/1 and two/1 share a link; two/1 and one/2 a global guid: one/2 stays apart.
    const merged = mergeArticles([
      make({ id: "a", sourceId: "one", title: "First", canonicalUrl: "https://a.example/x" }),
      make({ id: "b", sourceId: "two", title: "Copy", canonicalUrl: "https://a.example/x", guid: "tag:wire.example,2026:7" }),
      make({ id: "c", sourceId: "one", title: "Second", canonicalUrl: "https://a.example/y", guid: "tag:wire.example,2026:7" }),
    ]);
    expect(merged.map((article) => [...sourceIdsOf(article)])).toEqual([["one", "two"], ["one"]]);
  });

  it("a source's copy of a story joins another source's once, its other items stay apart", () => {
    const merged = mergeArticles([
      make({ id: "1", sourceId: "one", title: "Post one", canonicalUrl: "https://a.example/day" }),
      make({ id: "2", sourceId: "one", title: "Post two", canonicalUrl: "https://a.example/day" }),
      make({ id: "3", sourceId: "two", title: "The day", canonicalUrl: "https://a.example/day" }),
    ]);
    expect(merged.map((article) => [...sourceIdsOf(article)])).toEqual([["one", "two"], ["one"]]);
  });

  it("an item without a link of its own (a podcast episode shown under the home page) is not merged by that page", () => {
    expect(
      mergeArticles([
        make({ id: "1", sourceId: "one", title: "Episode 1", url: "https://pod.example/", canonicalUrl: "https://pod.example#item-1" }),
        make({ id: "2", sourceId: "two", title: "Our podcast", url: "https://pod.example/", canonicalUrl: "https://pod.example" }),
      ]),
    ).toHaveLength(2);
  });
});

describe("the order joins are tried in", () => {
  // One story told three times: two/b is a copy of one/a and of one/c, and one source's two items are never one story.
  const tail = "vote to fund new rural bridges and roads in the north and the south of the land this year";
  const at = (hours: number) => new Date(Date.UTC(2026, 9, 6, hours));
  const a = make({
    id: "a",
    sourceId: "one",
    title: `Parliamentarians overwhelmingly backed the ${tail}`,
    canonicalUrl: "https://one.example/a",
    publishedAt: at(9),
  });
  const c = make({
    id: "c",
    sourceId: "one",
    title: `MPs overwhelmingly backed infrastructure ${tail}`,
    canonicalUrl: "https://one.example/c",
    publishedAt: at(7),
  });
  const b = make({
    id: "b",
    sourceId: "two",
    title: `Parliamentarians overwhelmingly backed infrastructure ${tail}`,
    canonicalUrl: "https://two.example/b",
    publishedAt: at(8),
  });
  // Shares b's and c's title bucket (their two longest words), ten days earlier: compared with nothing.
  const unrelated = make({
    id: "x",
    sourceId: "three",
    title: "Overwhelmingly infrastructure",
    canonicalUrl: "https://three.example/x",
    publishedAt: at(-240),
  });
  const mergedUrls = (articles: Article[]) =>
    mergeArticles(articles).flatMap((story) => (story.merged ? [story.merged.canonicalUrls] : []));

  it("is the articles' order: the first pair that can join does, whatever else the catalog holds", () => {
    // b and a share one bucket, b and c another; (a, b) comes first in the articles' order, so a story of one source's
    // first item wins. Pairs used to be joined bucket by bucket, in the order the buckets were first met: an unrelated
    // article met first in b and c's bucket made b join c instead.
    expect(mergedUrls([a, c, b])).toEqual([["https://one.example/a", "https://two.example/b"]]);
    expect(mergedUrls([unrelated, a, c, b])).toEqual([["https://one.example/a", "https://two.example/b"]]);
    // Swapping the copies of one source swaps which of them joins.
    expect(mergedUrls([unrelated, c, a, b])).toEqual([["https://one.example/c", "https://two.example/b"]]);
  });

  it("groups a set closed under joining alone as it groups it within the whole", () => {
    const others = Array.from({ length: 30 }, (_, n) =>
      make({
        id: `o${n}`,
        sourceId: `other${n % 3}`,
        title: `Overwhelmingly infrastructure ${n}`,
        canonicalUrl: `https://o.example/${n}`,
        publishedAt: at(n),
      }),
    );
    const whole = mergeArticles([...others.slice(0, 15), a, c, ...others.slice(15), b]);
    const alone = mergeArticles([a, c, b]);
    expect(whole.filter((story) => ["a", "b", "c"].includes(story.id))).toEqual(alone);
  });
});

describe("merging authors, media and language", () => {
  it("lists every copy's authors once (the first source's first), every file once by URL, and the first language given", () => {
    const [merged] = mergeArticles([
      make({
        id: "1",
        sourceId: "one",
        author: null,
        authors: [{ name: null, email: "desk@a.example", url: null }],
        enclosures: [{ url: "https://cdn.example/a.mp3", type: "audio/mpeg", length: null, durationSeconds: 60 }],
      }),
      make({
        id: "2",
        sourceId: "two",
        author: "Ada",
        authors: [
          { name: "Ada", email: null, url: null },
          { name: null, email: "DESK@a.example", url: null },
        ],
        enclosures: [
          { url: "https://cdn.example/a.mp3", type: null, length: 5, durationSeconds: null },
          { url: "https://cdn.example/b.jpg", type: "image/jpeg", length: null, durationSeconds: null },
        ],
        language: "en-GB",
      }),
      make({ id: "3", sourceId: "three", language: "en-US" }),
    ]);
    expect(merged!.authors).toEqual([
      { name: null, email: "desk@a.example", url: null },
      { name: "Ada", email: null, url: null },
    ]);
    expect(merged!.author).toBe("Ada");
    expect(merged!.enclosures.map((e) => e.url)).toEqual(["https://cdn.example/a.mp3", "https://cdn.example/b.jpg"]);
    expect(merged!.enclosures[0]!.type).toBe("audio/mpeg");
    expect(merged!.language).toBe("en-GB");
  });
});
