import { createHash } from "node:crypto";
import type { SectionConfig, SourceConfig } from "../config/sources-file.ts";
import type { SourceSnapshot } from "../model/source-snapshot.ts";

import type { FetchOutcome, FetchRequest } from "./fetcher.ts";
import { discoverHubs } from "./hub-discovery.ts";
import { EMPTY_CONTENT_HASH, type IngestedBody, type IngestRequest } from "./ingest-body.ts";
import { toIngestError } from "./ingest-error.ts";
import type { HeldArticles } from "./ingest-pool.ts";
import { publicIngestMessage } from "./public-message.ts";

/**
 * Ok reads in a row that found no items while articles were held, before the
 * empty feed is believed. A feed that suddenly empties is far more often a
 * publisher's glitch (a broken CMS export, a cache serving a blank template)
 * than a real purge, so the held articles are kept, with a warning on the
 * status, until the feed has items again or this many reads in a row were
 * empty; after that the source is taken at its word and emptied.
 */
export const MAX_EMPTY_READS_KEPT = 5;

/**
 * Decodes, parses and normalizes a body; `held` are the articles the source
 * holds, which the result may share rather than copy. The gateway's is its
 * IngestPool's `run` (large bodies on worker threads).
 */
export type Ingest = (request: IngestRequest, held?: HeldArticles) => Promise<IngestedBody>;

export interface ReadSourceDeps {
  fetchFeed: (request: FetchRequest) => Promise<FetchOutcome>;
  now: () => number;
  ingest: Ingest;
}

/**
 * Fetch → decode → detect → parse → normalize for one source. Never rejects: a
 * failure is recorded on the snapshot, which keeps the previous articles so a
 * failing source still serves its last good copy.
 */
