import { describe, expect, it } from "vitest";
import type { Article } from "../../src/model/article.ts";
import { countWords, readingTimeMinutes, readingWords } from "../../src/ingest/text.ts";
import { bodyWordsOf, readingTimeOf } from "../../src/store/catalog/article-content.ts";
import { article as storedArticle } from "../helpers/stored-articles.ts";

const JAPANESE_SENTENCE = "熊本県の半導体工場で量産が始まった。"; // 18 characters, 17 of them Han or kana
const english = (words: number) => Array.from({ length: words }, (_, i) => `word${i}`).join(" ");

/** An article whose body is `body` in a paragraph, in `language`, with no summary to fall back on. */
const article = (body: string, language: string | null): Article =>
  storedArticle({ id: `r-${language}-${body.length}`, sourceId: "s", summary: null, rawBodyHtml: `<p>${body}</p>`, language });

describe("reading time in every script", () => {
  it("counts Chinese, Japanese and Korean by characters, at 500 a minute", () => {
    // 1,700 Han and kana characters: 3.4 minutes at 500 a minute, not 1 (one "word" without spaces).
    const japanese = JAPANESE_SENTENCE.repeat(100);
    expect(countWords(japanese.replace(/[^\p{L}]/gu, ""), "ja")).toBeGreaterThan(100);
    expect(readingWords(japanese, "ja")).toBe(Math.round((1700 * 230) / 500));
    expect(readingTimeMinutes(readingWords(japanese, "ja"))).toBe(3);
    const korean = "서울 시내 버스 노선이 바뀐다 ".repeat(100); // 1,100 Hangul characters
    expect(readingTimeMinutes(readingWords(korean, "ko"))).toBe(2);
  });

  it("counts words elsewhere, and both in mixed text", () => {
    expect(readingWords(english(690))).toBe(690);
    expect(readingTimeMinutes(readingWords(english(690)))).toBe(3);
    // 460 words and 1,000 CJK characters: 2 + 2 minutes.
    const mixed = `${english(460)} ${"半導体工場".repeat(200)}`;
    expect(readingWords(mixed, "ja")).toBe(460 + 460);
    expect(readingTimeMinutes(readingWords(mixed, "ja"))).toBe(4);
  });

  it("counts Thai, written without spaces, by the words a segmenter finds", () => {
    const thai = "ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ";
    expect(countWords(thai, "th")).toBeGreaterThanOrEqual(6);
    expect(readingWords(thai.repeat(100), "th")).toBe(countWords(thai, "th") * 100);
  });

  it("gives an article its reading time from its body in its language, never under a minute", () => {
    const japanese = article(JAPANESE_SENTENCE.repeat(150), "ja");
    expect(bodyWordsOf(japanese)).toBe(Math.round((17 * 150 * 230) / 500));
    expect(readingTimeOf(japanese)).toBe(5);
    expect(readingTimeOf(article(JAPANESE_SENTENCE, "ja"))).toBe(1);
    expect(readingTimeOf(article(english(920), "en"))).toBe(4);
  });
});
