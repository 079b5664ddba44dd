import { decodeHTMLStrict } from "entities";
import { Parser } from "htmlparser2";
import { countCjkCharacters, forEachSegmentedWord, hasUnspacedScript, isIdeographic } from "./language/segment.ts";

/** Summaries are cut near this many characters, at a word boundary. */
export const SUMMARY_MAX_CHARS = 300;
/** Titles longer than this are cut: a feed that puts a whole article in its title is broken. */
export const TITLE_MAX_CHARS = 500;
/** Reading pace of text written in words, and of Chinese, Japanese and Korean text, counted in characters. */
export const WORDS_PER_MINUTE = 230;
export const CJK_CHARACTERS_PER_MINUTE = 500;

/** Elements whose text is not prose a reader sees. */
// Not `object`: a browser shows its fallback content, and so does the sanitized body.
export const NON_PROSE_ELEMENTS: readonly string[] = ["script", "style", "noscript", "template", "iframe", "head", "title", "svg", "math"];
const SKIPPED: ReadonlySet<string> = new Set(NON_PROSE_ELEMENTS);
// Elements that end a run of text: their boundaries become spaces, so "a</p><p>b" reads "a b".
const BLOCKS: ReadonlySet<string> = new Set([
  "p",
  "div",
  "br",
  "li",
  "ul",
  "ol",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "tr",
  "td",
  "th",
  "table",
  "blockquote",
  "section",
  "article",
  "header",
  "footer",
  "figure",
  "figcaption",
  "pre",
  "hr",
  "dd",
  "dt",
]);

/**
 * Plain text of an HTML fragment: tags dropped, entities decoded exactly once,
 * whitespace collapsed. A well-kept HTML tokenizer does the reading, so
 * malformed markup degrades to text instead of leaking tags.
 */
export function htmlToText(html: string): string {
  // Most titles, tags and names hold no markup and no entity: nothing to parse.
  if (!/[<&]/.test(html)) return collapseWhitespace(html);
  const reader = new ReaderText();
  const parser = new Parser(
    { onopentagname: (name) => reader.open(name), onclosetag: (name) => reader.close(name), ontext: (text) => reader.text(text) },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(escapeLegacyEntities(html));
  parser.end();
  return reader.result();
}

/**
 * What a reader sees of markup as a parser walks it: text outside non-prose
 * elements, and a space at each block boundary ("a</p><p>b" reads "a b").
 * Fed by htmlToText's parser.
 */
class ReaderText {
  private readonly parts: string[] = [];
  private skipping = 0;

  open(name: string): void {
    if (SKIPPED.has(name)) this.skipping++;
    else if (BLOCKS.has(name)) this.parts.push(" ");
  }

  close(name: string): void {
    if (SKIPPED.has(name)) this.skipping = Math.max(0, this.skipping - 1);
    else if (BLOCKS.has(name)) this.parts.push(" ");
  }

  /** Decoded text. */
  text(text: string): void {
    if (this.skipping === 0) this.parts.push(text);
  }

  result(): string {
    return collapseWhitespace(this.parts.join(""));
  }
}

/**
 * Some feeds escape their HTML twice (reddit's `&amp;lt;div&amp;gt;`). Read once,
 * the whole body may be text that starts with a tag and closes one: it is
 * unwrapped one level so it is treated as the markup it is. Or the feed mixes
 * real elements with such text (reddit's `&amp;lt;div class=&amp;quot;md&amp;quot;&amp;gt;…
 * submitted by<a href=…>`), so that the HTML holds markup escaped twice: when
 * runs of text between real tags that are escaped twice throughout (every `&` is
 * `&amp;`) hold an open tag and a close tag escaped twice, each such run is
 * unwrapped to the markup it stands for. Prose that merely mentions a tag ("use
 * `<meta>` tags") and code samples (`<pre>`, `<code>`) are left as written.
 */
export function unwrapDoubleEscaped(html: string): string {
  if (!/&lt;|&amp;lt;/i.test(html)) return html;
  if (/&lt;/i.test(html)) {
    const once = htmlToText(html);
    if (/^<(!--|[a-z][a-z0-9]*[\s>/])/i.test(once) && /<\/[a-z][a-z0-9]*>/i.test(once)) return once;
  }
  if (!(TWICE_ESCAPED_OPEN.test(html) && TWICE_ESCAPED_CLOSE.test(html))) return html;
  // Text between real tags (a tag's attributes are left as they are), but not in code:
  // a code sample that shows escaped markup (`<pre>&amp;lt;a href…`) means it as written.
  const runs: { start: number; end: number }[] = [];
  let code = 0;
  let open = false;
  let close = false;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(html); m; m = TOKEN.exec(html)) {
    const token = m[0];
    const tag = /^<(\/?)(pre|code|xmp|textarea|listing|plaintext)\b/i.exec(token);
    if (tag) code = Math.max(0, code + (tag[1] ? -1 : 1));
    else if (token[0] !== "<" && code === 0 && /&amp;/i.test(token) && !/&(?!amp;)/i.test(token)) {
      runs.push({ start: m.index, end: m.index + token.length });
      open ||= TWICE_ESCAPED_OPEN.test(token);
      close ||= TWICE_ESCAPED_CLOSE.test(token);
    }
  }
  if (!open || !close) return html;
  let out = "";
  let last = 0;
  for (const { start, end } of runs) {
    out += html.slice(last, start) + decodeHTMLStrict(decodeHTMLStrict(html.slice(start, end)));
    last = end;
  }
  return out + html.slice(last);
}
const TOKEN = /<[^<>]*>|[^<]+|</g;
// "<!--", "<div" or "<a " escaped twice, and a close tag escaped twice.
const TWICE_ESCAPED_OPEN = /&amp;lt;(!--|[a-z][a-z0-9]*(\s|&amp;gt;|\/))/i;
const TWICE_ESCAPED_CLOSE = /&amp;lt;\/[a-z][a-z0-9]*&amp;gt;/i;

