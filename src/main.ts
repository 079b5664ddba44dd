import { ConfigError, loadSourcesFile } from "./config/sources-file.ts";
import { readSettings } from "./config/settings.ts";
import { createGateway } from "./create-gateway.ts";
import { GRAPHQL_PATH } from "./http/app.ts";
import { listen } from "./http/server.ts";

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2), process.env);
  const config = await loadSourcesFile(settings.sourcesFile);
  const gateway = createGateway({ config });
  const running = await listen(gateway.app, settings.port, settings.host);
  console.log(`Newsgate serving ${config.sources.length} sources from ${config.file} at ${running.url}${GRAPHQL_PATH}`);
  gateway.warmUp().catch((error) => console.error("warm-up failed:", error));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: draining in-flight requests`);
    running.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error) => {
  if (error instanceof ConfigError) console.error(`Invalid sources file: ${error.message}`);
  else console.error(`Newsgate could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
