import { LRUCache } from "lru-cache";
import type { Extraction } from "./extract-article.ts";

/** Pages remembered at most, by canonical URL. */
export const PAGE_CACHE_MAX_ENTRIES = 10_000;
/** Bytes the remembered extractions may take, at two a character: some 3,000 articles of 10,000 characters. */
export const PAGE_CACHE_MAX_BYTES = 64 * 2 ** 20;
/**
 * How long a page read is used again without asking its server, when the
 * server does not say (Cache-Control, Expires): the same story in several
 * sources, or an item edited in its feed, costs no request within it.
 */
export const DEFAULT_PAGE_FRESH_MS = 15 * 60_000;
/** The longest a server's own freshness is taken for (a year's max-age on an article page is common and wrong for an edit). */
export const MAX_PAGE_FRESH_MS = 6 * 3_600_000;
/** What an entry costs beside its strings. */
const ENTRY_OVERHEAD_BYTES = 200;

/** A page as last read: what it gave, and what to ask its server the next time. */
export interface CachedPage {
  /** Where the page was read from after redirects: the base of its article's relative links. */
  finalUrl: string;
  extraction: Extraction;
  etag: string | null;
  lastModified: string | null;
  /** When the server last answered for it (a 200 or a 304), on the monotonic clock. */
  checkedAt: number;
  /** How long after `checkedAt` it is used without asking. */
  freshForMs: number;
}

/**
 * Pages read for full text, by canonical URL, bounded by entries and bytes
 * (least recently used go first). What is kept is the extraction, not the
 * page: a page is ten to a hundred times its article. Only what the page's
 * content decided is kept (an article, or none in it); a page that could not
 * be read is asked again.
 */
export class PageCache {
  private readonly pages: LRUCache<string, CachedPage>;

  constructor({ maxEntries = PAGE_CACHE_MAX_ENTRIES, maxBytes = PAGE_CACHE_MAX_BYTES } = {}) {
    this.pages = new LRUCache<string, CachedPage>({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: (page, url) =>
        Math.max(1, 2 * (url.length + page.finalUrl.length + extractionChars(page.extraction)) + ENTRY_OVERHEAD_BYTES),
    });
  }

  get(canonicalUrl: string): CachedPage | undefined {
    return this.pages.get(canonicalUrl);
  }

  set(canonicalUrl: string, page: CachedPage): void {
    this.pages.set(canonicalUrl, page);
  }

  get size(): number {
    return this.pages.size;
  }
}

function extractionChars(extraction: Extraction): number {
  return extraction.ok ? extraction.html.length : extraction.message.length;
}

/** How long a page answer stays fresh: the server's word within MAX_PAGE_FRESH_MS, else DEFAULT_PAGE_FRESH_MS. */
export function pageFreshness(freshForMs: number | null): number {
  return freshForMs === null ? DEFAULT_PAGE_FRESH_MS : Math.min(Math.max(0, freshForMs), MAX_PAGE_FRESH_MS);
}
