/**
 * `npm run bench`: measures the performance targets (docs/performance.md). Starts everything it
 * measures itself (loopback only), runs each scenario against a baseline
 * measured in the same run, prints a markdown table and writes
 * bench/results.json. See bench/README.md.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { runCatalogChangeScenarios } from "./catalog-change.ts";
import { runCatalogScenarios } from "./catalog-scenarios.ts";
import { runColdStartScenarios } from "./cold-start.ts";
import { runHttpScenarios } from "./hot-queries.ts";
import { runTrafficScenario } from "./mixed-traffic.ts";
import { runUpstreamScenario } from "./upstream-reads.ts";
import { runWarmRestartScenario } from "./warm-restart.ts";
import { readOptions, USAGE, type BenchOptions, type ScenarioGroup } from "./options.ts";
import { choosePlacement, pinSelf, ROOT, type Placement } from "./processes.ts";
import { machineInfo, markdownTable, type BenchResults, type Row } from "./results.ts";

const DEFAULT_OUT = path.join(ROOT, "bench", "results.json");

type Runner = (options: BenchOptions, placement: Placement, log: (line: string) => void) => Promise<Row[]>;

/** In order: the HTTP scenarios first, while the machine is coolest; the catalog, the longest, last. */
const STAGES: { name: string; groups: ScenarioGroup[]; run: Runner }[] = [
  { name: "hot queries and cache misses", groups: ["hot", "misses"], run: runHttpScenarios },
  { name: "real traffic", groups: ["traffic"], run: runTrafficScenario },
  { name: "cold start and stalls", groups: ["cold"], run: runColdStartScenarios },
  { name: "warm restart", groups: ["warm"], run: runWarmRestartScenario },
  { name: "upstream reads", groups: ["upstream"], run: runUpstreamScenario },
  { name: "memory and indexes", groups: ["catalog"], run: runCatalogScenarios },
  { name: "a catalog that changes in place", groups: ["change"], run: runCatalogChangeScenarios },
];

async function main(): Promise<void> {
  const started = performance.now();
  const argv = process.argv.slice(2);
  let options: BenchOptions;
  try {
    options = readOptions(argv, DEFAULT_OUT);
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: ${USAGE}`);
    process.exit(2);
  }
  const placement = choosePlacement();
  pinSelf(placement);
  const machine = machineInfo(placement);
  const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  log(`Newsgate bench (${options.mode}): node ${machine.node}, ${machine.cpus} cpus, ${machine.placement}`);
  if (options.profile) await mkdir(path.join(ROOT, "bench", "profiles"), { recursive: true });

  const failures: BenchResults["failures"] = [];
  const runStage = async (stage: (typeof STAGES)[number]): Promise<Row[]> => {
    const stageStarted = performance.now();
    log(`${stage.name}…`);
    try {
      return await stage.run(options, placement, log);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push({ scenario: stage.name, error: message });
      log(`  FAILED (${stage.name}): ${message}`);
      return [];
    } finally {
      log(`  ${stage.name}: ${((performance.now() - stageStarted) / 1000).toFixed(1)} s`);
    }
  };
  const stages = STAGES.filter((stage) => !options.only || stage.groups.some((group) => options.only!.has(group)));
  const rows: Row[] = [];
  // A smoke run checks that every stage works, not how fast: its stages run at once to finish sooner.
  if (options.mode === "smoke") for (const stageRows of await Promise.all(stages.map(runStage))) rows.push(...stageRows);
  else for (const stage of stages) rows.push(...(await runStage(stage)));

  const table = markdownTable(rows);
  const results: BenchResults = {
    command: ["npm run bench", ...(argv.length ? ["--", ...argv] : [])].join(" "),
    mode: options.mode,
    machine,
    durationSeconds: Math.round((performance.now() - started) / 100) / 10,
    rows,
    table,
    failures,
  };
  await writeFile(options.out, `${JSON.stringify(results, null, 2)}\n`);
  log(`\n${table}\n`);
  log(
    `${rows.filter((r) => r.pass === false).length} of ${rows.filter((r) => r.pass !== null).length} targets missed; ${results.durationSeconds} s; details in ${path.relative(process.cwd(), options.out) || options.out}`,
  );
  // Missed targets are the finding, not a failure of the bench; a scenario that could not run is.
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
