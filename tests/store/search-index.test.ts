import { describe, expect, it } from "vitest";
import type { CatalogArticle } from "../../src/store/catalog/catalog-article.ts";
import { BODY_WORDS_INDEXED, MAX_QUERY_TERMS, SearchIndex } from "../../src/store/search/search-index.ts";
import { runToEnd } from "../../src/store/sliced/time-slice.ts";

let serial = 0;
function article(fields: { title?: string; summary?: string | null; body?: string | null; tags?: string[]; id?: string }): CatalogArticle {
  const id = fields.id ?? `a${++serial}`;
  return {
    id,
    sourceId: "source",
    guid: null,
    title: fields.title ?? "Untitled",
    summary: fields.summary === undefined ? "Nothing to see." : fields.summary,
    rawBodyHtml: fields.body === undefined ? "<p>Nothing here.</p>" : fields.body,
    bodyBase: null,
    bodyWords: 0,
    url: `https://example.com/${id}`,
    canonicalUrl: `https://example.com/${id}`,
    author: null,
    publishedAt: new Date(Date.UTC(2026, 0, 1)),
    updatedAt: null,
    image: null,
    tags: fields.tags ?? [],
    section: "technology",
    commentCount: null,
    authors: [],
    enclosures: [],
    language: null,
  };
}

const ids = (index: SearchIndex, query: string) => index.search(query).map((hit) => hit.id);
/**
 * A search's hits as plain data: a hit also holds its query's match, which
 * reaches the whole index, and comparing that deeply took 40 s for 500 hits.
 */
const results = (index: SearchIndex, query: string) => index.search(query).map(({ id, score, terms }) => ({ id, score, terms }));

