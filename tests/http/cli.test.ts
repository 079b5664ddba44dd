import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SOURCES = fileURLToPath(new URL("../fixtures/sources.json", import.meta.url));
const children: ChildProcess[] = [];

/** Starts `npm start`'s command as a real process and resolves with its announced URL. */
function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, NODE_ENV: "development" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", () => {
      const match = /(http:\/\/\S+)\/graphql/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  // A test that expects the process to fail never awaits the URL.
  url.catch(() => undefined);
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

describe("npm start", () => {
  it("serves GraphQL, GraphiQL, /health and /ready, and drains on SIGTERM with exit code 0", async () => {
    const server = start(["--sources", SOURCES, "--port", "0", "--host", "127.0.0.1"]);
    const base = await server.url;
    expect(server.output().stdout).toContain(`${base}/graphql`);
    expect((await fetch(`${base}/health`)).status).toBe(200);

    let ready = 0;
    for (let i = 0; i < 200 && ready !== 200; i++) {
      ready = (await fetch(`${base}/ready`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 25));
    }
    expect(ready).toBe(200);

    const page = await fetch(`${base}/graphql`, { headers: { accept: "text/html" } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain("query ArticlePage");
    // Offline GraphiQL: no script or stylesheet from another host.
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:\/\//);

    const answer = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ articles(first: 101) { totalCount } sections { slug } }" }),
    }).then((r) => r.json());
    expect(answer.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    // Even with NODE_ENV=development, unexpected errors stay masked: no stack traces.
    expect(JSON.stringify(answer)).not.toContain("stack");

    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });

  it("takes its settings from the environment when no flag is given", async () => {
    const server = start([], { NEWSGATE_SOURCES: SOURCES, PORT: "0", HOST: "127.0.0.1" });
    const base = await server.url;
    const answer = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ sources { sourceId } }" }),
    }).then((r) => r.json());
    expect(answer.data.sources.map((s: { sourceId: string }) => s.sourceId)).toEqual(["wire", "digest", "desk", "market", "brief"]);
    server.child.kill("SIGINT");
    expect(await server.exited).toBe(0);
  });

  it("refuses to start on an invalid sources file, naming the file, the source and the field", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "newsgate-cli-"));
    const file = path.join(dir, "sources.json");
    await writeFile(
      file,
      JSON.stringify({
        sections: [{ slug: "news", name: "News" }],
        sources: [{ id: "wire", name: "Wire", url: "https://wire.example/", section: "sport" }],
      }),
    );
    const server = start(["--sources", file, "--port", "0"]);
    expect(await server.exited).toBe(1);
    expect(server.output().stderr).toContain(
      `Invalid sources file: ${file}: source "wire", field \`section\`: must be one of the sections' slugs (news)`,
    );
  });
});
