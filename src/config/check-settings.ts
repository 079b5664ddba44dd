import { parseArgs } from "node:util";
import { readLogLevel, type LogLevel } from "../log/log-level.ts";
import { DEFAULT_SOURCES_FILE, readRefusePrivateAddresses } from "./settings.ts";

export interface CheckSettings {
  sourcesFile: string;
  /** The check prints its own report; logs (to stderr) only when `LOG_LEVEL` asks. */
  logLevel: LogLevel;
  /** As the gateway's (`--refuse-private-addresses` / `NEWSGATE_REFUSE_PRIVATE_ADDRESSES`), so the check reads sources as it would. */
  refusePrivateAddresses: boolean;
}

/** `npm run check -- [--sources FILE] [--refuse-private-addresses]`: the flag wins over `NEWSGATE_SOURCES`, which wins over the default file. */
export function readCheckSettings(argv: string[], env: NodeJS.ProcessEnv): CheckSettings {
  const { values } = parseArgs({
    args: argv,
    options: { sources: { type: "string" }, "refuse-private-addresses": { type: "boolean" } },
    strict: true,
    allowPositionals: false,
  });
  return {
    sourcesFile: values.sources ?? env.NEWSGATE_SOURCES ?? DEFAULT_SOURCES_FILE,
    logLevel: readLogLevel(env, "silent"),
    refusePrivateAddresses: readRefusePrivateAddresses(values["refuse-private-addresses"], env),
  };
}
