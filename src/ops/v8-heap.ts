import v8 from "node:v8";

/** V8 flags the gateway's process runs with, unless its command line sets them either way. */
export const GATEWAY_V8_FLAGS = ["--no-allocation-site-pretenuring"] as const;

/**
 * Sets the V8 flags a long-running gateway needs, from inside the process
 * (NODE_OPTIONS refuses them, and `npm start` runs through tsx). Call it
 * first thing: they are process-wide, so parser threads get them too.
 *
 * Allocation-site pretenuring: V8 allocates objects straight in the old
 * generation at sites whose objects mostly survived. Building the catalog
 * (long-lived articles, indexes) taught it that of sites that requests then
 * use for short-lived objects, and every young collection then kept alive and
 * promoted what those dead old objects pointed to, making every young
 * collection several times slower once the catalog is built, and with it
 * every request and refresh. Off, young collections stay short whatever the
 * catalog holds (docs/performance.md keeps the figures).
 *
 * Returns the flags it set.
 */
export function setGatewayV8Flags(
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = v8.setFlagsFromString,
): string[] {
  const set: string[] = [];
  for (const flag of GATEWAY_V8_FLAGS) {
    const name = flag.replace(/^--no-/, "--").replace(/=.*$/, "");
    const negated = `--no-${name.slice(2)}`;
    // An operator's own choice on the command line wins (either spelling, either way).
    if (execArgv.some((arg) => [name, negated].includes(arg.replace(/=.*$/, "").replace(/_/g, "-")))) continue;
    setFlags(flag);
    set.push(flag);
  }
  return set;
}
