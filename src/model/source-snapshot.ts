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
  | "UNSUPPORTED_FORMAT";

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
}
