import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/ops/metrics.ts";
import { openGateway } from "../helpers/app-fetch.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";

const RSS = `<?xml version="1.0"?><rss version="2.0"><channel><title>W</title><link>https://w.example/</link><item><title>One</title><link>https://w.example/1</link></item></channel></rss>`;

/** Debian's promtool (package prometheus) on an exposition: its exit code and what it said. */
function promtool(exposition: string): { status: number | null; output: string } {
  const run = spawnSync("promtool", ["check", "metrics"], { input: exposition, encoding: "utf8" });
  if (run.error) throw new Error(`cannot run promtool (apt-get install -y prometheus): ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("the metrics exposition passes promtool", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;
  beforeAll(async () => {
    upstream = await startFixtureServer({ "/w.rss": serveBody(RSS, "application/rss+xml") });
    // As `npm start` makes them: with the process's own series.
    gateway = await openGateway(
      { sources: [{ id: "w", name: "W", url: upstream.url("/w.rss"), section: "technology" }] },
      { metrics: createMetrics({ processMetrics: true }) },
    );
    // Traffic, so that labelled series exist: a query, an error, a cache lookup, an upstream read.
    await gateway.query("query Front { articles(first: 1) { edges { node { title } } } }");
    await gateway.query("{ articles(first: 500) { totalCount } }");
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("exits 0 with nothing to say", async () => {
    const exposition = await (await gateway.fetch("/metrics")).text();
    expect(exposition).toContain("newsgate_graphql_operations_total");
    expect(exposition).toContain("newsgate_nodejs_active_handles");
    const { status, output } = promtool(exposition);
    expect(output).toBe("");
    expect(status).toBe(0);
  });
});
