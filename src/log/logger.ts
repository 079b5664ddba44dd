import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";
import { DEFAULT_LOG_LEVEL, type LogLevel } from "./log-level.ts";

export type { Logger };

export interface LoggerOptions {
  /** @default DEFAULT_LOG_LEVEL */
  level?: LogLevel;
  /** Human-readable lines (pino-pretty) instead of JSON, for a person at a terminal. @default false */
  pretty?: boolean;
  /** Where lines go (anything with `write(line)`). @default standard output */
  destination?: DestinationStream;
}

/**
 * The process's logger: one JSON object per line (what log shippers parse),
 * or pino-pretty's coloured lines when a person reads a terminal. Writes are
 * synchronous so the last lines before `process.exit` are not lost.
 */
export function createLogger({ level = DEFAULT_LOG_LEVEL, pretty: human = false, destination }: LoggerOptions = {}): Logger {
  // ISO times: readable by a person and by every log shipper, unlike epoch milliseconds.
  const options = { level, base: { service: "newsgate" }, timestamp: pino.stdTimeFunctions.isoTime };
  if (human) {
    return pino(
      options,
      pretty({ sync: true, colorize: !destination, singleLine: true, ignore: "pid,hostname,service", destination: destination ?? 1 }),
    );
  }
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}

/** A logger that writes nothing: the default wherever one is optional, so tests stay quiet unless they ask. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
