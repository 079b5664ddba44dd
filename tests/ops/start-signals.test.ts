import { execFile, spawn } from "node:child_process";
import { createServer, connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { DRAIN_TIMEOUT_MS } from "../../src/http/server/server.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/**
 * The drain gives up on open connections after DRAIN_TIMEOUT_MS; a process tree still there a few
 * seconds later never drained (the in-flight request's answer is what shows it drained rather than cut).
 */
const EXIT_BOUND_MS = DRAIN_TIMEOUT_MS + 5_000;
/** Start-up through npm, tsx's loader and the first reads, on a loaded machine (the suite runs files in parallel). */
const START_BOUND_MS = 45_000;
const groups: number[] = [];

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = START_BOUND_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * `npm start` exactly as a process manager runs it: npm is the process it
 * knows, in a process group of its own (so the test can find every process
 * npm started, even one npm left behind, and clean up with one kill).
 */
function npmStart(args: string[]) {
  const child = spawn("npm", ["start", "--", ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "info", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  groups.push(child.pid!);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** Live (not zombie) processes in a process group, by `ps`. */
async function liveProcessesIn(group: number): Promise<string[]> {
  const { stdout } = await promisify(execFile)("ps", ["-o", "pid=,stat=,args=", "-g", String(group)]).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }),
  );
  return stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !/^\d+\s+Z/.test(line));
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/** Sends raw bytes and collects what comes back until the server closes the socket. */
function rawClient(port: number) {
  const socket: Socket = connect(port, "127.0.0.1");
  let received = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => (received += chunk));
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", () => undefined);
  const connected = new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return { socket, connected, closed, received: () => received };
}

afterEach(() => {
  for (const group of groups.splice(0)) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // Already gone: what the test wants.
    }
  }
});

describe("npm start under a process manager", () => {
  it("drains on SIGTERM to the npm process: the in-flight request completes with Connection: close, and every process exits and frees the port", async () => {
    const server = npmStart(["--port", "0", "--host", "127.0.0.1"]);
    const base = await until("the start-up line", () => /(http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(server.output().stdout)?.[1]);
    const port = Number(new URL(base).port);
    await until("readiness", async () => ((await fetch(`${base}/ready`)).status === 200 ? true : undefined));

    // A keep-alive client whose request is in flight when the signal comes: its headers parsed (the
    // server's `100 Continue` says so), its body not yet sent.
    const body = JSON.stringify({ query: "{ sources { sourceId } }" });
    const client = rawClient(port);
    await client.connected;
    client.socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    );
    await until("100 Continue", () => (client.received().startsWith("HTTP/1.1 100 Continue\r\n\r\n") ? true : undefined));

    const signalled = Date.now();
    process.kill(server.child.pid!, "SIGTERM");
    await until(
      "the drain line",
      () => (server.output().stdout.includes("SIGTERM: draining in-flight requests") ? true : undefined),
      EXIT_BOUND_MS,
    );

    // The body arrives during the drain: the request is answered in full, and told the connection closes.
    client.socket.write(body);
    await client.closed;
    const [, head = "", answer = ""] = client.received().split("\r\n\r\n", 3);
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head.toLowerCase()).toMatch(/\r\nconnection: close(\r\n|$)/);
    expect(answer).toContain('"sourceId"');

    const exit = await Promise.race([
      server.exited,
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), EXIT_BOUND_MS)),
    ]);
    expect(exit).toEqual({ code: 0, signal: null });
    // No process npm started is left (tsx, node, a shell), and the port is free again.
    const left = await until(
      "the process group to empty",
      async () => ((await liveProcessesIn(server.child.pid!)).length === 0 ? [] : undefined),
      EXIT_BOUND_MS,
    ).catch(() => liveProcessesIn(server.child.pid!));
    expect(left).toEqual([]);
    expect(await portIsFree(port)).toBe(true);
    expect(Date.now() - signalled).toBeLessThan(EXIT_BOUND_MS);
  }, 150_000);

  it("drains on SIGINT to the npm process too", async () => {
    const server = npmStart(["--port", "0", "--host", "127.0.0.1"]);
    const base = await until("the start-up line", () => /(http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(server.output().stdout)?.[1]);
    const port = Number(new URL(base).port);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    process.kill(server.child.pid!, "SIGINT");
    const exit = await Promise.race([
      server.exited,
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), EXIT_BOUND_MS)),
    ]);
    expect(server.output().stdout).toContain("SIGINT: draining in-flight requests");
    expect(exit).toEqual({ code: 0, signal: null });
    const left = await until(
      "the process group to empty",
      async () => ((await liveProcessesIn(server.child.pid!)).length === 0 ? [] : undefined),
      EXIT_BOUND_MS,
    ).catch(() => liveProcessesIn(server.child.pid!));
    expect(left).toEqual([]);
    expect(await portIsFree(port)).toBe(true);
  }, 150_000);
});
