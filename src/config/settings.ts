import { parseArgs } from "node:util";

export const DEFAULT_SOURCES_FILE = "sources/default.json";
export const DEFAULT_PORT = 4000;
export const DEFAULT_HOST = "localhost";

export interface Settings {
  sourcesFile: string;
  port: number;
  host: string;
  /** The persisted-operations allow-list (`{ "<sha256>": "<document>" }`); null runs any operation. */
  persistedOperationsFile: string | null;
}

/**
 * The CLI of DESIGN.md: flags win over `NEWSGATE_SOURCES`, `PORT` and `HOST`, which win over defaults.
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
  };
}
