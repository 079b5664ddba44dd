/** The levels `LOG_LEVEL` may name, most verbose first; `silent` turns logging off. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = "info";

/** `LOG_LEVEL` from the environment (any case); an unknown level is an error rather than a silent default. */
export function readLogLevel(env: NodeJS.ProcessEnv, fallback: LogLevel = DEFAULT_LOG_LEVEL): LogLevel {
  const value = env.LOG_LEVEL?.trim().toLowerCase();
  if (!value) return fallback;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new Error(`LOG_LEVEL "${env.LOG_LEVEL}" is not one of ${LOG_LEVELS.join(", ")}`);
  }
  return value as LogLevel;
}
