import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: children run from here, so `--import tsx` resolves. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** How long a child may take to say it is ready (tsx compiles the gateway on start). */
const DEFAULT_READY_TIMEOUT_MS = 60_000;
/** A child asked to stop gets this long before SIGTERM, and as long again before SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** A child's own clean-up (closing servers) is cut short after this, so it exits (and writes its CPU profile) in time. */
const CHILD_CLEANUP_MS = 2_000;
/** Bytes of a child's stderr kept, to explain a crash. */
const STDERR_TAIL_BYTES = 4096;

/** A message a bench child sends over IPC; `type` says which. */
export interface ChildMessage {
  type: string;
  [field: string]: unknown;
}

/**
 * Where processes run: the servers measured on one core, the load generator
 * (this process) and helpers on another, when `taskset` exists and there are
 * two cores or more. Otherwise nothing is pinned and the report says so.
 */
export interface Placement {
  pinned: boolean;
  serverCore: number;
  loadCore: number;
}

export function choosePlacement(): Placement {
  let taskset = false;
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
    taskset = true;
  } catch {
    taskset = false;
  }
  // The first two cores this process may use (a container's cpuset need not start at 0).
  const cores = coreList(ALL_CORES);
  const pinned = taskset && availableParallelism() >= 2 && cores.length >= 2;
  return { pinned, serverCore: cores[0] ?? 0, loadCore: cores[1] ?? 1 };
}

/** The cores of a CPU list as taskset and /proc write them ("0-3,8,10-11"); malformed parts are skipped. */
export function coreList(list: string): number[] {
  const cores: number[] = [];
  for (const part of list.split(",")) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!range) continue;
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    for (let core = first; core <= last && cores.length < 4096; core++) cores.push(core);
  }
  return cores;
}

/**
 * The cores this process may use, read when the bench starts (before `pinSelf`
 * narrows them), as taskset takes them: a container may allow only some.
 */
export const ALL_CORES = ((): string => {
  try {
    const allowed = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    if (allowed) return allowed;
  } catch {
    // Not Linux: taskset is missing too, and nothing is pinned.
  }
  return `0-${Math.max(1, cpus().length) - 1}`;
})();

/** Pins a process (every thread) to a core. */
export function pin(pid: number, core: number): void {
  execFileSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" });
}

/** Pins this process to the load core, so the load it generates stays off the servers' core. */
export function pinSelf(placement: Placement): void {
  if (placement.pinned) pin(process.pid, placement.loadCore);
}

