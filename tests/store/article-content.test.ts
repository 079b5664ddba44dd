import { describe, expect, it } from "vitest";
import type { Article } from "../../src/model/article.ts";
import { normalizeItem } from "../../src/ingest/normalize.ts";
import { emptyRawItem } from "../../src/model/raw-feed.ts";
import { sanitizeContent } from "../../src/ingest/sanitize.ts";
import { bodyWordsOf, contentHtmlOf, readingTimeOf } from "../../src/store/catalog/article-content.ts";

const SECTIONS = [{ slug: "news", name: "News" }];
const NOW = Date.UTC(2026, 10, 1);

/** An article as normalizing makes it from an item of a feed at `feedUrl` whose channel links to `feedLink`. */
function articleFrom(fields: Partial<ReturnType<typeof emptyRawItem>>, feedLink: string | null = "https://wire.example/news/"): Article {
  const item = { ...emptyRawItem(), title: "A story", link: "https://wire.example/news/story", ...fields };
  const feed = { title: null, link: feedLink, base: null, warning: null, ttlMinutes: null, language: null, authors: [], items: [item] };
  return normalizeItem(item, feed, {
    sourceId: "wire",
    defaultSection: "news",
    sections: SECTIONS,
    feedUrl: "https://wire.example/feed.xml",
    now: NOW,
  })!;
}

describe("an article's content, sanitized when first shown", () => {
  it("keeps the feed's body and its base, and shows it sanitized with links absolute against that base", () => {
    const body = '<p onclick="steal()">Read <a href="../specs.html">the specs</a><script>alert(1)</script> and <img src="chart.png"></p>';
    const article = articleFrom({ contentHtml: body, contentBase: "https://cdn.wire.example/2026/" });
    expect(article.rawBodyHtml).toBe(body);
    expect(article.bodyBase).toBe("https://cdn.wire.example/2026/");
    expect(contentHtmlOf(article)).toBe(
      '<p>Read <a href="https://cdn.wire.example/specs.html" rel="nofollow noopener noreferrer">the specs</a> and <img src="https://cdn.wire.example/2026/chart.png" loading="lazy" /></p>',
    );
    // The same answer on every read, equal to sanitizing the body against its base at once.
    expect(contentHtmlOf(article)).toBe(contentHtmlOf(article));
    expect(contentHtmlOf(article)).toBe(sanitizeContent(body, ["https://cdn.wire.example/2026/"]));
  });

  it("resolves a description's links against the item's and the feed's bases, as normalizing did", () => {
    const article = articleFrom({ summaryHtml: '<a href="/about">About</a>', base: "https://wire.example/en/" }, "https://wire.example/");
    expect(contentHtmlOf(article)).toBe('<a href="https://wire.example/about" rel="nofollow noopener noreferrer">About</a>');
  });

  it("reads the body's text at once only for a summary the feed does not give, and counts its words when first asked", () => {
    const words = Array.from({ length: 700 }, (_, i) => `word${i}`).join(" ");
    const body = `<style>p { x: y }</style><p>${words}</p><script>${"var a = 1; ".repeat(500)}</script>`;
    const article = articleFrom({ contentHtml: body });
    expect(article.summary).toMatch(/^word0 word1 word2 .*…$/);
    expect(article.bodyWords).toBeNull();
    expect(bodyWordsOf(article)).toBe(700); // the script's and the style's words are not a reader's
    expect(article.bodyWords).toBe(700); // counted once, kept on the article
    expect(readingTimeOf(article)).toBe(3); // 700 words at 230 a minute
    // With a description, the same body's words are counted alike, and the summary is the description.
    const described = articleFrom({ contentHtml: body, summaryHtml: "<p>What it <b>says</b>.</p>" });
    expect(described.summary).toBe("What it says.");
    expect(readingTimeOf(described)).toBe(3);
  });

  it("takes its reading time from the summary when the body has no words", () => {
    const summary = Array.from({ length: 500 }, (_, i) => `w${i}`).join(" ");
    const bare = { ...articleFrom({}), summary, rawBodyHtml: null, bodyWords: null };
    expect(readingTimeOf(bare)).toBe(2); // 500 words of summary
    expect(readingTimeOf({ ...bare, summary: null })).toBe(1); // never less than a minute
  });

  it("counts again a count that is not one (another instance's snapshot is not trusted blindly)", () => {
    const article = articleFrom({ contentHtml: "<p>Three short words</p>" });
    for (const stored of [-1, 1.5, Number.NaN, "12", 2 ** 60, null, undefined]) {
      const copy = { ...article, bodyWords: stored as number | null };
      expect(bodyWordsOf(copy)).toBe(3);
    }
    expect(bodyWordsOf({ ...article, bodyWords: 40 })).toBe(40);
  });

  it("is made again when a story keeps its id but gets a new body or base", () => {
    const first = articleFrom({ contentHtml: '<p>First <a href="a">draft</a></p>', contentBase: "https://one.example/" });
    expect(contentHtmlOf(first)).toContain('href="https://one.example/a"');
    const edited = { ...first, rawBodyHtml: '<p>Edited <a href="a">copy</a></p>' };
    expect(edited.id).toBe(first.id);
    expect(contentHtmlOf(edited)).toBe('<p>Edited <a href="https://one.example/a" rel="nofollow noopener noreferrer">copy</a></p>');
    const moved = { ...edited, bodyBase: "https://two.example/" };
    expect(contentHtmlOf(moved)).toContain('href="https://two.example/a"');
    // And the first is still the first.
    expect(contentHtmlOf(first)).toContain(">draft</a>");
  });

  it("is null when there is no body, or when nothing of it is left", () => {
    expect(contentHtmlOf(articleFrom({}))).toBeNull();
    const onlyScript = articleFrom({ contentHtml: "<script>alert(1)</script><iframe src=x></iframe>" });
    expect(onlyScript.rawBodyHtml).not.toBeNull();
    expect(contentHtmlOf(onlyScript)).toBeNull();
  });
});
