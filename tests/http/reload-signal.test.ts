import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { TEST_SECTIONS } from "../helpers/gateway.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));
const desk = readFileSync(new URL("../fixtures/feeds/desk.json", import.meta.url));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("SIGHUP reloads the sources file (npm start as a real process)", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let child: ChildProcess;
  let stdout = "";
  let file: string;

  beforeAll(async () => {
    upstream = await startFixtureServer({
      "/wire.rss": serveBody(wire, "application/rss+xml"),
      "/desk.json": serveBody(desk, "application/feed+json"),
    });
    file = path.join(await mkdtemp(path.join(tmpdir(), "newsgate-hup-")), "sources.json");
    await writeFile(
      file,
      JSON.stringify({
        sections: TEST_SECTIONS,
        sources: [{ id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" }],
      }),
    );
    child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--sources", file, "--port", "0", "--host", "127.0.0.1"], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (chunk) => (stdout += chunk));
  });
  afterAll(async () => {
    child?.kill("SIGKILL");
    await upstream?.close();
  });

  const logLines = () =>
    stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, any>);
  const sourceIds = async (base: string) => {
    const answer = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ sources { sourceId } }" }),
    }).then((r) => r.json());
    expect(answer.errors).toBeUndefined();
    return answer.data.sources.map((s: { sourceId: string }) => s.sourceId) as string[];
  };

  it("adds a source on SIGHUP, then refuses an invalid file with a log line that says why and keeps the old one", async () => {
    const base = await until("the start-up line", () => /(http:\/\/\S+)\/graphql/.exec(stdout)?.[1]);
    await until("readiness", async () => ((await fetch(`${base}/ready`)).status === 200 ? true : undefined));
    expect(await sourceIds(base)).toEqual(["wire"]);

    await writeFile(
      file,
      JSON.stringify({
        sections: TEST_SECTIONS,
        sources: [
          { id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" },
          { id: "desk", name: "Desk", url: upstream.url("/desk.json"), section: "science" },
        ],
      }),
    );
    child.kill("SIGHUP");
    const reloaded = await until("the reload line", () => logLines().find((l) => l.msg?.startsWith("sources file reloaded")));
    expect(reloaded).toMatchObject({ level: 30, trigger: "SIGHUP", added: ["desk"], removed: [], changed: [], unchanged: 1 });
    expect(await sourceIds(base)).toEqual(["wire", "desk"]);
    // The unchanged source was not read again; the added one was read once.
    expect(upstream.hits("/wire.rss")).toBe(1);
    expect(upstream.hits("/desk.json")).toBe(1);

    await writeFile(
      file,
      JSON.stringify({
        sections: TEST_SECTIONS,
        sources: [{ id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "sport" }],
      }),
    );
    child.kill("SIGHUP");
    const refused = await until("the refusal line", () => logLines().find((l) => l.msg?.startsWith("sources file reload refused")));
    expect(refused.level).toBe(50);
    expect(refused.msg).toContain(`${file}: source "wire", field \`section\`: must be one of the sections' slugs`);
    expect(refused.msg).toContain("the previous configuration stays in force");
    expect(await sourceIds(base)).toEqual(["wire", "desk"]);

    child.kill("SIGTERM");
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(0);
  }, 90_000);
});
