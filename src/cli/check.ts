import { SingleBar } from "cli-progress";
import { readCheckSettings } from "../config/check-settings.ts";
import { ConfigError, loadSourcesFile } from "../config/sources-file.ts";
import { createFetcher } from "../ingest/fetcher.ts";
import { DEFAULT_NETWORK_POLICY } from "../ingest/network-policy.ts";
import { createFetchLimits } from "../ingest/fetch-limits.ts";
import { IngestPool } from "../ingest/ingest-pool.ts";
import { FetchHistory } from "../ops/fetch-history.ts";
import { createLogger } from "../log/logger.ts";
import { createMetrics } from "../ops/metrics.ts";
import { createObservedRead } from "../ops/observed-read.ts";
import { checkRow, formatCheckTable, progressLine, type CheckRow } from "./check-report.ts";

/**
 * `npm run check -- [--sources FILE]`: reads every enabled source once through
 * the gateway's own read path (the same fetcher, limits and readSource:
 * fetch, decode, detect, parse, normalize), then prints a table on stdout.
 * It loads no server code, so it starts fast. Progress goes to stderr (a bar
 * on a terminal, one line per source otherwise), so stdout holds only the
 * report. Exits 1 when any source failed, 2 when the sources file is invalid.
 */
async function main(): Promise<number> {
  const settings = readCheckSettings(process.argv.slice(2), process.env);
  const config = await loadSourcesFile(settings.sourcesFile);
  const fetchUnlimited = createFetcher(undefined, { ...DEFAULT_NETWORK_POLICY, refusePrivateAddresses: settings.refusePrivateAddresses });
  const limit = createFetchLimits();
  // Closed once every source is read; exit() ends the process either way.
  const ingestPool = new IngestPool();
  const read = createObservedRead({
    fetchFeed: (request) => limit(request.url, () => fetchUnlimited(request)),
    ingest: (request, held) => ingestPool.run(request, held),
    now: Date.now,
    logger: createLogger({ level: settings.logLevel, destination: process.stderr }),
    metrics: createMetrics(),
    history: new FetchHistory(),
  });
  const enabled = config.sources.filter((s) => s.enabled);
  const bar = process.stderr.isTTY
    ? new SingleBar({ format: "checking {bar} {value}/{total} sources  {last}", hideCursor: true, stream: process.stderr })
    : null;
  bar?.start(enabled.length, 0, { last: "" });
  let done = 0;
  const byId = new Map<string, CheckRow>();
  await Promise.all(
    enabled.map(async (source) => {
      const row = checkRow(source, await read(source, config, undefined));
      byId.set(source.id, row);
      done++;
      if (bar) bar.update(done, { last: `${row.source}: ${row.status}` });
      else process.stderr.write(progressLine(done, enabled.length, row));
    }),
  );
  bar?.stop();
  await ingestPool.close();
  const rows = config.sources.map((source) => byId.get(source.id) ?? checkRow(source, undefined));
  process.stdout.write(formatCheckTable(rows));
  return rows.some((r) => r.status === "FAILED") ? 1 : 0;
}

main().then(
  (code) => exit(code),
  (error) => {
    const message =
      error instanceof ConfigError
        ? `Invalid sources file: ${error.message}`
        : `check failed: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${message}\n`);
    exit(2);
  },
);

/** Exits once stdout has drained; keep-alive sockets and timers must not hold the process. */
function exit(code: number): void {
  process.stdout.write("", () => process.exit(code));
}
