import { createLogger } from "../../src/log/logger.ts";

/** A real pino logger whose JSON lines land in an array, for asserting what was logged. */
export function captureLogs(level: "trace" | "debug" | "info" = "debug") {
  const lines: Record<string, any>[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  return { logger, lines };
}

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** Every sample of a Prometheus text exposition, keyed by name and sorted labels. */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = [...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k!, v!] as const);
    samples.set(sampleKey(match[1]!, Object.fromEntries(labels)), Number(match[3]));
  }
  return samples;
}

export function sampleKey(name: string, labels: Record<string, string> = {}): string {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return `${name}{${sorted.map(([k, v]) => `${k}="${v}"`).join(",")}}`;
}

/** Reads `/metrics` (through `get`: an in-memory app's, see appFetch) and returns a lookup that answers 0 for a series not (yet) there. */
export async function scrape(baseUrl: string, get: (url: string) => Promise<Response> = fetch) {
  const response = await get(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const samples = parseMetrics(await response.text());
  return {
    contentType: response.headers.get("content-type"),
    value: (name: string, labels: Record<string, string> = {}) => samples.get(sampleKey(name, labels)) ?? 0,
    has: (name: string, labels: Record<string, string> = {}) => samples.has(sampleKey(name, labels)),
  };
}

/** A small RSS 2.0 feed whose items link to `https://<host>/<n>`, so each source's articles stay apart. */
export function rssFeed(host: string, titles: string[]): string {
  const items = titles
    .map(
      (title, i) =>
        `<item><title>${title}</title><link>https://${host}/${i}</link><guid>https://${host}/${i}</guid><pubDate>Mon, 0${(i % 9) + 1} Nov 2026 10:00:00 GMT</pubDate><description>${title}, in a few words.</description></item>`,
    )
    .join("");
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${host}</title><link>https://${host}/</link>${items}</channel></rss>`;
}
