import type { DocumentNode } from "graphql";
import { LRUCache } from "lru-cache";

/** Documents remembered parsed, and documents remembered as failing to parse: Yoga's own count. */
export const MAX_CACHED_DOCUMENTS = 1024;
/**
 * Characters of document text each cache holds. A document may be as long as
 * a request body (comments are not tokens, so the token limit does not bound
 * its length): a thousand of 100 KB kept by count alone would be 100 MB.
 */
export const MAX_CACHED_DOCUMENT_CHARS = 8 * 1024 * 1024;
/** Yoga's own: an hour. */
const CACHE_TTL_MS = 3_600_000;

/**
 * Yoga's parse caches (`parserAndValidationCache`), bounded by the size of
 * the documents as well as by their number. A parsed document is counted
 * twice its text (its AST is about as large as the text it came from, less
 * comments); an error once.
 */
export function createDocumentCaches() {
  return {
    documentCache: new LRUCache<string, DocumentNode>({
      max: MAX_CACHED_DOCUMENTS,
      maxSize: MAX_CACHED_DOCUMENT_CHARS,
      sizeCalculation: (_document, text) => 2 * text.length + 1,
      ttl: CACHE_TTL_MS,
    }),
    errorCache: new LRUCache<string, object>({
      max: MAX_CACHED_DOCUMENTS,
      maxSize: MAX_CACHED_DOCUMENT_CHARS,
      sizeCalculation: (_error, text) => text.length + 1,
      ttl: CACHE_TTL_MS,
    }),
  };
}
