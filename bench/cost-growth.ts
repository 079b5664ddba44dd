/**
 * How cost grows with the catalog (#26, target 6): a table and an SVG plot
 * made from a bench run's in-place catalog rows (catalog-change.ts), one
 * column per catalog size. `npm run bench:growth [results.json]` writes
 * docs/cost-growth.svg and prints the table for docs/performance.md.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CatalogChangeResult } from "./catalog-change-probe.ts";
import { ROOT } from "./processes.ts";
import type { BenchResults } from "./results.ts";

/** One measure across the sizes: its name, unit and value at a size. */
interface Series {
  name: string;
  unit: string;
  value: (result: CatalogChangeResult) => number;
  digits: number;
}

export const SERIES: Series[] = [
  { name: "heap per article", unit: "B", value: (r) => r.heap.totalPerArticle, digits: 0 },
  {
    name: "first build, CPU per article",
    unit: "µs",
    value: (r) => ((r.buildMs.firstCatalog + r.buildMs.indexes) * 1000) / r.articles,
    digits: 1,
  },
  { name: "CPU per changed source", unit: "ms", value: (r) => r.cpuPerChangeMs.mean, digits: 2 },
  { name: "change visible, p99", unit: "ms", value: (r) => r.visibleMs.p99, digits: 0 },
  { name: "front page, CPU per request", unit: "µs", value: (r) => r.requestCpuUs.front, digits: 0 },
  { name: "section front, CPU per request", unit: "µs", value: (r) => r.requestCpuUs.section, digits: 0 },
  { name: "article page (story + related), CPU per request", unit: "µs", value: (r) => r.requestCpuUs.articlePage, digits: 0 },
  { name: "search, first page, CPU per request", unit: "µs", value: (r) => r.requestCpuUs.search, digits: 0 },
];

/** The in-place catalog results of a bench run, smallest catalog first. */
export function changeResults(results: BenchResults): CatalogChangeResult[] {
  return results.rows
    .filter((row) => /^change\.cpu\.\d+$/.test(row.id))
    .map((row) => row.details as unknown as CatalogChangeResult)
    .sort((a, b) => a.articles - b.articles);
}

export function growthTable(results: readonly CatalogChangeResult[]): string {
  const count = (n: number) => n.toLocaleString("en-US");
  const header = ["", ...results.map((r) => `${count(r.articles)} articles, ${count(r.sources)} sources`), "growth, largest ÷ smallest"];
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`];
  for (const series of SERIES) {
    const values = results.map(series.value);
    const growth = values.at(-1)! / values[0]!;
    lines.push(
      `| ${series.name} | ${values.map((v) => `${v.toFixed(series.digits)} ${series.unit}`).join(" | ")} | ${growth.toFixed(2)}× |`,
    );
  }
  return lines.join("\n");
}

const WIDTH = 860;
const HEIGHT = 420;
const MARGIN = { left: 70, right: 330, top: 40, bottom: 50 };
const COLOURS = ["#1b6ca8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#2e4057", "#9a8c98"];

/** Each measure as a multiple of its value at the smallest catalog, on log–log axes: a flat line costs the same at every size. */
export function growthSvg(results: readonly CatalogChangeResult[]): string {
  const xs = results.map((r) => r.articles);
  const growths = SERIES.map((series) => results.map((r) => series.value(r) / series.value(results[0]!)));
  const all = growths.flat().filter((g) => g > 0 && Number.isFinite(g));
  const yMin = Math.min(0.5, ...all);
  const yMax = Math.max(100, ...all);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (articles: number) => MARGIN.left + (plotW * Math.log(articles / xs[0]!)) / Math.log(xs.at(-1)! / xs[0]!);
  const y = (growth: number) => MARGIN.top + plotH - (plotH * Math.log(growth / yMin)) / Math.log(yMax / yMin);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>How cost grows with the catalog: ${SERIES.map((series, i) => `${series.name} ×${growths[i]!.at(-1)!.toFixed(2)}`).join(", ")}, from ${xs[0]!.toLocaleString("en-US")} to ${xs.at(-1)!.toLocaleString("en-US")} articles</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="14" font-weight="bold">How cost grows with the catalog (each measure ÷ its value at ${xs[0]!.toLocaleString("en-US")} articles)</text>`,
  ];
  for (const growth of [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000].filter((g) => g >= yMin && g <= yMax)) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(growth).toFixed(1)}" y2="${y(growth).toFixed(1)}" stroke="${growth === 1 ? "#888" : "#e5e5e5"}"/>`,
      `<text x="${MARGIN.left - 8}" y="${(y(growth) + 4).toFixed(1)}" text-anchor="end">${growth}×</text>`,
    );
  }
  // The growth of the catalog itself, for comparison: what work proportional to the catalog would cost.
  parts.push(
    `<line x1="${x(xs[0]!)}" y1="${y(1).toFixed(1)}" x2="${x(xs.at(-1)!).toFixed(1)}" y2="${y(Math.min(yMax, xs.at(-1)! / xs[0]!)).toFixed(1)}" stroke="#bbb" stroke-dasharray="4 4"/>`,
  );
  for (const articles of xs) {
    parts.push(
      `<text x="${x(articles).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle">${articles.toLocaleString("en-US")}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">articles in the catalog (sources of 100)</text>`,
  );
  SERIES.forEach((series, i) => {
    const points = growths[i]!.map((g, k) => `${x(xs[k]!).toFixed(1)},${y(Math.max(g, yMin)).toFixed(1)}`).join(" ");
    const colour = COLOURS[i % COLOURS.length]!;
    parts.push(`<polyline points="${points}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    const ly = MARGIN.top + 14 + i * 20;
    parts.push(
      `<line x1="${WIDTH - MARGIN.right + 16}" x2="${WIDTH - MARGIN.right + 36}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${WIDTH - MARGIN.right + 42}" y="${ly}">${escapeXml(series.name)}</text>`,
    );
  });
  const ly = MARGIN.top + 14 + SERIES.length * 20;
  parts.push(
    `<line x1="${WIDTH - MARGIN.right + 16}" x2="${WIDTH - MARGIN.right + 36}" y1="${ly - 4}" y2="${ly - 4}" stroke="#bbb" stroke-dasharray="4 4"/>`,
    `<text x="${WIDTH - MARGIN.right + 42}" y="${ly}">the catalog's size</text>`,
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

async function main(): Promise<void> {
  const file = process.argv[2] ?? path.join(ROOT, "bench", "results.json");
  const results = changeResults(JSON.parse(await readFile(file, "utf8")) as BenchResults);
  if (results.length < 2)
    throw new Error(`${file} has fewer than two in-place catalog sizes: run \`npm run bench -- --only change\` first`);
  const svg = path.join(ROOT, "docs", "cost-growth.svg");
  await writeFile(svg, growthSvg(results));
  console.log(`${growthTable(results)}\n\nwrote ${path.relative(ROOT, svg)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exitCode = 1;
  });
}
