import { hash } from "node:crypto";
import pLimit from "p-limit";
import type { SourceConfig } from "../../config/sources-file.ts";
import { redactUrl } from "../../config/redact-url.ts";
import type { Article } from "../../model/article.ts";
import type { FullTextError, FullTextState, SourceSnapshot } from "../../model/source-snapshot.ts";
import { publicIngestMessage } from "../public-message.ts";
import { htmlToText } from "../text.ts";
import type { PageReader, PageResult } from "./page-reader.ts";

/**
 * Pages one read of a source tries at most. A source's first read (or a feed
 * that turned over) may hold more new items than this: the rest are tried on
 * its next reads, newest first as the feed lists them.
 */
export const MAX_PAGES_PER_READ = 50;
/**
 * Pages of one source read at once. The fetcher's per-host limit (4) bounds
 * what a publisher sees anyway; this keeps one source's pages from taking
 * every extraction thread and every global slot.
 */
export const PAGE_CONCURRENCY = 4;
/**
 * Reads of a source that may try a page which failed for a reason that
 * passes (a timeout, the network, an error status such as 503 or 429): it is
 * asked again on the source's next reads, up to this many tries in all, then
 * given up until its item changes. A page that is no article is given up at once.
 */
export const MAX_PAGE_TRIES = 3;
/** Failures worth another try on a later read. */
const PASSING: ReadonlySet<string> = new Set(["TIMEOUT", "NETWORK", "HTTP_STATUS"]);
/** After this long, a read starts no more pages (those left are tried on the next read): slow pages cannot hold a source's read for long. */
export const FULL_TEXT_DEADLINE_MS = 30_000;

export interface EnrichDeps {
  readPage: PageReader;
  /** Wall clock, epoch milliseconds. */
  now: () => number;
}

/**
 * The full-text step of one read of a source with `fullText`: the articles
 * whose page has not been tried (new items) get their page read and its
 * article extracted, which becomes their body (`rawBodyHtml`, sanitized when
 * shown like any body, with the page's final URL as its base, its words
 * counted again); an article whose page gave none keeps the feed's body and
 * the status says why. Articles done on an earlier read are taken from the
 * previous snapshot by article hash, so their pages are not read again.
 *
 * The snapshot's content hash covers the extracted bodies, so it changes
 * whenever they do; the article hashes stay those of the feed's items, which
 * is what finds an item again as held on the next read. Never rejects.
 */
