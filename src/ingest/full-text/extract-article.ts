import { isProbablyReaderable, Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import { decodeBody } from "../decode.ts";

/** Fewest characters of text an extracted article may have: less is a caption, a paywall's notice or a cookie banner. */
export const MIN_ARTICLE_CHARS = 200;
/**
 * Elements a page may have for Readability to read it: its work grows with
 * them, and a page of more is a listing or an app, not an article (the
 * largest news page among the fixtures, the Guardian's, has about 3,500).
 */
export const MAX_PAGE_ELEMENTS = 50_000;
/** Bytes at the start of a page searched for `<meta charset>`: browsers look within the first 1024. */
const CHARSET_SNIFF_BYTES = 1024;

/** What a page gave: its article as HTML (untrusted, sanitized when shown like any body), or why not. */
export type Extraction =
  | { ok: true; html: string; textChars: number }
  | { ok: false; code: "NOT_HTML" | "NOT_EXTRACTABLE"; message: string };

/**
 * The article of a page, as Readability finds it over linkedom's DOM (no
 * layout, no scripts run): the page must be HTML, look like an article
 * (isProbablyReaderable), and give at least MIN_ARTICLE_CHARS of text.
 * Relative links stay relative unless the page names a `<base>`: the body's
 * base (the page's final URL) resolves them when it is sanitized. Pure; never throws.
 */
export function extractArticle(body: Uint8Array, contentType: string | null): Extraction {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (!isHtml(contentType, bytes)) {
    const type = contentType?.split(";")[0]?.trim() || "no content type";
    return { ok: false, code: "NOT_HTML", message: `the page is not HTML (${type.slice(0, 60)})` };
  }
  try {
    const { text } = decodeBody(bytes, htmlContentType(contentType, bytes));
    const { document } = parseHTML(text);
    // linkedom's document stands in for the browser's; Readability reads only the DOM API both share.
    const dom = document as unknown as Document;
    if (!isProbablyReaderable(dom)) return notExtractable("the page does not read as an article");
    const article = new Readability(dom, { maxElemsToParse: MAX_PAGE_ELEMENTS }).parse();
    const textChars = article?.textContent ? article.textContent.replace(/\s+/g, " ").trim().length : 0;
    if (!article?.content || textChars < MIN_ARTICLE_CHARS)
      return notExtractable(`no article of ${MIN_ARTICLE_CHARS} characters or more found on the page`);
    return { ok: true, html: article.content, textChars };
  } catch (error) {
    // Readability throws past maxElemsToParse; a DOM that trips it otherwise is no article either.
    return notExtractable(`the page could not be read as an article: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function notExtractable(message: string): Extraction {
  return { ok: false, code: "NOT_EXTRACTABLE", message };
}

/** Declared HTML (or XHTML), or undeclared bytes that begin as a web page does. */
function isHtml(contentType: string | null, bytes: Buffer): boolean {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type) return type === "text/html" || type === "application/xhtml+xml";
  const head = bytes.subarray(0, CHARSET_SNIFF_BYTES).toString("latin1").trimStart().toLowerCase();
  return head.startsWith("<!doctype html") || head.startsWith("<html") || /^<!--[\s\S]*?-->\s*<(!doctype html|html)/.test(head);
}

/**
 * The content type to decode a page by: the HTTP charset wins, then the
 * page's own `<meta charset>` or `http-equiv` declaration; without either,
 * decodeBody reads valid UTF-8 as UTF-8 and guesses anything else.
 */
function htmlContentType(contentType: string | null, bytes: Buffer): string | null {
  if (contentType && /;\s*charset\s*=/i.test(contentType)) return contentType;
  const head = bytes.subarray(0, CHARSET_SNIFF_BYTES).toString("latin1");
  const meta = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head);
  return meta ? `text/html; charset=${meta[1]}` : contentType;
}
