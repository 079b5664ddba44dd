import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { TEST_SECTIONS } from "../helpers/gateway.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));
const desk = readFileSync(new URL("../fixtures/feeds/desk.json", import.meta.url));

/** Runs `npm run check`'s command as a real process (stdout and stderr are pipes, so no progress bar). */
function check(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/check.ts", ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LOG_LEVEL: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

async function sourcesFile(sources: unknown[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "newsgate-check-"));
  const file = path.join(dir, "sources.json");
  await writeFile(file, JSON.stringify({ sections: TEST_SECTIONS, sources }));
  return file;
}

// Each case is a child process of about two seconds (tsx, the schema): they run side by side.
describe.concurrent("npm run check", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  beforeAll(async () => {
    upstream = await startFixtureServer({
      "/wire.rss": serveBody(wire, "application/rss+xml"),
      "/wire-once.rss": serveBody(wire, "application/rss+xml"),
      "/desk.json": serveBody(desk, "application/feed+json"),
      "/gone": (_req, res) => void res.writeHead(404).end(),
    });
  });
  afterAll(() => upstream?.close());

  it("reads every source once, prints a table and exits 1 when a source fails", async () => {
    const file = await sourcesFile([
      { id: "wire", name: "Wire", url: upstream.url("/wire-once.rss"), section: "technology" },
      { id: "gone", name: "Gone", url: upstream.url("/gone"), section: "technology" },
      { id: "idle", name: "Idle", url: upstream.url("/wire.rss"), section: "technology", enabled: false },
    ]);
    const { code, stdout, stderr } = await check(["--sources", file]);
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^SOURCE\s+STATUS\s+FORMAT\s+ITEMS\s+TIME\s+ERROR$/);
    expect(lines[1]).toMatch(/^wire\s+ok\s+rss\s+3\s+\d+ ms$/);
    expect(lines[2]).toMatch(/^gone\s+FAILED\s+-\s+0\s+\d+ ms\s+HTTP_STATUS: HTTP 404 Not Found$/);
    expect(lines[3]).toMatch(/^idle\s+disabled\s+-\s+-\s+-$/);
    expect(lines.at(-1)).toBe("1 of 2 sources failed");
    // Not a terminal: one plain progress line per source on stderr, no bar.
    expect(stderr).toMatch(/^\[\d\/2\] wire: ok \(3 items, rss\) in \d+ ms$/m);
    expect(stderr).toMatch(/^\[\d\/2\] gone: FAILED \(HTTP_STATUS: HTTP 404 Not Found\) in \d+ ms$/m);
    expect(stderr).not.toContain("\u001b[");
    expect(upstream.hits("/wire-once.rss")).toBe(1);
  });

  it("exits 0 when every source reads", async () => {
    const file = await sourcesFile([
      { id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" },
      { id: "desk", name: "Desk", url: upstream.url("/desk.json"), section: "science" },
    ]);
    const { code, stdout } = await check(["--sources", file]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^desk\s+ok\s+jsonfeed\s+1\s+\d+ ms$/m);
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("all 2 sources ok");
  });

  it("exits 2 with the start-up message on an invalid sources file", async () => {
    const file = await sourcesFile([{ id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "sport" }]);
    const { code, stderr } = await check(["--sources", file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`Invalid sources file: ${file}: source "wire", field \`section\``);
  });
});
