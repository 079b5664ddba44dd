import type { Article } from "./article.ts";

/** The format a body was read as: what `detectFormat` sniffed, or what the source declared. */
export type DetectedFormat = "rss" | "atom" | "rdf" | "jsonfeed" | "json";

/** Stable codes a source's status carries; clients may switch on them. */
export type IngestErrorCode =
  | "TIMEOUT"
  | "TOO_LARGE"
  | "HTTP_STATUS"
  | "TOO_MANY_REDIRECTS"
  /** A redirect from https to plain http while the source sends credentials (its configured headers, a URL's user:password). */
  | "INSECURE_REDIRECT"
  /** An address off the public internet: reached by a redirect from a public one, or any, with --refuse-private-addresses. */
  | "PRIVATE_ADDRESS"
  | "NETWORK"
  | "NOT_FOUND"
  | "FORBIDDEN_PATH"
  | "PARSE_ERROR"
  | "UNSUPPORTED_FORMAT"
  /** Full text only (see FullTextState): an item's page is not an HTML document. */
  | "NOT_HTML"
  /** Full text only: no article could be extracted from an item's page, or none longer than the feed's own text. */
  | "NOT_EXTRACTABLE";

export interface SourceError {
  code: IngestErrorCode;
  message: string;
}

/** One source's last result: its last good articles and what happened on the last try. */
export interface SourceSnapshot {
  sourceId: string;
  articles: Article[];
  /** Each article's hash, in the same order (absent on snapshots from older versions): the same hash is the same article. */
  articleHashes?: string[];
  /** Changes whenever the articles do; the catalog rebuilds on a change. */
  contentHash: string;
  /** The last good read's body and the settings that shaped its articles, hashed: the same again is not parsed. */
  bodyHash?: string | null;
  /**
   * Only on a copy another instance stored in Redis, as read: how long ago it
   * was read upstream. The feed cache counts that against the source's
   * freshness (so no copy is older than one TTL), then drops the field.
   */
  copyAgeMs?: number;
  format: DetectedFormat | null;
  etag: string | null;
  lastModified: string | null;
  ok: boolean;
  error: SourceError | null;
  /** Something the last good read had to work around (e.g. malformed XML read leniently). */
  warning: string | null;
  /** The feed's own title and home page link, as it gives them. */
  feedTitle: string | null;
  feedLink: string | null;
  /** Items the parser found, before any was dropped as empty or repeated. */
  itemsSeen: number;
  /** The character encoding the body was read as. */
  encoding: string | null;
  /** Freshness the publisher asks for (Cache-Control, Expires, RSS <ttl>), when it does. */
  upstreamTtlMs: number | null;
  /** Ok reads in a row that found no items while previous articles were kept (see MAX_EMPTY_READS_KEPT). @default 0 */
  emptyReadsKept?: number;
  /** Failed reads in a row; 0 after a good one. */
  consecutiveFailures: number;
  /** What the upstream asked through Retry-After on the last failure. */
  retryAfterMs: number | null;
  lastFetchedAt: Date | null;
  lastSuccessAt: Date | null;
  durationMs: number;
  /** WebSub hubs the last good read named (HTTP `Link` header, else the document): absolute http(s) URLs. @default none */
  hubs?: string[];
  /** The feed's own URL as the last good read named it (`rel="self"`, `feed_url`): the WebSub topic. @default null */
  selfUrl?: string | null;
  /** Only for a source with `fullText`: which articles hold their page's text, and how reading pages went. */
  fullText?: FullTextState;
}

/** A page that gave no article: why, and which (its URL redacted as every public surface shows URLs). */
export interface FullTextError {
  code: IngestErrorCode;
  url: string;
  message: string;
}

/**
 * The full-text step's record on a source (src/ingest/full-text): what it
 * needs on the next read (which items were done) and what the status shows.
 * Items are named by their article hash (`articleHashes`): an item that
 * changes in the feed is a new item, and its page is read again.
 */
export interface FullTextState {
  /** The content hash the read gave before full text (the snapshot's own also covers the extracted bodies). */
  baseContentHash: string;
  /** Items whose body is their page's extracted article: article hash → a digest of that body. */
  extracted: Record<string, string>;
  /** Items whose page was tried and gave no article: not tried again while the item is unchanged. */
  failed: string[];
  /** Items whose page failed for a reason that passes (timeout, network, error status), by tries so far: tried again on later reads (see MAX_PAGE_TRIES). @default none */
  retries?: Record<string, number>;
  /** The last read that tried pages, if any did. */
  lastRead: { at: Date; pagesRead: number; extracted: number; failed: number; durationMs: number } | null;
  /** The last page that gave no article, on the last read that tried pages; null when every page of it did. */
  lastError: FullTextError | null;
}

/** A source's articles by where the full-text step stands with their pages (status page, API, metrics). */
export interface FullTextCounts {
  /** The body is the page's extracted article. */
  extracted: number;
  /** The page was tried and gave no article: not tried again while the item is unchanged. */
  failed: number;
  /** The page failed for a passing reason and is tried again on the next reads. */
  retrying: number;
  /** The page was not tried yet (past a read's page limit or deadline). */
  untried: number;
}

/** How a source's `articles` stand with their pages, by the full-text step's record. */
export function fullTextCounts(articles: number, state: FullTextState): FullTextCounts {
  const extracted = Object.keys(state.extracted).length;
  const failed = state.failed.length;
  const retrying = Object.keys(state.retries ?? {}).length;
  return { extracted, failed, retrying, untried: Math.max(0, articles - extracted - failed - retrying) };
}
