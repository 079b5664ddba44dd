import { ConfigError, loadSourcesFile } from "./config/sources-file.ts";
import { readSettings } from "./config/settings.ts";
import { createGateway } from "./create-gateway.ts";
import { GRAPHQL_PATH } from "./http/app.ts";
import { loadPersistedOperations, PersistedOperationsError } from "./http/persisted-operations.ts";
import { listen } from "./http/server.ts";

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2), process.env);
  const config = await loadSourcesFile(settings.sourcesFile);
  const persistedOperations = settings.persistedOperationsFile ? await loadPersistedOperations(settings.persistedOperationsFile) : null;
  const gateway = createGateway({ config, http: { persistedOperations } });
  const running = await listen(gateway.app, settings.port, settings.host);
  console.log(`Newsgate serving ${config.sources.length} sources from ${config.file} at ${running.url}${GRAPHQL_PATH}`);
  if (persistedOperations) {
    console.log(`Allow-list mode: only the ${persistedOperations.documents.size} persisted operations in ${persistedOperations.file} run`);
  }
  // The refresher's first round reads every source (what /ready waits for), then keeps them warm.
  gateway.refresher.start();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: draining in-flight requests`);
    void gateway.refresher.stop();
    running.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error) => {
  if (error instanceof ConfigError) console.error(`Invalid sources file: ${error.message}`);
  else if (error instanceof PersistedOperationsError) console.error(`Invalid persisted operations file: ${error.message}`);
  else console.error(`Newsgate could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
