import { DEFAULT_MAX_ITEMS, type JsonFieldMap, type SectionConfig, type SourceFormat } from "../config/sources-file.ts";
import type { Article } from "../model/article.ts";
import { decodeBody } from "./decode.ts";

import { capArticles } from "./item-cap.ts";
import { hashArticleHashes, type NormalizedItemMemo } from "./item-memo.ts";
import { normalizeFeed } from "./normalize.ts";
import { parseBody } from "./parse-body.ts";
import { htmlToText } from "./text.ts";
import type { DetectedFormat } from "../model/source-snapshot.ts";

/** Everything one body needs to become articles: plain data, so it can cross to a worker thread. */
export interface IngestRequest {
  body: Uint8Array;
  contentType: string | null;
  format: SourceFormat;
  map?: JsonFieldMap;
  sourceId: string;
  defaultSection: string;
  sections: SectionConfig[];
  /** Where the body was read from ("" for a local file): the last base for relative links. */
  feedUrl: string;
  /** Wall clock at the read, epoch milliseconds (future dates are clamped to it). */
  now: number;
  /** Most articles kept (the source's `maxItems`). @default DEFAULT_MAX_ITEMS */
  maxItems?: number;
}

/** A body read: its articles and what the feed says about itself. */
export interface IngestedBody {
  format: DetectedFormat;
  articles: Article[];
  /** Each article's hash, in the same order: the same hash is the same article. */
  articleHashes: string[];
  /** Changes whenever the articles do (and when the items they were made from do). */
  contentHash: string;
  feedTitle: string | null;
  feedLink: string | null;
  /** Items the parser found, before any was dropped as empty or repeated. */
  itemsSeen: number;
  ttlMinutes: number | null;
  encoding: string;
  /** What decoding and parsing had to work around, each at most once. */
  warnings: string[];
  /** WebSub hubs the document names, as written (see RawFeed.hubs). @default none */
  hubs?: string[];
  /** The feed's own URL as the document gives it (see RawFeed.selfUrl). @default null */
  selfUrl?: string | null;
}

/**
 * Decode → detect → parse → normalize → hash for one body: all the CPU work of
 * a read, in one function, so the pool can run it on any thread.
 */
export async function ingestBody(request: IngestRequest, memo: NormalizedItemMemo | null = null): Promise<IngestedBody> {
  const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
  const decoded = decodeBody(body, request.contentType);
  const { format, feed } = await parseBody(decoded.text, request.contentType, request.format, request.map);
  const normalized = normalizeFeed(
    feed,
    {
      sourceId: request.sourceId,
      defaultSection: request.defaultSection,
      sections: request.sections,
      feedUrl: request.feedUrl,
      now: request.now,
    },
    memo,
  );
  // Cut here, on the parser's thread: a feed of 60 000 items must not reach the serving thread, the catalog or Redis whole.
  const capped = capArticles(normalized.articles, normalized.articleHashes, request.maxItems ?? DEFAULT_MAX_ITEMS);
  return {
    format,
    articles: capped.articles,
    articleHashes: capped.articleHashes,
    contentHash: capped.leftOut ? hashArticleHashes(capped.articleHashes) : normalized.contentHash,
    feedTitle: feed.title ? htmlToText(feed.title) || null : null,
    feedLink: feed.link,
    itemsSeen: feed.items.length,
    ttlMinutes: feed.ttlMinutes,
    encoding: decoded.encoding,
    warnings: [decoded.warning, feed.warning, capped.warning].filter((w): w is string => Boolean(w)),
    hubs: feed.hubs ?? [],
    selfUrl: feed.selfUrl ?? null,
  };
}

/** The content hash of a body without articles. */
export const EMPTY_CONTENT_HASH = hashArticleHashes([]);
