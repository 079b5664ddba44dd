import type { SourceConfig } from "../config/sources-file.ts";
import type { SourceSnapshot } from "../model/source-snapshot.ts";

export interface CheckRow {
  source: string;
  status: "ok" | "warning" | "FAILED" | "disabled";
  format: string;
  items: number | null;
  ms: number | null;
  /** The error, or the warning, in words. */
  error: string;
}

export function checkRow(source: SourceConfig, snapshot: SourceSnapshot | undefined): CheckRow {
  if (!snapshot) return { source: source.id, status: "disabled", format: "-", items: null, ms: null, error: "" };
  return {
    source: source.id,
    status: !snapshot.ok ? "FAILED" : snapshot.warning ? "warning" : "ok",
    format: snapshot.ok ? (snapshot.format ?? "-") : "-",
    items: snapshot.articles.length,
    ms: Math.round(snapshot.durationMs),
    error: snapshot.error ? `${snapshot.error.code}: ${snapshot.error.message}` : (snapshot.warning ?? ""),
  };
}

/** One progress line, for output that is not a terminal (CI logs, pipes). */
export function progressLine(done: number, total: number, row: CheckRow): string {
  const detail = row.status === "FAILED" ? row.error : `${row.items} items, ${row.format}`;
  return `[${done}/${total}] ${row.source}: ${row.status} (${detail}) in ${row.ms} ms\n`;
}

/** The report: a plain-text table, columns padded to their widest cell, and a summary line. */
export function formatCheckTable(rows: CheckRow[]): string {
  const header = ["SOURCE", "STATUS", "FORMAT", "ITEMS", "TIME", "ERROR"];
  const cells = rows.map((r) => [
    r.source,
    r.status,
    r.format,
    r.items === null ? "-" : String(r.items),
    r.ms === null ? "-" : `${r.ms} ms`,
    r.error,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const numeric = new Set([3, 4]);
  const line = (c: string[]) =>
    c
      .map((cell, i) => (i === c.length - 1 ? cell : numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const failed = rows.filter((r) => r.status === "FAILED").length;
  const checked = rows.filter((r) => r.status !== "disabled").length;
  const summary = failed ? `${failed} of ${checked} sources failed` : `all ${checked} sources ok`;
  return `${[line(header), ...cells.map(line)].join("\n")}\n\n${summary}\n`;
}
