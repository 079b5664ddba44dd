import { LRUCache } from "lru-cache";
import type { Article } from "../../model/article.ts";
import { sanitizeContent } from "../../ingest/sanitize.ts";
import { htmlToText, readingTimeMinutes, readingWords } from "../../ingest/text.ts";

/** Bytes the cache of sanitized bodies keeps, at two a character: some 10 000 bodies of 800 characters, with what they were made from. */
export const CONTENT_CACHE_BYTES = 32 * 2 ** 20;
/** What an entry costs beside its text: the map's entry and the record. */
const ENTRY_OVERHEAD_BYTES = 96;

/** A body as sanitized, with what it was made from. */
interface SanitizedBody {
  raw: string;
  base: string | null;
  html: string;
}

/**
 * Sanitized bodies by article id. An entry holds the body it was made from
 * rather than the article, so an article the catalog has dropped is not kept
 * alive by it, and its size is all it holds; it is used only for the same body
 * under the same base (a story's id may come with a new body).
 */
const sanitized = new LRUCache<string, SanitizedBody>({
  maxSize: CONTENT_CACHE_BYTES,
  sizeCalculation: (entry, id) => 2 * (entry.raw.length + entry.html.length + id.length) + ENTRY_OVERHEAD_BYTES,
});

/**
 * The article's body as readers may see it: sanitized HTML with absolute
 * links (see `sanitizeContent`), or null when it has none or nothing of it is
 * left. The only way to the body: `rawBodyHtml` itself is the feed's HTML.
 *
 * Bodies are sanitized here, when first shown, rather than when read from
 * their feed: most are never shown (lists show summaries), and sanitizing
 * is a large share of what reading a feed would cost.
 */
export function contentHtmlOf(article: Article): string | null {
  const raw = article.rawBodyHtml;
  if (!raw) return null;
  let entry = sanitized.get(article.id);
  if (!entry || entry.raw !== raw || entry.base !== article.bodyBase) {
    entry = { raw, base: article.bodyBase, html: sanitizeContent(raw, article.bodyBase ? [article.bodyBase] : []) };
    sanitized.set(article.id, entry);
  }
  return entry.html || null;
}

/**
 * Words a reader sees in the article's body: its text as `htmlToText` reads
 * it (markup, scripts and styles left out), as `readingWords` counts it in
 * the article's language (Chinese, Japanese and Korean characters as the
 * words read in the same time), counted the first time anyone
 * asks and kept on the article (`Article.bodyWords`). The count depends on
 * the body alone, which never changes on an article, so every holder of the
 * article may share it. A count that is not one (from another instance's
 * snapshot, say) is made again.
 */
export function bodyWordsOf(article: Article): number {
  const counted = article.bodyWords;
  if (typeof counted === "number" && Number.isSafeInteger(counted) && counted >= 0) return counted;
  const words = article.rawBodyHtml ? readingWords(htmlToText(article.rawBodyHtml), article.language) : 0;
  article.bodyWords = words;
  return words;
}

/** Estimated minutes to read the article, at least 1: its body's words, else its summary's. */
export function readingTimeOf(article: Article): number {
  return readingTimeMinutes(bodyWordsOf(article) || readingWords(article.summary ?? "", article.language));
}
