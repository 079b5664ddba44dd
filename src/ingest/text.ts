import { Parser } from "htmlparser2";

/** Summaries are cut near this many characters, at a word boundary. */
export const SUMMARY_MAX_CHARS = 300;
/** Titles longer than this are cut: a feed that puts a whole article in its title is broken. */
export const TITLE_MAX_CHARS = 500;
export const WORDS_PER_MINUTE = 230;

/** Elements whose text is not prose a reader sees. */
export const NON_PROSE_ELEMENTS: readonly string[] = ["script", "style", "noscript", "template", "iframe", "object", "head", "title", "svg", "math"];
const SKIPPED: ReadonlySet<string> = new Set(NON_PROSE_ELEMENTS);
// Elements that end a run of text: their boundaries become spaces, so "a</p><p>b" reads "a b".
const BLOCKS: ReadonlySet<string> = new Set(["p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table", "blockquote", "section", "article", "header", "footer", "figure", "figcaption", "pre", "hr", "dd", "dt"]);

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
 * Some feeds escape their HTML twice (reddit's `&amp;lt;div&amp;gt;`): read once,
 * it is text that starts with a tag and closes one. Such a body is unwrapped one
 * level so it is treated as the markup it is; prose that merely mentions a tag
 * ("use `<meta>` tags") is left as text.
 */
export function unwrapDoubleEscaped(html: string): string {
  if (!/&lt;/i.test(html)) return html;
  const once = htmlToText(html);
  return /^<(!--|[a-z][a-z0-9]*[\s>/])/i.test(once) && /<\/[a-z][a-z0-9]*>/i.test(once) ? once : html;
}

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
// What demoronize (C1 codes), repairMojibake (its lead characters) and CONTROL act on: without any, none changes the text.
const NEEDS_REPAIR_OR_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009FÂÃâ]/;
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
const NEEDS_REPAIR = /[\u0080-\u009FÂÃâ]/;

/** C1 control codes (U+0080–U+009F) read as the Windows-1252 characters they were meant as. */
export function demoronize(text: string): string {
  C1.lastIndex = 0;
  return C1.test(text) ? text.replace(C1, (c) => CP1252_C1[c.charCodeAt(0) - 0x80]!) : text;
}
const C1 = /[\u0080-\u009F]/g;

// Continuation bytes 0x80–0xBF as Windows-1252 shows them.
const CONTINUATION = "\u0081\u008D\u008F\u0090\u009D\u00A0-\u00BF€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";
// Only the shapes mojibake takes in practice: "â€" + one (punctuation, €, ™) and
// "Ã"/"Â" + one (Latin-1 letters and signs). Rarer lead bytes are left alone,
// so that genuine text such as "Ä…" is never rewritten.
const MOJIBAKE = new RegExp(`â[€${CONTINUATION}][${CONTINUATION}]|[ÃÂ][${CONTINUATION}]`, "g");

/**
 * UTF-8 text that was read as Windows-1252 and encoded again ("â€¦" for "…"):
 * each run is turned back into its bytes and kept only when those bytes are
 * exactly one valid UTF-8 character, so ordinary accented text is untouched.
 */
export function repairMojibake(text: string): string {
  if (!/[ÂÃâ]/.test(text)) return text;
  return text.replace(MOJIBAKE, (run) => {
    const bytes: number[] = [];
    for (const char of run) {
      const index = CP1252_C1.indexOf(char);
      bytes.push(index >= 0 ? 0x80 + index : char.charCodeAt(0));
    }
    try {
      const decoded = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
      return [...decoded].length === 1 ? decoded : run;
    } catch {
      return run;
    }
  });
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
 * "well-known" are one), without building the array of matches.
 */
export function countWords(text: string): number {
  let words = 0;
  WORD.lastIndex = 0;
  while (WORD.test(text)) words++;
  return words;
}
const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

export function readingTimeMinutes(words: number): number {
  return Math.max(1, Math.round(words / WORDS_PER_MINUTE));
}
