import type { SourceConfig, SourcesConfig } from "../config/sources-file.ts";
import type { FetchOutcome, FetchRequest } from "../ingest/fetcher.ts";
import { type Ingest, readSource } from "../ingest/read-source.ts";
import type { FetchHistory } from "./fetch-history.ts";
import type { Logger } from "../log/logger.ts";
import type { Metrics, UpstreamOutcome } from "./metrics.ts";
import type { SourceSnapshot } from "../model/source-snapshot.ts";

/** Reads one source against a given configuration (a reload reads new sources before switching to them). */
export type ReadFunction = (
  source: SourceConfig,
  config: Pick<SourcesConfig, "sections" | "rootDir">,
  previous: SourceSnapshot | undefined,
) => Promise<SourceSnapshot>;

export interface ObservedReadDeps {
  fetchFeed: (request: FetchRequest) => Promise<FetchOutcome>;
  /** Parses what was fetched (an IngestPool's `run`, made and closed by the caller). */
  ingest: Ingest;
  /** Wall clock, epoch milliseconds. */
  now: () => number;
  logger: Logger;
  metrics: Metrics;
  history: FetchHistory;
}

/**
 * `readSource` with its effects made visible: one log line, one metrics
 * report and one history entry per read, and a warning when the source's
 * health changes (starts failing, recovers), never on every failure.
 * The fetch function is wrapped per read to see what the wire carried (bytes,
 * a 304), which the snapshot alone does not tell.
 */
export function createObservedRead({ fetchFeed, ingest, now, logger, metrics, history }: ObservedReadDeps): ReadFunction {
  return async (source, config, previous) => {
    let bytes = 0;
    let notModified = false;
    const observedFetch = async (request: FetchRequest) => {
      const outcome = await fetchFeed(request);
      if (outcome.kind === "fetched") bytes = outcome.body.length;
      else notModified = true;
      return outcome;
    };
    const snapshot = await readSource(
      source,
      { sections: config.sections, rootDir: config.rootDir },
      { fetchFeed: observedFetch, now, ingest },
      previous,
    );

    const outcome: UpstreamOutcome = !snapshot.ok ? "error" : notModified ? "not_modified" : "ok";
    const status = snapshot.ok ? (notModified ? "not-modified" : "ok") : snapshot.error!.code;
    const items = snapshot.articles.length;
    const ms = Math.round(snapshot.durationMs);
    metrics.upstreamFetch({
      source: source.id,
      outcome,
      errorCode: snapshot.error?.code ?? null,
      seconds: snapshot.durationMs / 1000,
      bytes,
    });
    history.record(source.id, {
      at: snapshot.lastFetchedAt?.getTime() ?? now(),
      durationMs: snapshot.durationMs,
      status,
      ok: snapshot.ok,
      bytes,
      items,
    });

    const fields = { source: source.id, status, bytes, items, ms, format: snapshot.format };
    if (snapshot.ok) logger.info(fields, `fetch ${source.id}: ${status}, ${items} items, ${bytes} bytes, ${ms} ms`);
    else logger.info({ ...fields, error: snapshot.error!.message }, `fetch ${source.id}: ${status} (${snapshot.error!.message}), ${ms} ms`);

    const wasOk = previous ? previous.ok : true;
    if (wasOk && !snapshot.ok) {
      logger.warn(
        { source: source.id, status, error: snapshot.error!.message },
        `source ${source.id} is failing: ${status} (${snapshot.error!.message}); serving its last good articles (${items})`,
      );
    } else if (!wasOk && snapshot.ok) {
      logger.warn(
        { source: source.id, status, failures: previous!.consecutiveFailures },
        `source ${source.id} recovered after ${previous!.consecutiveFailures} failed reads`,
      );
    }
    return snapshot;
  };
}
