import type { IngestErrorCode } from "../../model/source-snapshot.ts";
import type { FetchOutcome, FetchRequest } from "../fetcher.ts";
import { toIngestError } from "../ingest-error.ts";
import type { ExtractFunction } from "./extract-pool.ts";
import { type CachedPage, type PageCache, pageFreshness } from "./page-cache.ts";

/** What a page is asked for as: a web page, not a feed. */
export const PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5";

/** One page's read for full text. `requested`: whether its server was asked (a fresh cached page is not). */
export type PageResult =
  | { ok: true; html: string; textChars: number; finalUrl: string; requested: boolean }
  | { ok: false; code: IngestErrorCode; message: string; requested: boolean };

/** A page to read: where, the key it is cached under, and the limits of the source it is read for. */
export interface PageRequest {
  url: URL;
  canonicalUrl: string;
  timeoutMs: number;
  maxBytes: number;
  background: boolean;
}

export interface PageReaderDeps {
  /** The gateway's fetcher with its limits (per host, global): pages are asked as politely as feeds. */
  fetch: (request: FetchRequest) => Promise<FetchOutcome>;
  extract: ExtractFunction;
  cache: PageCache;
  /** Monotonic clock, milliseconds: freshness of cached pages. */
  now: () => number;
}

export type PageReader = (request: PageRequest) => Promise<PageResult>;

/**
 * Reads pages through the cache: a fresh page is not asked for; a stale one
 * is asked conditionally (ETag, Last-Modified) and a 304 keeps its
 * extraction; the same page asked for by two reads at once is read once.
 * Never rejects.
 */
export function createPageReader({ fetch, extract, cache, now }: PageReaderDeps): PageReader {
  const inFlight = new Map<string, Promise<PageResult>>();
  return (request) => {
    const running = inFlight.get(request.canonicalUrl);
    if (running) return running.then((result) => ({ ...result, requested: false }));
    const reading = readPage(request).finally(() => inFlight.delete(request.canonicalUrl));
    inFlight.set(request.canonicalUrl, reading);
    return reading;
  };

  async function readPage(request: PageRequest): Promise<PageResult> {
    const cached = cache.get(request.canonicalUrl);
    if (cached && now() - cached.checkedAt < cached.freshForMs) return resultOf(cached, false);
    let outcome: FetchOutcome;
    try {
      outcome = await fetch({
        url: request.url,
        timeoutMs: request.timeoutMs,
        maxBytes: request.maxBytes,
        accept: PAGE_ACCEPT,
        etag: cached?.etag ?? null,
        lastModified: cached?.lastModified ?? null,
        // Pages are web addresses only (the caller keeps to http and https): no local file is read.
        rootDir: "",
        background: request.background,
      });
    } catch (error) {
      const coded = toIngestError(error);
      return { ok: false, code: coded.code, message: coded.message, requested: true };
    }
    if (outcome.kind === "not-modified") {
      if (!cached) return { ok: false, code: "HTTP_STATUS", message: "HTTP 304 to a request that was not conditional", requested: true };
      const renewed = { ...cached, checkedAt: now(), freshForMs: pageFreshness(outcome.freshForMs) };
      cache.set(request.canonicalUrl, renewed);
      return resultOf(renewed, true);
    }
    const page: CachedPage = {
      finalUrl: outcome.finalUrl.href,
      extraction: await extract(outcome.body, outcome.contentType),
      etag: outcome.etag,
      lastModified: outcome.lastModified,
      checkedAt: now(),
      freshForMs: pageFreshness(outcome.freshForMs),
    };
    cache.set(request.canonicalUrl, page);
    return resultOf(page, true);
  }
}

function resultOf(page: CachedPage, requested: boolean): PageResult {
  const { extraction } = page;
  return extraction.ok
    ? { ok: true, html: extraction.html, textChars: extraction.textChars, finalUrl: page.finalUrl, requested }
    : { ok: false, code: extraction.code, message: extraction.message, requested };
}
