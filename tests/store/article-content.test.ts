import { describe, expect, it } from "vitest";
import type { Article } from "../../src/ingest/article.ts";
import { normalizeItem } from "../../src/ingest/normalize.ts";
import { emptyRawItem } from "../../src/ingest/raw-feed.ts";
import { sanitizeContent } from "../../src/ingest/sanitize.ts";
import { contentHtmlOf } from "../../src/store/article-content.ts";
import { deserializeSnapshot, serializeSnapshot } from "../../src/store/shared-cache.ts";
import type { SourceSnapshot } from "../../src/ingest/read-source.ts";

const SECTIONS = [{ slug: "news", name: "News" }];
const NOW = Date.UTC(2026, 10, 1);

/** An article as normalizing makes it from an item of a feed at `feedUrl` whose channel links to `feedLink`. */
function articleFrom(fields: Partial<ReturnType<typeof emptyRawItem>>, feedLink: string | null = "https://wire.example/news/"): Article {
  const item = { ...emptyRawItem(), title: "A story", link: "https://wire.example/news/story", ...fields };
  const feed = { title: null, link: feedLink, base: null, warning: null, ttlMinutes: null, items: [item] };
  return normalizeItem(item, feed, { sourceId: "wire", defaultSection: "news", sections: SECTIONS, feedUrl: "https://wire.example/feed.xml", now: NOW })!;
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

  it("reads the body's text at once: reading time and a summary when the feed gives no description", () => {
    const words = Array.from({ length: 700 }, (_, i) => `word${i}`).join(" ");
    const article = articleFrom({ contentHtml: `<style>p { x: y }</style><p>${words}</p><script>${"var a = 1; ".repeat(500)}</script>` });
    expect(article.bodyWords).toBe(700); // the script's and the style's words are not a reader's
    expect(article.readingTimeMinutes).toBe(3); // 700 words at 230 a minute
    expect(article.summary).toMatch(/^word0 word1 word2 .*…$/);
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

describe("a snapshot stored by an instance of the earlier version", () => {
  it("takes its sanitized contentHtml as the body, so its articles still show their content", () => {
    const current = articleFrom({ contentHtml: "<p>Now</p>" });
    const { rawBodyHtml: _raw, bodyBase: _base, bodyWords: _words, ...rest } = current;
    const earlier = { ...rest, id: "earlier", contentHtml: '<p>Then, <a href="https://x.example/" rel="nofollow noopener noreferrer">a link</a></p>' };
    const snapshot = { articles: [earlier, current] } as unknown as SourceSnapshot;
    const [readEarlier, readCurrent] = deserializeSnapshot(serializeSnapshot(snapshot)).articles as (Article & { contentHtml?: unknown })[];
    expect(readEarlier!.contentHtml).toBeUndefined();
    expect(readEarlier!.bodyWords).toBe(3); // "Then, a link"
    // Sanitized again: the same markup, attributes in the sanitizer's order.
    expect(contentHtmlOf(readEarlier!)).toBe('<p>Then, <a rel="nofollow noopener noreferrer" href="https://x.example/">a link</a></p>');
    expect(readCurrent!.rawBodyHtml).toBe("<p>Now</p>");
    expect(readCurrent!.bodyBase).toBe(current.bodyBase);
  });

  it("reads a snapshot whose articles are not a list as it was stored, without failing", () => {
    expect(deserializeSnapshot('{"articles":{"0":{"contentHtml":"<p>x</p>"}}}')).toEqual({ articles: { "0": { contentHtml: "<p>x</p>" } } });
    expect(deserializeSnapshot('{"articles":null}')).toEqual({ articles: null });
  });
});
