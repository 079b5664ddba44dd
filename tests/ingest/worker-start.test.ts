import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { workerExecArgv } from "../../src/ingest/worker-start.ts";

describe("worker threads' Node flags", () => {
  it("are the process's own less tsx's preloads, in each form tsx and the bench use", () => {
    expect(workerExecArgv(["--import", "tsx"])).toEqual([]);
    expect(
      workerExecArgv([
        "--require",
        "/srv/app/node_modules/tsx/dist/preflight.cjs",
        "--import",
        "file:///srv/app/node_modules/tsx/dist/loader.mjs",
        "--enable-source-maps",
      ]),
    ).toEqual(["--enable-source-maps"]);
    expect(workerExecArgv(["--import=tsx/esm", "--cpu-prof", "--cpu-prof-dir=profiles"])).toEqual([
      "--cpu-prof",
      "--cpu-prof-dir=profiles",
    ]);
    // Another preload (an operator's instrumentation) still runs in workers, as before.
    expect(workerExecArgv(["--require", "./otel-tsx-setup.cjs", "--import", "tsx-like"])).toEqual([
      "--require",
      "./otel-tsx-setup.cjs",
      "--import",
      "tsx-like",
    ]);
  });

  it("still let a worker read TypeScript when the process runs under tsx, with V8 flags a worker may not be given", async () => {
    const script = [
      'import { IngestPool } from "./src/ingest/ingest-pool.ts";',
      "const pool = new IngestPool({ size: 1, minBytes: 0 });",
      'const feed = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>One</title><link>https://t.example/1</link></item></channel></rss>`;',
      'const result = await pool.run({ body: Buffer.from(feed), contentType: "application/rss+xml", format: "auto", sourceId: "t", defaultSection: "world", sections: [], feedUrl: "https://t.example/", now: 0 });',
      "console.log(JSON.stringify({ threadId: result.threadId, titles: result.articles.map((a) => a.title) }));",
      "await pool.close();",
    ].join("\n");
    const flags = ["--max-old-space-size=512", "--stack-trace-limit=50", "--import", "tsx", "--input-type=module", "--eval", script];
    const { stdout } = await promisify(execFile)(process.execPath, flags, { cwd: process.cwd(), timeout: 15_000 });
    const answer = JSON.parse(stdout.trim()) as { threadId: number; titles: string[] };
    expect(answer.threadId).toBeGreaterThan(0);
    expect(answer.titles).toEqual(["One"]);
  });
});