export async function readSource(
  source: SourceConfig,
  context: { sections: SectionConfig[]; rootDir: string },
  deps: ReadSourceDeps,
  previous?: SourceSnapshot,
): Promise<SourceSnapshot> {
  const started = deps.now();
  // Anything unexpected after the body arrived is the feed's fault, not the network's.
  let phase: "fetch" | "parse" = "fetch";
  try {
    const outcome = await deps.fetchFeed({
      url: source.location,
      timeoutMs: source.timeoutMs,
      maxBytes: source.maxBytes,
      headers: source.headers,
      etag: previous?.ok ? previous.etag : null,
      lastModified: previous?.ok ? previous.lastModified : null,
      rootDir: context.rootDir,
      background: previous !== undefined,
    });
    const finished = deps.now();
    const bodyHash = outcome.kind === "fetched" ? hashBody(outcome.body, outcome, source, context.sections) : null;
    // The same bytes as the last good read, under the same settings (a server without validators, or
    // one that ignores them): the same articles, so nothing is parsed. Not while empty reads are being
    // counted: each of those must count.
    const sameBody = bodyHash !== null && previous?.ok === true && previous.bodyHash === bodyHash && !previous.emptyReadsKept;
    if ((outcome.kind === "not-modified" || sameBody) && previous) {
      // Unchanged: the held articles (same content hash, so no catalog rebuild), nothing parsed.
      return {
        ...previous,
        ok: true,
        error: null,
        ...(outcome.kind === "fetched" ? { etag: outcome.etag, lastModified: outcome.lastModified } : {}),
        upstreamTtlMs: outcome.freshForMs ?? previous.upstreamTtlMs,
        consecutiveFailures: 0,
        retryAfterMs: null,
        lastFetchedAt: new Date(finished),
        lastSuccessAt: new Date(finished),
        durationMs: finished - started,
      };
    }
    if (outcome.kind === "not-modified") throw new Error("304 Not Modified without a conditional request");
    phase = "parse";
    const held =
      previous?.articleHashes && previous.articleHashes.length === previous.articles.length
        ? { articles: previous.articles, hashes: previous.articleHashes }
        : undefined;
    const read = await deps.ingest(
      {
        body: outcome.body,
        contentType: outcome.contentType,
        format: source.format,
        map: source.map,
        sourceId: source.id,
        defaultSection: source.section,
        sections: context.sections,
        feedUrl: outcome.finalUrl.protocol === "file:" ? "" : outcome.finalUrl.href,
        now: finished,
        maxItems: source.maxItems,
      },
      held,
    );
    const { articles } = read;
    const hubLinks = discoverHubs(read, outcome.link, outcome.finalUrl.protocol === "file:" ? "" : outcome.finalUrl.href);
    const done = deps.now();
    const emptyReadsKept = (previous?.emptyReadsKept ?? 0) + 1;
    const keepHeld =
      articles.length === 0 && previous !== undefined && previous.articles.length > 0 && emptyReadsKept <= MAX_EMPTY_READS_KEPT;
    const warnings = [...read.warnings, keepHeld ? `feed returned no items; keeping the ${previous!.articles.length} held` : null];
    return {
      sourceId: source.id,
      articles: keepHeld ? previous!.articles : articles,
      articleHashes: keepHeld ? previous!.articleHashes : read.articleHashes,
      contentHash: keepHeld ? previous!.contentHash : read.contentHash,
      bodyHash,
      format: read.format,
      etag: outcome.etag,
      lastModified: outcome.lastModified,
      ok: true,
      error: null,
      // Warnings name parts of the upstream's document: stored as they may be shown (see publicIngestMessage).
      warning: publicIngestMessage(warnings.filter(Boolean).join("; ")) || null,
      feedTitle: read.feedTitle,
      feedLink: read.feedLink,
      itemsSeen: read.itemsSeen,
      encoding: read.encoding,
      upstreamTtlMs: maxOrNull(outcome.freshForMs, read.ttlMinutes === null ? null : read.ttlMinutes * 60_000),
      emptyReadsKept: keepHeld ? emptyReadsKept : 0,
      consecutiveFailures: 0,
      retryAfterMs: null,
      lastFetchedAt: new Date(done),
      lastSuccessAt: new Date(done),
      durationMs: done - started,
      hubs: hubLinks.hubs,
      selfUrl: hubLinks.selfUrl,
    };
  } catch (caught) {
    const error = toIngestError(caught, phase === "parse" ? "PARSE_ERROR" : "NETWORK");
    const finished = deps.now();
    return {
      sourceId: source.id,
      articles: previous?.articles ?? [],
      articleHashes: previous?.articleHashes,
      contentHash: previous?.contentHash ?? EMPTY_CONTENT_HASH,
      format: previous?.format ?? null,
      etag: previous?.etag ?? null,
      lastModified: previous?.lastModified ?? null,
      ok: false,
      // Stored as every surface may show it (GraphQL, /status, logs, Redis): no URL query, no quoted upstream content.
      error: { code: error.code, message: publicIngestMessage(error.message) },
      warning: null,
      feedTitle: previous?.feedTitle ?? null,
      feedLink: previous?.feedLink ?? null,
      itemsSeen: previous?.itemsSeen ?? 0,
      encoding: previous?.encoding ?? null,
      upstreamTtlMs: previous?.upstreamTtlMs ?? null,
      emptyReadsKept: previous?.emptyReadsKept ?? 0,
      consecutiveFailures: (previous && !previous.ok ? previous.consecutiveFailures : 0) + 1,
      retryAfterMs: error.retryAfterMs,
      lastFetchedAt: new Date(finished),
      lastSuccessAt: previous?.lastSuccessAt ?? null,
      durationMs: finished - started,
      hubs: previous?.hubs ?? [],
      selfUrl: previous?.selfUrl ?? null,
    };
  }
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/** The body's bytes and everything else that decides its articles. */
function hashBody(
  body: Uint8Array,
  outcome: { contentType: string | null; finalUrl: URL },
  source: SourceConfig,
  sections: SectionConfig[],
): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        outcome.contentType,
        outcome.finalUrl.href,
        source.format,
        source.map ?? null,
        source.section,
        source.maxItems,
        sections,
      ]),
    )
    .update(body)
    .digest("base64url");
}
