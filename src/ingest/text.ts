import { Parser } from "htmlparser2";

/** Summaries are cut near this many characters, at a word boundary. */
export const SUMMARY_MAX_CHARS = 300;
/** Titles longer than this are cut: a feed that puts a whole article in its title is broken. */
export const TITLE_MAX_CHARS = 500;
export const WORDS_PER_MINUTE = 230;

// Elements whose text is not prose a reader sees.
const SKIPPED = new Set(["script", "style", "noscript", "template", "iframe", "object", "head", "title", "svg", "math"]);
// Elements that end a run of text: their boundaries become spaces, so "a</p><p>b" reads "a b".
const BLOCKS = new Set(["p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table", "blockquote", "section", "article", "header", "footer", "figure", "figcaption", "pre", "hr", "dd", "dt"]);

/**
 * Plain text of an HTML fragment: tags dropped, entities decoded exactly once,
 * whitespace collapsed. A well-kept HTML tokenizer does the reading, so
 * malformed markup degrades to text instead of leaking tags.
 */
export function htmlToText(html: string): string {
  const parts: string[] = [];
  let skipping = 0;
  const parser = new Parser(
    {
      onopentagname(name) {
        if (SKIPPED.has(name)) skipping++;
        else if (BLOCKS.has(name)) parts.push(" ");
      },
      onclosetag(name) {
        if (SKIPPED.has(name)) skipping = Math.max(0, skipping - 1);
        else if (BLOCKS.has(name)) parts.push(" ");
      },
      ontext(text) {
        if (skipping === 0) parts.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  return collapseWhitespace(parts.join(""));
}

export function collapseWhitespace(text: string): string {
  // Control characters other than whitespace never belong in display text.
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "").replace(/[\s\u00A0\u200B]+/g, " ").trim();
}

/** Cuts at the last word boundary before `max` characters and marks the cut with an ellipsis. */
export function truncateAtWord(text: string, max: number = SUMMARY_MAX_CHARS): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max + 1);
  const boundary = cut.search(/\s\S*$/);
  const head = (boundary > max * 0.6 ? cut.slice(0, boundary) : text.slice(0, max)).replace(/[\s,;:.!?-]+$/, "");
  return `${head}…`;
}

export function countWords(text: string): number {
  const matches = text.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu);
  return matches ? matches.length : 0;
}

export function readingTimeMinutes(words: number): number {
  return Math.max(1, Math.round(words / WORDS_PER_MINUTE));
}