describe("search index", () => {
  describe("ranking", () => {
    it("ranks a match in the title above the same match in the body", () => {
      const index = new SearchIndex([
        article({ id: "body", title: "Markets close higher", body: "<p>Analysts mentioned graphene once.</p>" }),
        article({ id: "title", title: "Graphene sheets reach the factory", body: "<p>Production begins.</p>" }),
      ]);
      expect(ids(index, "graphene")).toEqual(["title", "body"]);
    });

    it("ranks a tag match above a summary match, and a summary match above a body match", () => {
      const index = new SearchIndex([
        article({ id: "body", body: "<p>Wind farms expand offshore.</p>" }),
        article({ id: "summary", summary: "Offshore wind farms expand." }),
        article({ id: "tag", tags: ["Offshore"] }),
      ]);
      expect(ids(index, "offshore")).toEqual(["tag", "summary", "body"]);
    });

    it("ranks rare words above common ones and the word as typed above words it is a prefix of", () => {
      const index = new SearchIndex([
        article({ id: "longer", title: "Battery makers merge" }),
        article({ id: "exact", title: "Batter up: the new season" }),
      ]);
      expect(ids(index, "batter")).toEqual(["exact", "longer"]);
    });

    it("ranks an article that uses a word more often above one that uses it once, at equal length", () => {
      const index = new SearchIndex([
        article({ id: "once", body: "<p>lithium mining grows in the north of the region today</p>" }),
        article({ id: "thrice", body: "<p>lithium lithium mining grows lithium in the north today</p>" }),
      ]);
      expect(ids(index, "lithium")).toEqual(["thrice", "once"]);
    });
  });

  describe("matching", () => {
    const index = new SearchIndex([
      article({ id: "solar", title: "Solar panels on every roof" }),
      article({ id: "battery", title: "Battery storage for the grid" }),
      article({ id: "both", title: "Solar power needs batteries", summary: "Storage is the bottleneck." }),
      article({ id: "quantum", title: "Quantum computing milestone", tags: ["Physics"] }),
    ]);

    it("requires every query word to match", () => {
      expect(ids(index, "solar batteries")).toEqual(["both"]);
      expect(ids(index, "solar storage")).toEqual(["both"]);
      expect(ids(index, "solar quantum")).toEqual([]);
    });

    it("matches prefixes of three characters or more", () => {
      expect(ids(index, "batter").sort()).toEqual(["battery", "both"]);
      expect(ids(index, "sol").sort()).toEqual(["both", "solar"]);
      expect(ids(index, "so")).toEqual([]);
    });

    it("ignores case and punctuation", () => {
      expect(ids(index, "QUANTUM, computing!")).toEqual(["quantum"]);
    });

    it("tolerates a typo or a swap of two letters in words of five characters or more", () => {
      expect(ids(index, "quantim")).toEqual(["quantum"]);
      expect(ids(index, "qunatum")).toEqual(["quantum"]);
      expect(ids(index, "physcis")).toEqual(["quantum"]);
    });

    it("tolerates no typo in short words, and none when the words match as typed", () => {
      expect(ids(index, "solr")).toEqual([]);
      const typos = new SearchIndex([article({ id: "grid", title: "grid" }), article({ id: "grind", title: "grind" })]);
      expect(ids(typos, "grind")).toEqual(["grind"]);
    });

    it("tells each hit which of its words matched", () => {
      const hits = index.search("batter sol");
      const both = hits.find((hit) => hit.id === "both");
      expect(both?.terms.sort()).toEqual(["batteries", "solar"]);
      expect(index.search("quantim")[0]?.terms).toEqual(["quantum"]);
    });

    it("answers a search the same however many searches came before it", () => {
      const first = results(index, "solar batter");
      for (const query of ["sol", "quantim", "solar quantum", "battery storage", "physics"]) index.search(query);
      expect(results(index, "solar batter")).toEqual(first);
      expect(first.map((hit) => hit.score).every((score, i, all) => i === 0 || score <= all[i - 1]!)).toBe(true);
    });

    it("finds nothing, without an error, for an empty query or one of punctuation only", () => {
      for (const query of ["", "   ", "!!! ?", "a"]) expect(index.search(query)).toEqual([]);
      expect(new SearchIndex([]).search("solar")).toEqual([]);
    });

    it("bounds a huge query: only the first distinct words count, and a giant word is cut", () => {
      const words = Array.from({ length: 5000 }, (_, i) => `solar${i}`).join(" ");
      const started = performance.now();
      expect(index.search(words)).toEqual([]);
      expect(index.search(`solar ${"x".repeat(100_000)}`)).toEqual([]);
      expect(performance.now() - started).toBeLessThan(1000);
      const repeated = Array.from({ length: MAX_QUERY_TERMS * 10 }, () => "solar").join(" ");
      expect(ids(index, repeated).sort()).toEqual(["both", "solar"]);
    });

    it("indexes only the first words of the body", () => {
      const filler = Array.from({ length: BODY_WORDS_INDEXED }, (_, i) => `word${i}`).join(" ");
      const late = new SearchIndex([article({ id: "late", body: `<p>${filler} zeppelin</p>` })]);
      expect(ids(late, "word0")).toEqual(["late"]);
      expect(ids(late, "zeppelin")).toEqual([]);
    });
  });

  describe("building", () => {
    it("builds in steps that yield every few articles, to the same index as in one go", () => {
      const articles = Array.from({ length: 1000 }, (_, i) =>
        article({ id: `s${i}`, title: `Story ${i} about ${i % 2 ? "tides" : "comets"}` }),
      );
      const steps = SearchIndex.build(articles);
      let yields = 0;
      let next = steps.next();
      for (; !next.done; next = steps.next()) yields++;
      expect(yields).toBeGreaterThan(5);
      expect(next.value.search("tides comet")).toEqual([]);
      expect(results(next.value, "tides")).toEqual(results(new SearchIndex(articles), "tides"));
      expect(results(next.value, "tides")).toHaveLength(500);
      expect(runToEnd(SearchIndex.build(articles)).search("comets")).toHaveLength(500);
    });
  });

  describe("text", () => {
    it("finds words in any script, in any case, with their accents", () => {
      const index = new SearchIndex([
        article({ id: "zurich", title: "Zürich opens a new tram line" }),
        article({ id: "moscow", title: "Москва: новая линия метро" }),
        article({ id: "tokyo", title: "東京 オリンピック", tags: ["日本"] }),
        article({ id: "cafe", summary: "The café of the future" }),
      ]);
      expect(ids(index, "zürich")).toEqual(["zurich"]);
      expect(ids(index, "ZÜRICH")).toEqual(["zurich"]);
      expect(ids(index, "москва")).toEqual(["moscow"]);
      expect(ids(index, "МЕТРО")).toEqual(["moscow"]);
      expect(ids(index, "東京")).toEqual(["tokyo"]);
      expect(ids(index, "日本")).toEqual(["tokyo"]);
      expect(ids(index, "café")).toEqual(["cafe"]);
    });

    it("reads the body's words without its markup, with entities decoded", () => {
      const index = new SearchIndex([
        article({
          id: "html",
          body: '<p class="lede">Fusion&nbsp;reactor <a href="https://tokamak.example/">ignites</a></p><p>Caf&#233; &amp; cr&#xE8;me</p>',
        }),
      ]);
      expect(ids(index, "fusion reactor ignites")).toEqual(["html"]);
      expect(ids(index, "café")).toEqual(["html"]);
      expect(ids(index, "tokamak")).toEqual([]);
      expect(ids(index, "lede")).toEqual([]);
      expect(ids(index, "crème")).toEqual(["html"]);
    });
  });

  describe("snippets", () => {
    it("shows the summary around the match with the matched words marked", () => {
      const index = new SearchIndex([article({ title: "Grid news", summary: "Utilities plan more battery storage this winter." })]);
      const [hit] = index.search("batter");
      expect(index.snippet(hit!)).toBe("Utilities plan more <mark>battery</mark> storage this winter.");
    });

    it("falls back to the body, then to the title, when the summary has no match", () => {
      const index = new SearchIndex([
        article({ id: "body", title: "Update", summary: "Short note.", body: "<p>The <b>glacier</b> retreated again.</p>" }),
        article({ id: "title", title: "Volcano erupts", summary: null, body: null }),
      ]);
      expect(index.snippet(index.search("glacier")[0]!)).toBe("The <mark>glacier</mark> retreated again.");
      expect(index.snippet(index.search("volcano")[0]!)).toBe("<mark>Volcano</mark> erupts");
    });

    it("escapes the article's text and marks only the matched words, at word starts", () => {
      const index = new SearchIndex([article({ summary: 'A <script>alert("x")</script> about mars & "marsupials"; unmars' })]);
      const snippet = index.snippet(index.search("mars")[0]!)!;
      expect(snippet).not.toMatch(/<(?!\/?mark>)/);
      expect(snippet).toContain("&lt;script&gt;");
      expect(snippet).toContain("<mark>mars</mark> &amp;");
      expect(snippet).toContain("<mark>marsupials</mark>");
      expect(snippet).toContain("unmars");
      expect(snippet).not.toContain("un<mark>");
    });

    it("cuts a long text around the first match, at word boundaries, with ellipses", () => {
      const before = Array.from({ length: 60 }, (_, i) => `lead${i}`).join(" ");
      const after = Array.from({ length: 60 }, (_, i) => `tail${i}`).join(" ");
      const index = new SearchIndex([article({ summary: `${before} meteorite ${after}` })]);
      const snippet = index.snippet(index.search("meteorite")[0]!)!;
      expect(snippet).toMatch(/^…lead\d+ /);
      expect(snippet).toMatch(/ tail\d+…$/);
      expect(snippet).toContain("<mark>meteorite</mark>");
      expect(snippet.length).toBeLessThan(200);
    });

    it("finds the article of a hit by id when the hit carries no position", () => {
      const index = new SearchIndex([
        article({ id: "x1", summary: "Rovers on the moon." }),
        article({ id: "x2", summary: "Rovers on mars." }),
      ]);
      expect(index.snippet({ id: "x2", score: 1, terms: ["mars"] })).toBe("Rovers on <mark>mars</mark>.");
      expect(index.snippet({ id: "missing", score: 1, terms: ["mars"] })).toBeNull();
      expect(index.snippet({ id: "x1", score: 1, terms: [] })).toBeNull();
    });
  });
});