/**
 * HTML decodes some entities without a semicolon ("&copy" is ©), which mangles
 * the query strings feeds put in text ("?page=1&copy=2"). Only entities ended by
 * a semicolon are decoded: a bare `&name` stays as written.
 */
export function escapeLegacyEntities(html: string): string {
  return html.replace(/&(?=[A-Za-z][A-Za-z0-9]*(?![A-Za-z0-9;]))/g, "&amp;");
}

// Control characters other than whitespace never belong in display text.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
// What demoronize (C1 codes), repairMojibake (a lead character before a continuation)
// and CONTROL act on: without any, none changes the text.
const NEEDS_REPAIR_OR_CONTROL =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\u00C2-\u00F4][\u00A0-\u00BF€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]/;
// Whitespace that is not already a lone plain space: a run of two or more, or one of another kind.
const UNTIDY_SPACE = /[\s\u00A0\u200B]{2,}|[^\S ]|\u200B/g;

export function collapseWhitespace(text: string): string {
  // Each pass is tested before it runs: most text has nothing to repair, and a
  // replace that rewrites every single space is most of this function's cost.
  // One scan rules out all three repairs, which each need a character it finds.
  let tidy = text;
  if (NEEDS_REPAIR_OR_CONTROL.test(tidy)) {
    tidy = repairMojibake(demoronize(tidy));
    CONTROL.lastIndex = 0;
    if (CONTROL.test(tidy)) tidy = tidy.replace(CONTROL, "");
  }
  UNTIDY_SPACE.lastIndex = 0;
  if (UNTIDY_SPACE.test(tidy)) tidy = tidy.replace(UNTIDY_SPACE, " ");
  return tidy.trim();
}

// Windows-1252's characters at 0x80–0x9F, which publishers' tools write as C1 control codes.
const CP1252_C1 = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ";

/**
 * `repairMojibake(demoronize(text))`, after one scan that rules both out for
 * most text (each needs a character it finds).
 */
export function repairEncoding(text: string): string {
  return NEEDS_REPAIR.test(text) ? repairMojibake(demoronize(text)) : text;
}
const NEEDS_REPAIR = /[\u0080-\u009F]|[\u00C2-\u00F4][\u00A0-\u00BF€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]/;

/** C1 control codes (U+0080–U+009F) read as the Windows-1252 characters they were meant as. */
export function demoronize(text: string): string {
  C1.lastIndex = 0;
  return C1.test(text) ? text.replace(C1, (c) => CP1252_C1[c.charCodeAt(0) - 0x80]!) : text;
}
const C1 = /[\u0080-\u009F]/g;

