import { cpus, totalmem } from "node:os";
import type { Placement } from "./processes.ts";

/** A number with its unit, as the table shows it. */
export interface Figure {
  value: number;
  unit: "req/s" | "ms" | "B/article" | "s" | "reads" | "requests";
  /** What the figure is, e.g. "bare node:http". */
  label: string;
}

/** `ratio ≥ 0.5` or `measured ≤ 1000 ms`: what passing means for a row. */
export interface Target {
  on: "ratio" | "measured";
  op: ">=" | "<=";
  value: number;
}

export interface Row {
  /** Stable key for tools, e.g. `hot.post`. */
  id: string;
  scenario: string;
  measured: Figure;
  baseline: Figure | null;
  /** measured / baseline. */
  ratio: number | null;
  /**
   * HTTP rows: the baseline's server CPU per request ÷ the measured one's. A
   * target on the ratio is judged on the smaller of the two: when the load
   * generator, not the baseline server, sets the baseline's pace, req/s
   * understates what the baseline server could do.
   */
  cpuRatio?: number | null;
  /** null for rows that inform (no target in the issue). */
  target: Target | null;
  pass: boolean | null;
  /** Everything else the scenario saw (rounds, latencies, breakdowns). */
  details: Record<string, unknown>;
}

export function row(fields: Omit<Row, "ratio" | "pass"> & { ratio?: number | null }): Row {
  const ratio = fields.ratio !== undefined ? fields.ratio : fields.baseline ? fields.measured.value / fields.baseline.value : null;
  let pass: boolean | null = null;
  if (fields.target) {
    const judged = ratio !== null && fields.cpuRatio != null ? Math.min(ratio, fields.cpuRatio) : ratio;
    const value = fields.target.on === "ratio" ? judged : fields.measured.value;
    pass =
      value !== null && Number.isFinite(value) && (fields.target.op === ">=" ? value >= fields.target.value : value <= fields.target.value);
  }
  return { ...fields, ratio, pass };
}

export interface MachineInfo {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  date: string;
  placement: string;
}

export function machineInfo(placement: Placement): MachineInfo {
  const list = cpus();
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: list.length,
    cpuModel: list[0]?.model ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    date: new Date().toISOString(),
    placement: placement.pinned
      ? `servers on core ${placement.serverCore}, load generator and helpers on core ${placement.loadCore} (taskset)`
      : "not pinned (taskset missing or a single core)",
  };
}

export interface BenchResults {
  command: string;
  mode: string;
  machine: MachineInfo;
  durationSeconds: number;
  rows: Row[];
  /** The markdown table, as printed. */
  table: string;
  /** Scenarios that could not run, with why. */
  failures: { scenario: string; error: string }[];
}

export const TABLE_HEADER = ["scenario", "measured", "baseline", "ratio or figure", "target", "pass/fail"] as const;

export function markdownTable(rows: Row[]): string {
  const lines = [TABLE_HEADER, TABLE_HEADER.map(() => "---")].map(cells);
  for (const r of rows) {
    lines.push(
      cells([
        r.scenario,
        formatFigure(r.measured),
        r.baseline ? `${formatFigure(r.baseline)} (${r.baseline.label})` : "—",
        r.ratio === null
          ? "—"
          : `${formatNumber(r.ratio, r.ratio < 10 ? 3 : 1)}×${r.cpuRatio != null ? ` (by CPU ${formatNumber(r.cpuRatio, 3)}×)` : ""}`,
        r.target ? formatTarget(r.target, r.measured.unit) : "— (info)",
        r.pass === null ? "info" : r.pass ? "pass" : "FAIL",
      ]),
    );
  }
  return lines.join("\n");
}

function cells(values: readonly string[]): string {
  return `| ${values.join(" | ")} |`;
}

function formatTarget(target: Target, unit: Figure["unit"]): string {
  const op = target.op === ">=" ? "≥" : "≤";
  return target.on === "ratio" ? `ratio ${op} ${target.value}` : `${op} ${formatFigure({ value: target.value, unit })}`;
}

export function formatFigure({ value, unit }: Pick<Figure, "value" | "unit">): string {
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case "req/s":
      return `${formatNumber(value, 0)} req/s`;
    case "ms":
      return `${formatNumber(value, value < 10 ? 2 : value < 100 ? 1 : 0)} ms`;
    case "B/article":
      return `${formatNumber(value / 1024, 2)} KB/article`;
    case "s":
      return `${formatNumber(value, 1)} s`;
    case "reads":
      return `${formatNumber(value, 0)} reads`;
    case "requests":
      return `${formatNumber(value, 0)} requests`;
  }
}

function formatNumber(value: number, digits: number): string {
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