export async function enrichSnapshot(
  source: SourceConfig,
  snapshot: SourceSnapshot,
  previous: SourceSnapshot | undefined,
  deps: EnrichDeps,
): Promise<SourceSnapshot> {
  const before = previous?.fullText;
  // A failed read keeps the previous articles, and with them what was done for them.
  if (!snapshot.ok) return before ? { ...snapshot, fullText: before } : snapshot;
  const hashes = snapshot.articleHashes;
  if (!hashes || hashes.length !== snapshot.articles.length) return snapshot;
  // A read that changed nothing hands back the previous content hash, which already covers the extracted bodies.
  const baseContentHash = before && snapshot.contentHash === previous!.contentHash ? before.baseContentHash : snapshot.contentHash;

  const held = new Map<string, Article>();
  const heldHashes = previous?.articleHashes ?? [];
  for (let i = 0; i < heldHashes.length; i++) held.set(heldHashes[i]!, previous!.articles[i]!);
  const wasFailed = new Set(before?.failed);
  const triedBefore = before?.retries ?? {};
  const articles = snapshot.articles.slice();
  const extracted: Record<string, string> = {};
  const failed: string[] = [];
  const retries: Record<string, number> = {};
  const untried: number[] = [];
  const again: number[] = [];
  hashes.forEach((h, i) => {
    const digest = before?.extracted[h];
    const enriched = digest === undefined ? undefined : held.get(h);
    // The read may have made the article again from its item (a thread's memo keeps the feed's version): the held one has the page's body.
    if (digest !== undefined && enriched) {
      articles[i] = enriched;
      extracted[h] = digest;
    } else if (wasFailed.has(h)) failed.push(h);
    else if (pageUrl(articles[i]!)) {
      // Pages never tried come first; those to try again after them.
      if (triedBefore[h] === undefined) untried.push(i);
      else {
        retries[h] = triedBefore[h];
        again.push(i);
      }
    }
  });

  const started = deps.now();
  const tried = [...untried, ...again].slice(0, MAX_PAGES_PER_READ);
  const limit = pLimit(PAGE_CONCURRENCY);
  let pagesRead = 0;
  let extractedNow = 0;
  let failedNow = 0;
  let lastError: FullTextError | null = null;
  await Promise.all(
    tried.map((i) =>
      limit(async () => {
        // Past the deadline the item stays untried, for the next read.
        if (deps.now() - started > FULL_TEXT_DEADLINE_MS) return;
        const article = articles[i]!;
        const url = pageUrl(article)!;
        const result = await deps.readPage({
          url,
          canonicalUrl: article.canonicalUrl,
          timeoutMs: source.timeoutMs,
          maxBytes: source.maxBytes,
          background: previous !== undefined,
        });
        if (result.requested) pagesRead++;
        const outcome = judge(result, article);
        const h = hashes[i]!;
        const tries = (retries[h] ?? 0) + 1;
        delete retries[h];
        if (outcome.ok) {
          articles[i] = { ...article, rawBodyHtml: outcome.html, bodyBase: outcome.finalUrl, bodyWords: null };
          extracted[h] = hash("sha256", outcome.html, "base64url").slice(0, 16);
          extractedNow++;
        } else {
          if (PASSING.has(outcome.code) && tries < MAX_PAGE_TRIES) retries[h] = tries;
          else failed.push(h);
          failedNow++;
          lastError = { code: outcome.code, url: redactUrl(url.href), message: publicIngestMessage(outcome.message) };
        }
      }),
    ),
  );
  const attempted = tried.length > 0;
  const failedSet = new Set(failed);
  const fullText: FullTextState = {
    baseContentHash,
    extracted,
    // In article order, whatever order the pages finished in.
    failed: hashes.filter((h) => failedSet.has(h)),
    ...(Object.keys(retries).length > 0 ? { retries } : {}),
    lastRead: attempted
      ? { at: new Date(deps.now()), pagesRead, extracted: extractedNow, failed: failedNow, durationMs: deps.now() - started }
      : (before?.lastRead ?? null),
    lastError: attempted ? lastError : (before?.lastError ?? null),
  };
  // Most reads of a source change none of its articles: the list is then the read's own.
  const same = articles.every((article, i) => article === snapshot.articles[i]);
  return {
    ...snapshot,
    articles: same ? snapshot.articles : articles,
    contentHash: contentHashOf(baseContentHash, hashes, extracted),
    fullText,
  };
}

/** The page an article links to, when it is a web page (http or https). */
function pageUrl(article: Article): URL | null {
  if (!article.url) return null;
  try {
    const url = new URL(article.url);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

/** A page's article, if it says more than the feed already does. */
function judge(result: PageResult, article: Article): PageResult {
  if (!result.ok) return result;
  const feedChars = article.rawBodyHtml ? htmlToText(article.rawBodyHtml).replace(/\s+/g, " ").trim().length : 0;
  if (result.textChars <= feedChars)
    return {
      ok: false,
      code: "NOT_EXTRACTABLE",
      message: `the page's article (${result.textChars} characters) is no longer than the feed's own text (${feedChars})`,
      requested: result.requested,
    };
  return result;
}

/** The read's content hash, and with it each extracted body's digest, in article order: it changes whenever a body does. */
function contentHashOf(base: string, hashes: string[], extracted: Record<string, string>): string {
  const bodies = hashes.filter((h) => extracted[h] !== undefined).map((h) => `${h}:${extracted[h]}`);
  return bodies.length === 0 ? base : hash("sha256", `${base}\n${bodies.join("\n")}`, "base64url");
}