export interface ChildOptions {
  /**
   * Where the child runs from its start: a core; `"all"`, every core of the
   * machine; or null, where the bench itself runs (a child inherits its
   * parent's affinity: the load core, once `pinSelf` has run). See `pin`.
   */
  core: number | "all" | null;
  args?: string[];
  /** Flags for node itself, before `--import tsx` (e.g. `--expose-gc`). */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * A bench child: `node --import tsx bench/<script>` pinned with taskset,
 * talking over IPC. Messages are queued until someone waits for their type.
 */
export class BenchChild {
  readonly process: ChildProcess;
  private readonly inbox: ChildMessage[] = [];
  private readonly waiters: { type: string; resolve: (m: ChildMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private stderr = "";
  private exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exitPromise: Promise<void>;

  constructor(
    readonly script: string,
    { core, args = [], nodeArgs = [], env }: ChildOptions,
  ) {
    const node = [...nodeArgs, "--import", "tsx", path.join(ROOT, "bench", script), ...args];
    const cores = core === "all" ? ALL_CORES : core;
    const [command, commandArgs] =
      cores === null ? [process.execPath, node] : ["taskset", ["-c", String(cores), process.execPath, ...node]];
    this.process = spawn(command, commandArgs, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe", "ipc"] });
    this.process.stderr!.setEncoding("utf8");
    this.process.stderr!.on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    this.process.on("message", (message: ChildMessage) => {
      const index = this.waiters.findIndex((w) => w.type === message.type || message.type === "error");
      if (index < 0) return void this.inbox.push(message);
      const [waiter] = this.waiters.splice(index, 1);
      clearTimeout(waiter!.timer);
      if (message.type === "error") waiter!.reject(new Error(`${this.script}: ${String(message.message)}`));
      else waiter!.resolve(message);
    });
    this.exitPromise = new Promise((resolve) => {
      this.process.on("exit", (code, signal) => {
        this.exited = { code, signal };
        for (const waiter of this.waiters.splice(0)) {
          clearTimeout(waiter.timer);
          waiter.reject(new Error(`${this.script} exited (${signal ?? code}) while the bench waited for "${waiter.type}"\n${this.stderr}`));
        }
        resolve();
      });
    });
  }

  /** The next message of `type` (queued or coming); rejects on an `error` message, exit or timeout. */
  next<T extends ChildMessage = ChildMessage>(type: string, timeoutMs = DEFAULT_READY_TIMEOUT_MS): Promise<T> {
    const queued = this.inbox.findIndex((m) => m.type === type || m.type === "error");
    if (queued >= 0) {
      const [message] = this.inbox.splice(queued, 1);
      return message!.type === "error"
        ? Promise.reject(new Error(`${this.script}: ${String(message!.message)}`))
        : Promise.resolve(message as T);
    }
    if (this.exited)
      return Promise.reject(new Error(`${this.script} has exited (${this.exited.signal ?? this.exited.code})\n${this.stderr}`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(
          this.waiters.findIndex((w) => w.timer === timer),
          1,
        );
        reject(new Error(`${this.script} sent no "${type}" within ${timeoutMs} ms\n${this.stderr}`));
      }, timeoutMs);
      this.waiters.push({ type, resolve: resolve as (m: ChildMessage) => void, reject, timer });
    });
  }

  /**
   * Pins the running child to a core: a server starts where the bench runs
   * (compiling its modules there) and is pinned once ready, before it is measured.
   */
  pin(core: number | null): void {
    if (core !== null && this.process.pid !== undefined) pin(this.process.pid, core);
  }

  send(message: ChildMessage): void {
    this.process.send(message);
  }

  /** Sends `message` and waits for the answer of `replyType`. */
  ask<T extends ChildMessage = ChildMessage>(message: ChildMessage, replyType: string, timeoutMs?: number): Promise<T> {
    const reply = this.next<T>(replyType, timeoutMs);
    this.send(message);
    return reply;
  }

  /** Asks the child to exit (a `stop` message, then SIGTERM, then SIGKILL) and waits until it has. */
  async stop(): Promise<void> {
    if (this.exited) return;
    // A child exiting on its own may close the channel under this send: the callback takes that error.
    if (this.process.connected) this.process.send({ type: "stop" }, () => undefined);
    const term = setTimeout(() => this.process.kill("SIGTERM"), STOP_GRACE_MS);
    const kill = setTimeout(() => this.process.kill("SIGKILL"), 2 * STOP_GRACE_MS);
    await this.exitPromise;
    clearTimeout(term);
    clearTimeout(kill);
  }
}

/** In a child: sends a message to the bench (no-op when run by hand without IPC). */
export function tell(message: ChildMessage): void {
  process.send?.(message);
}

/**
 * In a child: runs `handler` for each message from the bench; `stop` runs
 * `onStop` then exits, and a handler's failure is sent back as an `error`.
 */
export function listenToBench(
  handler: (message: ChildMessage) => Promise<void> | void,
  onStop: () => Promise<void> | void = () => undefined,
): void {
  process.on("message", (message: ChildMessage) => {
    if (message.type === "stop") {
      const cutShort = new Promise((resolve) => setTimeout(resolve, CHILD_CLEANUP_MS));
      void Promise.race([Promise.resolve(onStop()).catch(() => undefined), cutShort]).finally(() => process.exit(0));
      return;
    }
    Promise.resolve(handler(message)).catch((error: unknown) =>
      tell({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  // The bench went away (it crashed or was killed): do not linger.
  process.on("disconnect", () => process.exit(0));
}

/** In a child: reports a failure of its start-up to the bench, then exits. */
export function failStart(error: unknown): void {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (!process.send) console.error(message);
  tell({ type: "error", message });
  // Give the IPC message a moment to leave.
  setTimeout(() => process.exit(1), 100);
}
