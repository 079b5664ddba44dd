/**
 * One cluster member for tests/cluster: `node --import tsx gateway-process.ts SOURCES_FILE`
 * with REDIS_URL and REDIS_PREFIX set (and optionally NEWSGATE_PARTNERS and
 * NEWSGATE_PERSISTED_OPERATIONS, and NEWSGATE_EVENT_LOOP_PROBE to serve its
 * event-loop delay: see event-loop-probe.ts); starts a gateway on 127.0.0.1 with its
 * refresher (as `npm start` does) and prints its URL.
 */
import { loadSourcesFile } from "../../src/config/sources-file.ts";
import { createGateway } from "../../src/create-gateway.ts";
import { loadPersistedOperations } from "../../src/http/plugins/persisted-operations.ts";
import { listen } from "../../src/http/server/server.ts";
import { loadPartnersFile } from "../../src/partners/partners-file.ts";
import { createLogger } from "../../src/log/logger.ts";
import { createRedis, SharedCache } from "../../src/store/source-cache/shared-cache.ts";
import { startEventLoopProbe } from "./event-loop-probe.ts";

const logger = createLogger({ level: "info", destination: { write: (line: string) => void process.stderr.write(line) } });
const config = await loadSourcesFile(process.argv[2]!);
const sharedCache = new SharedCache({
  redis: createRedis(process.env.REDIS_URL!),
  prefix: process.env.REDIS_PREFIX,
  logger,
  random: () => 0.5,
});
await sharedCache.connect();
const partners = process.env.NEWSGATE_PARTNERS ? await loadPartnersFile(process.env.NEWSGATE_PARTNERS) : null;
const persistedOperations = process.env.NEWSGATE_PERSISTED_OPERATIONS
  ? await loadPersistedOperations(process.env.NEWSGATE_PERSISTED_OPERATIONS)
  : null;
const gateway = createGateway({ config, random: () => 0.5, sharedCache, logger, partners, http: { persistedOperations } });
const running = await listen(gateway.app, 0, "127.0.0.1");
gateway.refresher.start();
// Measured from the start, so the probe sees every refresh; printed before "listening" so the test has both once it runs.
if (process.env.NEWSGATE_EVENT_LOOP_PROBE) console.log(`event-loop probe ${await startEventLoopProbe()}`);
console.log(`listening ${running.url}/graphql`);
