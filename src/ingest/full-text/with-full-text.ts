import type { SourceConfig } from "../../config/sources-file.ts";
import type { Logger } from "../../log/logger.ts";
import type { SourceSnapshot } from "../../model/source-snapshot.ts";
import { type EnrichDeps, enrichSnapshot } from "./enrich-snapshot.ts";

/** A read of one source (the gateway's observed read), whatever configuration it is given besides. */
export type SourceRead<C> = (source: SourceConfig, config: C, previous: SourceSnapshot | undefined) => Promise<SourceSnapshot>;

/**
 * A read with the full-text step after it for sources with `fullText` (see
 * enrichSnapshot): the snapshot stored, shared through Redis and built into
 * the catalog is the one with the pages' articles. A source whose `fullText`
 * was turned off is read afresh, without the bodies it held, so the feed's own
 * come back.
 */
export function withFullText<C>(read: SourceRead<C>, deps: EnrichDeps & { logger?: Logger }): SourceRead<C> {
  return async (source, config, previous) => {
    if (!source.fullText) return read(source, config, previous?.fullText ? withoutFullText(previous) : previous);
    const snapshot = await enrichSnapshot(source, await read(source, config, previous), previous, deps);
    const last = snapshot.fullText?.lastRead;
    if (last && last !== previous?.fullText?.lastRead)
      deps.logger?.info(
        { source: source.id, pagesRead: last.pagesRead, extracted: last.extracted, failed: last.failed, ms: last.durationMs },
        `full text ${source.id}: ${last.extracted} extracted, ${last.failed} failed, ${last.pagesRead} pages read, ${last.durationMs} ms`,
      );
    return snapshot;
  };
}

/**
 * The previous snapshot as a read must not reuse it: no held articles (they
 * carry pages' bodies), no validators or body hash (the unchanged feed must be
 * parsed again). Its articles are still served should the read fail.
 */
function withoutFullText(previous: SourceSnapshot): SourceSnapshot {
  const { fullText: _dropped, ...rest } = previous;
  return { ...rest, articleHashes: undefined, bodyHash: null, etag: null, lastModified: null };
}