// Continuation bytes 0x80–0xBF as a Windows-1252 reading shows them: Latin-1 for
// 0xA0–0xBF, Windows-1252's characters for 0x80–0x9F, and the C1 codes a reader
// leaves for the five bytes Windows-1252 does not define (0x81, 0x8D, 0x8F, 0x90, 0x9D).
const CONTINUATION = "\u0080-\u00BF€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";
// A lead byte of a 2–4 byte UTF-8 sequence (0xC2–0xF4, "Â"–"ô") followed by a continuation
// byte: the shape every mojibake run starts with. One scan rules out most text.
const MOJIBAKE_START = new RegExp(`[\u00C2-\u00F4][${CONTINUATION}]`);
// A run: a lead and the continuation bytes it asks for. A space after "Â"/"Ã" may be
// the 0xA0 (a no-break space) that a later step turned into a space ("Ã la" for "à la").
const MOJIBAKE_RUN = new RegExp(
  `[\u00C2-\u00DF][${CONTINUATION}]|[\u00E0-\u00EF][${CONTINUATION}]{2}|[\u00F0-\u00F4][${CONTINUATION}]{3}|[\u00C2\u00C3] `,
  "g",
);
// Punctuation that follows a word: a genuine accented letter before it ("«CAFÉ»", "IRMÔ",
// "Ä…") has a continuation byte's shape too. Such a run is weak evidence.
const CLOSING = "»’”…“‘–—";
const CP1252_BYTE = new Map<string, number>([...CP1252_C1].map((char, i) => [char, 0x80 + i]));
const LETTER = /\p{L}/u;

/**
 * UTF-8 text that was read as Windows-1252 (or Latin-1) and encoded again:
 * "â€™" for "’", "Ã©" for "é", "Ð’ ÐœÐ¾Ñ\u0081ÐºÐ²Ðµ" for "В Москве", "ä»˜" for "付",
 * "Ä\u008D" for "č". Each run of a lead character ("Â"–"ô") and the continuation
 * characters it asks for is turned back into its bytes, and replaced only when
 * they are valid UTF-8 for a character of a script or symbol block text uses.
 *
 * Genuine Latin-1 text is left alone: a lead character followed by a continuation
 * character is rare in real words ("São", "Æble", "Øre", "Ålborg", "Ðað" have none),
 * and the cases that occur are an accented capital or a letter before closing
 * punctuation ("«CAFÉ»", "JOSÉ”", "déjà…»"), which decode to no script text uses
 * or are taken as weak evidence: a weak run (a letter before closing punctuation
 * that ends a word, or a space read as the no-break space) is repaired only when
 * the same text holds a run that is certainly mojibake.
 */
export function repairMojibake(text: string): string {
  if (!MOJIBAKE_START.test(text)) return text;
  let strong = false;
  const pending: { start: number; end: number; char: string }[] = [];
  MOJIBAKE_RUN.lastIndex = 0;
  for (let m = MOJIBAKE_RUN.exec(text); m; m = MOJIBAKE_RUN.exec(text)) {
    const run = m[0];
    const char = decodeRun(run);
    if (char === null) {
      // Not a sequence: go on from the next character, which may start one.
      MOJIBAKE_RUN.lastIndex = m.index + 1;
      continue;
    }
    const end = m.index + run.length;
    const weak = run[1] === " " || (allClosing(run) && !LETTER.test(text[end] ?? ""));
    if (!weak) strong = true;
    // A space read as 0xA0 was a no-break space and the space after it, collapsed into one ("Ã la").
    pending.push({ start: m.index, end, char: run[1] === " " ? `${char} ` : char });
  }
  if (!strong) return text;
  let out = "";
  let last = 0;
  for (const { start, end, char } of pending) {
    out += text.slice(last, start) + char;
    last = end;
  }
  return out + text.slice(last);
}

/** Whether every continuation of a run is punctuation that closes a word ("É»", "Ä…"). */
function allClosing(run: string): boolean {
  for (let i = 1; i < run.length; i++) if (!CLOSING.includes(run[i]!)) return false;
  return true;
}

