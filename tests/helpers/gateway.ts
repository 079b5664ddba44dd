import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadSourcesFile } from "../../src/config/sources-file.ts";
import { createGateway, type GatewayDeps } from "../../src/create-gateway.ts";
import { listen } from "../../src/http/server/server.ts";

export const TEST_SECTIONS = [
  { slug: "technology", name: "Technology" },
  { slug: "startups", name: "Startups" },
  { slug: "science", name: "Science" },
  { slug: "business", name: "Business" },
];

export type TestSourcesFile = { sections?: unknown[]; sources: unknown[] };

/** Writes a sources file into a fresh temp folder and builds a gateway on it, not listening. */
export async function buildGateway(sourcesFile: TestSourcesFile, deps: Omit<GatewayDeps, "config"> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), "newsgate-test-"));
  const file = path.join(dir, "sources.json");
  await writeFile(file, JSON.stringify({ sections: sourcesFile.sections ?? TEST_SECTIONS, sources: sourcesFile.sources }));
  const config = await loadSourcesFile(file);
  // No jitter in tests: refresh times are exactly the configured ones.
  return { gateway: createGateway({ config, random: () => 0.5, ...deps }), dir };
}

/** Writes a sources file into a fresh temp folder and starts a real gateway on 127.0.0.1. */
export async function startGateway(sourcesFile: TestSourcesFile, deps: Omit<GatewayDeps, "config"> = {}) {
  const { gateway, dir } = await buildGateway(sourcesFile, deps);
  const running = await listen(gateway.app, 0, "127.0.0.1");
  return {
    ...gateway,
    dir,
    url: running.url,
    close: async () => {
      await gateway.shutdown();
      await running.close();
    },
    /** POSTs a query over real HTTP and returns the parsed JSON answer. */
    query: async <T = any>(query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: any[] }> => {
      const response = await fetch(`${running.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data?: T; errors?: any[] };
    },
  };
}
