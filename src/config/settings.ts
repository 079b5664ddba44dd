import { parseArgs } from "node:util";
import { readLogLevel, type LogLevel } from "../log/log-level.ts";

export const DEFAULT_SOURCES_FILE = "sources/default.json";
export const DEFAULT_PORT = 4000;
export const DEFAULT_HOST = "localhost";

export interface Settings {
  sourcesFile: string;
  port: number;
  host: string;
  /** The persisted-operations allow-list (`{ "<sha256>": "<document>" }`); null runs any operation. */
  persistedOperationsFile: string | null;
  /** `--partners FILE` / `NEWSGATE_PARTNERS`: API keys, CORS origins and rate limits; null keeps the gateway open. */
  partnersFile: string | null;
  /** `--public-url URL` / `NEWSGATE_PUBLIC_URL`: the origin partners reach the gateway at, for absolute links; null uses each request's Host. */
  publicUrl: string | null;
  /** `LOG_LEVEL`: trace, debug, info (default), warn, error, fatal or silent. */
  logLevel: LogLevel;
  /** `--watch`: reload the sources file when it changes (as on SIGHUP). */
  watch: boolean;
  /** `REDIS_URL`: shared feed cache, cluster-wide single-flight and invalidation across instances; null runs alone. */
  redisUrl: string | null;
  /**
   * `--refuse-private-addresses` / `NEWSGATE_REFUSE_PRIVATE_ADDRESSES=1`: read
   * no source on a loopback, private, link-local or other non-public address,
   * configured or not. Off by default: a source the operator configured there
   * is read; only a redirect from a public address into such a network is refused.
   */
  refusePrivateAddresses: boolean;
  /** `NEWSGATE_METRICS_TOKEN`: when set, `/metrics` answers only `Authorization: Bearer <token>`; null leaves it open. */
  metricsToken: string | null;
}

/**
 * The CLI contract (docs/architecture.md): flags win over `NEWSGATE_SOURCES`, `PORT` and `HOST`, which win over defaults.
 * `--persisted-operations FILE` (or `NEWSGATE_PERSISTED_OPERATIONS`) turns on the allow-list mode.
 */
export function readSettings(argv: string[], env: NodeJS.ProcessEnv): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      sources: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      "persisted-operations": { type: "string" },
      partners: { type: "string" },
      "public-url": { type: "string" },
      watch: { type: "boolean" },
      "refuse-private-addresses": { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  const portText = values.port ?? env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new Error(`port "${portText}" is not a number from 0 to 65535`);
  }
  return {
    sourcesFile: values.sources ?? env.NEWSGATE_SOURCES ?? DEFAULT_SOURCES_FILE,
    port,
    host: values.host ?? env.HOST ?? DEFAULT_HOST,
    // An empty variable is unset, so `NEWSGATE_PERSISTED_OPERATIONS=` turns the mode off.
    persistedOperationsFile: values["persisted-operations"] || env.NEWSGATE_PERSISTED_OPERATIONS || null,
    partnersFile: values.partners || env.NEWSGATE_PARTNERS || null,
    publicUrl: readPublicUrl(values["public-url"] || env.NEWSGATE_PUBLIC_URL || null),
    logLevel: readLogLevel(env),
    watch: values.watch ?? false,
    redisUrl: env.REDIS_URL || null,
    refusePrivateAddresses: readRefusePrivateAddresses(values["refuse-private-addresses"], env),
    // An environment variable only, never a flag: a process's arguments are readable by every user of the host.
    metricsToken: env.NEWSGATE_METRICS_TOKEN || null,
  };
}

/** The flag turns it on whatever the variable says; the variable takes 1/true/yes or 0/false/no (empty is unset). */
export function readRefusePrivateAddresses(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (flag) return true;
  const text = (env.NEWSGATE_REFUSE_PRIVATE_ADDRESSES ?? "").trim().toLowerCase();
  if (text === "" || text === "0" || text === "false" || text === "no") return false;
  if (text === "1" || text === "true" || text === "yes") return true;
  // A typo must not leave an operator believing the gateway is protected.
  throw new Error(`NEWSGATE_REFUSE_PRIVATE_ADDRESSES "${env.NEWSGATE_REFUSE_PRIVATE_ADDRESSES}" must be 1, true, yes, 0, false or no`);
}

/** An http(s) URL without credentials, query or fragment, kept without its trailing slash. */
function readPublicUrl(text: string | null): string | null {
  if (!text) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`public URL "${text}" is not a URL such as https://news.example`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password || url.search || url.hash) {
    throw new Error(`public URL "${text}" must be an http(s) URL without credentials, query or fragment`);
  }
  return url.href.replace(/\/+$/, "");
}
