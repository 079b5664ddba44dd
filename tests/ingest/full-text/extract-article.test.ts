import { describe, expect, it } from "vitest";
import { extractArticle, MIN_ARTICLE_CHARS } from "../../../src/ingest/full-text/extract-article.ts";
import { ExtractPool } from "../../../src/ingest/full-text/extract-pool.ts";
import { sanitizeContent } from "../../../src/ingest/sanitize.ts";
import { ARTICLE_NAMES, ARTICLES, expectedMetadata, expectedParagraphs, pageBytes, textOf } from "./pages.ts";

describe("extractArticle over linkedom", () => {
  it.each(ARTICLE_NAMES)("extracts %s as Readability's own test expects", (name) => {
    const extraction = extractArticle(pageBytes(name), "text/html");
    if (!extraction.ok) throw new Error(`${name}: ${extraction.message}`);
    const text = textOf(extraction.html);
    const paragraphs = expectedParagraphs(name);
    expect(paragraphs.length).toBeGreaterThan(3);
    // Every paragraph Readability's expected output holds is there, the first and the last included.
    for (const paragraph of paragraphs) expect(text).toContain(paragraph);
    for (const chrome of ARTICLES[name].absent) expect(text).not.toContain(chrome);
    expect(extraction.textChars).toBeGreaterThan(paragraphs.join(" ").length * 0.9);
    expect(expectedMetadata(name).readerable).toBe(true);
  });

  it("reads a page's charset from its meta element when HTTP names none", () => {
    const page = Buffer.concat([
      Buffer.from('<!doctype html><html><head><meta charset="iso-8859-1"><title>t</title></head><body><article>'),
      Buffer.from(
        `<p>${"Le député a voté la loi sur le renseignement, déjà adoptée en première lecture. ".repeat(8)}</p>`.repeat(3),
        "latin1",
      ),
      Buffer.from("</article></body></html>"),
    ]);
    const extraction = extractArticle(page, "text/html");
    expect(extraction.ok && textOf(extraction.html)).toContain("Le député a voté la loi sur le renseignement, déjà adoptée");
  });

  it("finds no article on a landing page (mozilla-2, which Readability does not call readerable)", () => {
    expect(expectedMetadata("mozilla-2").readerable).toBe(false);
    const extraction = extractArticle(pageBytes("mozilla-2"), "text/html; charset=utf-8");
    expect(extraction).toMatchObject({ ok: false, code: "NOT_EXTRACTABLE" });
  });

  it("refuses what is not HTML, by its content type or, without one, by its bytes", () => {
    expect(extractArticle(Buffer.from('{"a":1}'), "application/json")).toMatchObject({ ok: false, code: "NOT_HTML" });
    expect(extractArticle(Buffer.from("%PDF-1.7 ..."), null)).toMatchObject({ ok: false, code: "NOT_HTML" });
    expect(extractArticle(pageBytes("ars-1"), null)).toMatchObject({ ok: true });
  });

  it(`needs ${MIN_ARTICLE_CHARS} characters of article`, () => {
    const page = Buffer.from(`<html><body><article><p>${"Short notice. ".repeat(5)}</p></article></body></html>`);
    expect(extractArticle(page, "text/html")).toMatchObject({ ok: false, code: "NOT_EXTRACTABLE" });
  });

  it("keeps nothing that runs from a hostile page once sanitized as every body is", () => {
    const extraction = extractArticle(pageBytes("hostile"), "text/html");
    if (!extraction.ok) throw new Error(extraction.message);
    const shown = sanitizeContent(extraction.html, ["http://127.0.0.1:1/news/cranes"]);
    expect(shown).toContain("The harbour's three container cranes were back at work on Monday");
    expect(shown).toContain("divers found no damage below the waterline");
    expect(shown).not.toMatch(/<(script|iframe|svg|form|input|object|embed|style|meta)\b/i);
    expect(shown).not.toMatch(/\son\w+\s*=/i);
    expect(shown).not.toMatch(/javascript:/i);
    expect(shown).not.toContain("injected by script");
    // Relative links are made absolute against the page's URL.
    expect(shown).toContain('href="http://127.0.0.1:1/statement"');
  });
});

describe("ExtractPool", () => {
  it("extracts on a worker thread exactly as on the calling thread", async () => {
    const pool = new ExtractPool({ size: 1 });
    try {
      const [onWorker, again] = await Promise.all([
        pool.run(pageBytes("lemonde-1"), "text/html"),
        pool.run(pageBytes("heise"), "text/html"),
      ]);
      expect(onWorker).toEqual(extractArticle(pageBytes("lemonde-1"), "text/html"));
      expect(again).toEqual(extractArticle(pageBytes("heise"), "text/html"));
    } finally {
      await pool.close();
    }
  });

  it("stops an extraction past its time limit and says so; once closed, answers without a thread", async () => {
    // A thread takes far longer than 1 ms to start, so the first extraction always overruns.
    const pool = new ExtractPool({ size: 1, timeoutMs: 1 });
    try {
      expect(await pool.run(pageBytes("ars-1"), "text/html")).toMatchObject({
        ok: false,
        code: "NOT_EXTRACTABLE",
        message: expect.stringContaining("longer than 1 ms"),
      });
    } finally {
      await pool.close();
    }
    expect(await pool.run(pageBytes("ars-1"), "text/html")).toMatchObject({ ok: false, message: "the extraction pool was closed" });
  });
});
