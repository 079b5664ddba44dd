import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import { createFetcher } from "../../src/ingest/fetcher.ts";
import { IngestPool } from "../../src/ingest/ingest-pool.ts";
import { readSource } from "../../src/ingest/read-source.ts";
import { startFixtureServer, type Route } from "./fixture-server.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";

/** The corpus of real-world feeds and XSS vectors (copied from ../shared/corpus with its MANIFEST.md and licences, so a clean clone tests alone). */
export const CORPUS_DIR = fileURLToPath(new URL("../fixtures/corpus/", import.meta.url));

export function corpusFiles(): string[] {
  const files: string[] = [];
  for (const origin of readdirSync(path.join(CORPUS_DIR, "feeds")).sort()) {
    for (const name of readdirSync(path.join(CORPUS_DIR, "feeds", origin)).sort()) files.push(`feeds/${origin}/${name}`);
  }
  return files;
}

/**
 * Serves every corpus file over HTTP on 127.0.0.1, byte for byte and without a
 * charset (so decoding relies on what the file itself says), and reads each
 * through the real pipeline: fetch, decode, detect, parse, normalize.
 */
export async function readCorpus(files: string[], now: number): Promise<Map<string, SourceSnapshot>> {
  const routes: Record<string, Route> = {};
  for (const file of files) {
    const type = file.endsWith(".json") ? "application/json" : "application/xml";
    routes[`/${file}`] = (_req, res) => void res.writeHead(200, { "content-type": type }).end(readFileSync(path.join(CORPUS_DIR, file)));
  }
  const server = await startFixtureServer(routes);
  const fetchFeed = createFetcher();
  const pool = new IngestPool();
  const ingest = pool.run.bind(pool);
  const results = new Map<string, SourceSnapshot>();
  try {
    await Promise.all(
      files.map(async (file, index) => {
        const config = parseSourcesConfig(
          {
            sections: [{ slug: "news", name: "News" }],
            sources: [{ id: `corpus-${index}`, name: file, url: server.url(`/${file}`), section: "news", timeoutMs: 10_000 }],
          },
          path.join(CORPUS_DIR, "sources.json"),
        );
        results.set(
          file,
          await readSource(config.sources[0]!, { sections: config.sections, rootDir: CORPUS_DIR }, { fetchFeed, now: () => now, ingest }),
        );
      }),
    );
  } finally {
    await Promise.all([server.close(), pool.close()]);
  }
  return results;
}
