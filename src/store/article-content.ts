import { LRUCache } from "lru-cache";
import type { Article } from "../ingest/article.ts";
import { sanitizeContent } from "../ingest/sanitize.ts";

/** Bytes of sanitized bodies kept, at two a character: some 16 000 bodies of 1 000 characters. */
export const CONTENT_CACHE_BYTES = 32 * 2 ** 20;
/** What an entry costs beside its text: the map's entry and the key's slot. */
const ENTRY_OVERHEAD_BYTES = 64;

/**
 * Sanitized bodies by article. Articles are never changed once made, and a
 * story one source alone carries is the same object in every catalog version,
 * so a body is sanitized once however many catalogs and requests show it.
 */
const sanitized = new LRUCache<Article, string>({
  maxSize: CONTENT_CACHE_BYTES,
  sizeCalculation: (html) => 2 * html.length + ENTRY_OVERHEAD_BYTES,
});

/**
 * The article's body as readers may see it: sanitized HTML with absolute
 * links (see `sanitizeContent`), or null when it has none or nothing of it is
 * left. The only way to the body: `rawBodyHtml` itself is the feed's HTML.
 *
 * Bodies are sanitized here, when first shown, rather than when read from
 * their feed: most are never shown (lists show summaries), and sanitizing
 * every body took about a third of reading a feed.
 */
export function contentHtmlOf(article: Article): string | null {
  if (!article.rawBodyHtml) return null;
  let html = sanitized.get(article);
  if (html === undefined) {
    html = sanitizeContent(article.rawBodyHtml, article.bodyBase ? [article.bodyBase] : []);
    sanitized.set(article, html);
  }
  return html || null;
}
