import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseBody } from "../../src/ingest/parse-body.ts";
import { decodeBody } from "../../src/ingest/decode.ts";
import { sanitizeContent, sanitizeWithLibrary } from "../../src/ingest/sanitize.ts";
import { CORPUS_DIR, corpusFiles } from "../helpers/corpus.ts";

const BASE = ["https://feed.example/news/"];

/** What sanitize-html itself gives for `html`: the reference the plain-text shortcut must equal. */
function library(html: string): string {
  return sanitizeWithLibrary(html, BASE);
}

const TRICKY = [
  "a > b \"c\" 'd'  \n\t e",
  "\u0000nul\u0000",
  "x\r\ny\rz",
  "  lead and trail  ",
  "emoji 🎉 and ünïcödé",
  ">>> quoted reply",
  `${"long ".repeat(2000)}> end`,
  "\u00a0no-break\u00a0",
  "zero\u200bwidth",
  "",
  "   ",
  "line\u2028separator",
  "\ufeffbyte order mark",
  "bell\u0007 and c1\u0085",
  "javascript:alert(1)",
  "onerror=alert(1) src=x",
];

/** Every description and body in the test corpus that holds neither a tag nor an entity. */
async function corpusPlainTexts(): Promise<string[]> {
  const texts: string[] = [];
  for (const file of corpusFiles()) {
    try {
      const decoded = decodeBody(readFileSync(path.join(CORPUS_DIR, file)), null);
      const { feed } = await parseBody(decoded.text, null, "auto");
      for (const item of feed.items)
        for (const html of [item.summaryHtml, item.contentHtml]) if (html && !/[<&]/.test(html)) texts.push(html);
    } catch {
      // Files that are not feeds, or broken on purpose, have their own tests.
    }
  }
  return texts;
}

describe("sanitizing text without markup", () => {
  it("gives exactly what sanitize-html gives, for tricky text and every plain text of the corpus", async () => {
    const corpus = await corpusPlainTexts();
    expect(corpus.length).toBeGreaterThan(100);
    for (const text of [...TRICKY, ...corpus]) expect(sanitizeContent(text, BASE), JSON.stringify(text.slice(0, 80))).toBe(library(text));
  });

  it("escapes > and leaves text that only looks like markup or a link as text", () => {
    expect(sanitizeContent(' 3 > 2, "quoted"\n and javascript:alert(1) ', BASE)).toBe('3 &gt; 2, "quoted"\n and javascript:alert(1)');
  });

  it("still hands anything with a tag or an entity to sanitize-html", () => {
    expect(sanitizeContent("AT&amp;T &lt;script&gt; &copy 2026", BASE)).toBe(library("AT&amp;T &lt;script&gt; &copy 2026"));
    expect(sanitizeContent("AT&amp;T", BASE)).toBe("AT&amp;T");
    expect(sanitizeContent("x <script>alert(1)</script> y", BASE)).toBe("x  y");
  });
});
