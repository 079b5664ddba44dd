import { ConfigError, loadSourcesFile } from "./config/sources-file.ts";
import { IngestPool } from "./ingest/ingest-pool.ts";
import { readSettings } from "./config/settings.ts";
import { createGateway } from "./create-gateway.ts";
import { GRAPHQL_PATH } from "./http/types.ts";
import { loadPersistedOperations, PersistedOperationsError } from "./http/plugins/persisted-operations.ts";
import { listen } from "./http/server/server.ts";
import { watchFile } from "./config/watch-file.ts";
import { createLogger } from "./log/logger.ts";
import { createMetrics } from "./ops/metrics.ts";
import { setGatewayV8Flags } from "./ops/v8-heap.ts";
import { reloadSourcesFile } from "./ops/reload-sources.ts";
import { loadPartnersFile, PartnersFileError } from "./partners/partners-file.ts";
import { createRedis, SharedCache } from "./store/source-cache/shared-cache.ts";

async function main(): Promise<void> {
  setGatewayV8Flags();
  const settings = readSettings(process.argv.slice(2), process.env);
  // A person at a terminal reads pretty lines; anything else (a pipe, a log shipper) gets JSON.
  const logger = createLogger({ level: settings.logLevel, pretty: process.stdout.isTTY === true });
  const config = await loadSourcesFile(settings.sourcesFile);
  // The process's one pool. Never closed: its workers are unref'd while idle, and process.exit ends them after the drain.
  const ingestPool = new IngestPool();
  // Alone, an instance reads every source at start: its parser threads load their modules while those fetches are on
  // the wire. In a cluster (REDIS_URL) the copies Redis holds usually spare every read: see below.
  if (config.sources.length > 0 && !settings.redisUrl) ingestPool.warm();
  const persistedOperations = settings.persistedOperationsFile ? await loadPersistedOperations(settings.persistedOperationsFile) : null;
  const partners = settings.partnersFile ? await loadPartnersFile(settings.partnersFile) : null;
  const sharedCache = settings.redisUrl ? new SharedCache({ redis: createRedis(settings.redisUrl), logger }) : null;
  await sharedCache?.connect();
  const gateway = createGateway({
    config,
    http: { persistedOperations },
    logger,
    metrics: createMetrics({ processMetrics: true }),
    partners,
    publicUrl: settings.publicUrl,
    refusePrivateAddresses: settings.refusePrivateAddresses,
    metricsToken: settings.metricsToken,
    sharedCache,
    ingestPool,
  });
  // Threads for the sources the cluster held no copy of; none when it held them all (a restart beside running instances).
  void gateway.sourcesWithoutSharedCopy.then((count) => {
    if (count > 0) ingestPool.warm();
  });
  const running = await listen(gateway.app, settings.port, settings.host);
  const started = `Newsgate serving ${config.sources.length} sources from ${config.file} at ${running.url}${GRAPHQL_PATH}`;
  // Part of the CLI contract (docs/architecture.md): this line reaches stdout whatever LOG_LEVEL says.
  if (logger.isLevelEnabled("info")) logger.info({ url: `${running.url}${GRAPHQL_PATH}` }, started);
  else console.log(started);
  if (persistedOperations) {
    logger.info(`Allow-list mode: only the ${persistedOperations.documents.size} persisted operations in ${persistedOperations.file} run`);
  }
  if (partners) {
    const anonymous = partners.anonymous ? `${partners.anonymous.requestsPerMinute} requests a minute per address` : "refused";
    logger.info(`Partners: ${partners.partners.length} from ${partners.file}; anonymous use ${anonymous}`);
  }
  // The refresher's first round reads every source (what /ready waits for), then keeps them warm.
  gateway.refresher.start();
  // WebSub: sources whose feeds name a hub are subscribed there (with --public-url), once read.
  gateway.push.start();

  let stopping = false;
  // SIGHUP (and with --watch, a change to the file) reads the sources file again; the refresher then picks up added sources.
  const reload = (trigger: string) =>
    void reloadSourcesFile({ file: config.file, reload: gateway.reload, logger }, trigger).then(() => {
      if (!stopping) gateway.refresher.start();
    });
  process.on("SIGHUP", () => reload("SIGHUP"));
  const watcher = settings.watch ? watchFile(config.file, () => reload("file change")) : null;
  const stop = (signal: string) => {
    // One drain whatever comes next: under `npm start` a Ctrl-C reaches us twice (from the terminal, and forwarded by npm).
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: draining in-flight requests`);
    watcher?.close();
    // Live streams end first: the drain would otherwise wait for them until it gave up.
    void gateway.shutdown();
    running.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error) => {
  if (error instanceof ConfigError) console.error(`Invalid sources file: ${error.message}`);
  else if (error instanceof PartnersFileError) console.error(`Invalid partners file: ${error.message}`);
  else if (error instanceof PersistedOperationsError) console.error(`Invalid persisted operations file: ${error.message}`);
  else console.error(`Newsgate could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