/** The character a run's bytes are in UTF-8, or null when they are not one a text would hold. */
function decodeRun(run: string): string | null {
  const bytes: number[] = [];
  for (const char of run) {
    const code = char.charCodeAt(0);
    bytes.push(char === " " ? 0xa0 : code < 0x100 ? code : (CP1252_BYTE.get(char) ?? -1));
  }
  const [b0, b1, b2, b3] = bytes as [number, number, number?, number?];
  if (b1 < 0x80 || b1 > 0xbf) return null;
  let code: number;
  if (bytes.length === 2) {
    code = ((b0 & 0x1f) << 6) | (b1 & 0x3f);
  } else if (bytes.length === 3) {
    // No overlong forms (0xE0 then 0x80–0x9F) and no surrogates (0xED then 0xA0–0xBF).
    if ((b0 === 0xe0 && b1 < 0xa0) || (b0 === 0xed && b1 > 0x9f)) return null;
    code = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2! & 0x3f);
  } else {
    if ((b0 === 0xf0 && b1 < 0x90) || (b0 === 0xf4 && b1 > 0x8f)) return null;
    code = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2! & 0x3f) << 6) | (b3! & 0x3f);
  }
  return plausible(code) ? String.fromCodePoint(code) : null;
}

/**
 * Characters that mojibake stands for in real text. Two-byte sequences whose
 * lead is a common capital letter and whose code points no text uses are left
 * out, so "CAFÉ…" (U+0245), "GROß”" (NKo) and "LUNEDÌ…" (U+0305) stay as written.
 */
function plausible(code: number): boolean {
  if (code < 0x800) {
    return (
      (code >= 0xa0 && code <= 0x1ff) || // Latin-1 letters and signs, Latin Extended-A, most of B
      (code >= 0x218 && code <= 0x21b) || // Romanian ș ț
      code === 0x2bb ||
      code === 0x2bc || // ʻokina, modifier apostrophe
      (code >= 0x2c6 && code <= 0x2dd) || // spacing accents
      code === 0x300 ||
      code === 0x301 ||
      code === 0x302 ||
      code === 0x303 ||
      code === 0x308 ||
      code === 0x30a ||
      code === 0x30c ||
      code === 0x327 || // combining accents (decomposed text)
      (code >= 0x384 && code <= 0x3ff) || // Greek
      (code >= 0x400 && code <= 0x4ff) || // Cyrillic
      (code >= 0x531 && code <= 0x587) || // Armenian
      (code >= 0x5d0 && code <= 0x5ea) || // Hebrew letters
      (code >= 0x600 && code <= 0x6ff) // Arabic
    );
  }
  if (code < 0x10000) return code < 0xe000 ? code >= 0x900 : code >= 0xf900 && code < 0xfff0; // no private use, no specials
  return code < 0xf0000; // no private-use planes
}

/** Cuts at the last word boundary before `max` characters and marks the cut with an ellipsis. */
export function truncateAtWord(text: string, max: number = SUMMARY_MAX_CHARS): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max + 1);
  const boundary = cut.search(/\s\S*$/);
  const head = (boundary > max * 0.6 ? cut.slice(0, boundary) : text.slice(0, max)).replace(/[\s,;:.!?-]+$/, "");
  return `${head}…`;
}

/**
 * Words as `[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*` counts them ("don't" and
 * "well-known" are one), without building the array of matches. Text that
 * holds a script written without spaces (Thai, Chinese, …) is cut into words
 * by `Intl.Segmenter` in its `language` first.
 */
export function countWords(text: string, language: string | null = null): number {
  if (!hasUnspacedScript(text)) return countMatches(text);
  let words = 0;
  forEachSegmentedWord(text, language, (word) => {
    words += isIdeographic(word) ? 1 : countMatches(word);
  });
  return words;
}

function countMatches(text: string): number {
  let words = 0;
  WORD.lastIndex = 0;
  while (WORD.test(text)) words++;
  return words;
}
const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
// Han, kana and Hangul: text read at the pace of its characters.
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_RUNS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30FC]+/gu;

/**
 * What a text takes to read, in words at WORDS_PER_MINUTE: its words (see
 * countWords), plus its Chinese, Japanese and Korean characters counted at
 * the pace of CJK_CHARACTERS_PER_MINUTE and given as the words read in the
 * same time. Text mixing scripts counts both; text without CJK characters is
 * its word count.
 */
export function readingWords(text: string, language: string | null = null): number {
  if (!CJK.test(text)) return countWords(text, language);
  const characters = countCjkCharacters(text);
  const words = countWords(text.replace(CJK_RUNS, " "), language);
  return words + Math.round((characters * WORDS_PER_MINUTE) / CJK_CHARACTERS_PER_MINUTE);
}

/** Minutes to read `words` (see readingWords), at least 1. */
export function readingTimeMinutes(words: number): number {
  return Math.max(1, Math.round(words / WORDS_PER_MINUTE));
}
