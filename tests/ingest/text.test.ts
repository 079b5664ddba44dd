import { describe, expect, it } from "vitest";
import { sanitizeContent } from "../../src/ingest/sanitize.ts";
import { collapseWhitespace, countWords, demoronize, htmlToText, repairEncoding, repairMojibake } from "../../src/ingest/text.ts";

describe("collapseWhitespace", () => {
  it("turns every run of whitespace, of any kind, into one plain space and trims", () => {
    expect(collapseWhitespace("  a\tb\n\nc\u00A0d\u200Be \r\n f  ")).toBe("a b c d e f");
    expect(collapseWhitespace("a \u2003 b")).toBe("a b");
  });

  it("leaves text whose spaces are already single alone, and drops control characters", () => {
    expect(collapseWhitespace("one two three")).toBe("one two three");
    expect(collapseWhitespace("bell\u0007 and\u0000 null")).toBe("bell and null");
  });

  it("repairs Windows-1252 codes and mojibake before it collapses, as it does text without them", () => {
    expect(collapseWhitespace("\u0093quoted\u0094  and caf\u00c3\u00a9 \u00e2\u20ac\u201d done\u0081")).toBe(
      "\u201cquoted\u201d and café \u2014 done",
    );
    expect(collapseWhitespace("Âge and Ãtre stay")).toBe("Âge and Ãtre stay");
  });

  it("gives the same answer on every call (no state kept between calls)", () => {
    const texts = ["x  y", "p q", "m\tn", "plain"];
    const first = texts.map(collapseWhitespace);
    expect(texts.map(collapseWhitespace)).toEqual(first);
    expect(first).toEqual(["x y", "p q", "m n", "plain"]);
  });
});

describe("repairEncoding", () => {
  it("is repairMojibake after demoronize, for text that needs either and text that needs neither", () => {
    const texts = ["plain ascii", "caf\u00c3\u00a9", "\u0093q\u0094", "\u00e2\u20ac\u2122s", "Ãtre", "\u0081\u008d", "日本語 ’ — é", ""];
    for (const text of texts) expect(repairEncoding(text)).toBe(repairMojibake(demoronize(text)));
    expect(repairEncoding("\u0093caf\u00c3\u00a9\u0094")).toBe("\u201ccafé\u201d");
  });
});

describe("countWords", () => {
  it("counts words as letters and digits, joined by apostrophes and hyphens", () => {
    expect(countWords("Don't stop: well-known café, 42 times — l’été!")).toBe(7);
    expect(countWords("")).toBe(0);
    expect(countWords(" -- ' ")).toBe(0);
  });

  it("gives the same count on every call", () => {
    const text = "one two three four";
    expect([countWords(text), countWords(text), countWords("a b")]).toEqual([4, 4, 2]);
  });
});

describe("a body's text and its sanitized HTML", () => {
  it("skip what is not prose, separate blocks, and decode entities exactly once", () => {
    const body = "<p>Fish &amp;amp; chips</p><script>alert(1)</script><svg><title>icon</title></svg><p>a&lt;b &copy=2</p>";
    expect(htmlToText(body)).toBe("Fish &amp; chips a<b &copy=2");
    // The sanitizer drops non-prose elements with their text (the svg title here), as the reader's text does.
    expect(sanitizeContent(body, [])).toBe("<p>Fish &amp;amp; chips</p><p>a&lt;b &amp;copy=2</p>");
  });

  it("resolves each call's links against that call's bases, whatever ran before it", () => {
    const body = '<p><a href="story">a</a> <img src="/i.png"> <q>q</q></p>';
    const first = sanitizeContent(body, ["https://one.example/news/"]);
    const second = sanitizeContent(body, ["https://two.example/feed/"]);
    expect(first).toContain('href="https://one.example/news/story"');
    expect(first).toContain('src="https://one.example/i.png"');
    expect(second).toContain('href="https://two.example/feed/story"');
    expect(second).toContain('src="https://two.example/i.png"');
    // No bases: a relative link has nothing to resolve against, so it is dropped, not left relative.
    expect(sanitizeContent(body, [])).not.toMatch(/href=|src=/);
    expect(htmlToText(body)).toBe("a q");
  });
});
