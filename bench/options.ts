import { parseArgs } from "node:util";

/**
 * The size of every scenario: `full` (the default: the sizes), `--quick` (smaller, about
 * 90 s) and `--smoke` (tiny, its stages at once, figures meaningless; for the test).
 */
export interface BenchOptions {
  mode: "full" | "quick" | "smoke";
  /** Rounds of each compared pair (A B A B …); the median is reported. */
  rounds: number;
  /** Seconds of load per server per round. */
  loadSeconds: number;
  /** Seconds of unmeasured load before the rounds (JIT, caches). */
  warmupSeconds: number;
  /** autocannon connections (50, as in the issue). */
  connections: number;
  /** Fixture upstreams for cold start and stalls, and items in each feed. */
  sources: number;
  itemsPerSource: number;
  /** Milliseconds each upstream waits before answering. */
  upstreamDelayMs: number;
  /** Articles in the synthetic catalog (memory and indexes). */
  articles: number;
  /** Lookups timed on each index, and on the linear scans. */
  indexSamples: number;
  scanSamples: number;
  /** Seconds for the event-loop window while idle (the stall baseline). */
  idleSeconds: number;
  /** Where results go. */
  out: string;
  /** Scenarios to run (all by default). */
  only: Set<ScenarioGroup> | null;
  /** Write CPU profiles of the gateway children to bench/profiles/. */
  profile: boolean;
}

export const SCENARIO_GROUPS = ["hot", "misses", "traffic", "cold", "warm", "upstream", "catalog", "change"] as const;
export type ScenarioGroup = (typeof SCENARIO_GROUPS)[number];

const PRESETS = {
  full: {
    rounds: 3,
    loadSeconds: 2,
    warmupSeconds: 1,
    connections: 50,
    sources: 200,
    articles: 100_000,
    indexSamples: 2000,
    scanSamples: 40,
    idleSeconds: 2,
  },
  quick: {
    rounds: 3,
    loadSeconds: 0.5,
    warmupSeconds: 0.5,
    connections: 50,
    sources: 50,
    articles: 5_000,
    indexSamples: 500,
    scanSamples: 20,
    idleSeconds: 1,
  },
  // Few connections: a slow server still answers within a short run.
  smoke: {
    rounds: 1,
    loadSeconds: 0.5,
    warmupSeconds: 0.1,
    connections: 5,
    sources: 5,
    articles: 2_000,
    indexSamples: 50,
    scanSamples: 5,
    idleSeconds: 0.3,
  },
} as const;

export const USAGE = `npm run bench -- [--quick] [--smoke] [--rounds N] [--seconds S] [--sources N] [--articles N] [--only hot,misses,traffic,cold,warm,upstream,catalog,change] [--profile] [--out FILE]`;

export function readOptions(argv: string[], defaultOut: string): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean" },
      smoke: { type: "boolean" },
      rounds: { type: "string" },
      seconds: { type: "string" },
      sources: { type: "string" },
      articles: { type: "string" },
      only: { type: "string" },
      profile: { type: "boolean" },
      out: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const mode = values.smoke ? "smoke" : values.quick ? "quick" : "full";
  const preset = PRESETS[mode];
  const only = values.only ? new Set(values.only.split(",").map((name) => name.trim())) : null;
  for (const name of only ?? []) {
    if (!(SCENARIO_GROUPS as readonly string[]).includes(name))
      throw new Error(`--only: unknown scenario "${name}" (one of ${SCENARIO_GROUPS.join(", ")})`);
  }
  return {
    mode,
    rounds: positive(values.rounds, preset.rounds, "--rounds"),
    loadSeconds: positive(values.seconds, preset.loadSeconds, "--seconds"),
    warmupSeconds: preset.warmupSeconds,
    connections: preset.connections,
    sources: positive(values.sources, preset.sources, "--sources"),
    itemsPerSource: 100,
    upstreamDelayMs: 200,
    articles: positive(values.articles, preset.articles, "--articles"),
    indexSamples: preset.indexSamples,
    scanSamples: preset.scanSamples,
    idleSeconds: preset.idleSeconds,
    out: values.out ?? defaultOut,
    only: only as Set<ScenarioGroup> | null,
    profile: values.profile ?? false,
  };
}

function positive(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} must be a positive number, not "${text}"`);
  return value;
}
