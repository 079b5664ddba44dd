import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { readThreadCpu, threadCpuSince } from "../../bench/thread-cpu.ts";

// A thread that lowers its own priority, as the ingest workers do, then spins for `ms` of CPU.
const NICE_SPINNER = `
  const { readlinkSync } = require("node:fs");
  const { setPriority } = require("node:os");
  const { parentPort, workerData } = require("node:worker_threads");
  if (workerData.nice) setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), 10);
  const { readFileSync } = require("node:fs");
  // This thread's own CPU (process.cpuUsage would count every thread's).
  const ownMs = () => { const f = readFileSync("/proc/thread-self/stat", "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) * 10; };
  const start = ownMs();
  while (ownMs() - start < workerData.ms) for (let i = 0; i < 1e5; i++);
  parentPort.postMessage("done");
  // Stays alive until terminated: an ended thread leaves /proc, and its CPU with it.
  setInterval(() => {}, 1000);
`;

describe.runIf(existsSync("/proc/self/task"))("readThreadCpu", () => {
  it("counts a thread that lowered its priority as a parser thread, and one that did not as other", async () => {
    // Both workers say when they are done and stay alive, so the reading sees them.
    const before = readThreadCpu();
    const niceWorker = new Worker(NICE_SPINNER, { eval: true, workerData: { nice: true, ms: 300 } });
    const plainWorker = new Worker(NICE_SPINNER, { eval: true, workerData: { nice: false, ms: 300 } });
    await Promise.all([niceWorker, plainWorker].map((w) => new Promise((resolve) => w.once("message", resolve))));
    const spent = threadCpuSince(before, readThreadCpu());
    await Promise.all([niceWorker.terminate(), plainWorker.terminate()]);
    expect(spent).not.toBeNull();
    // Each spinner used at least 300 ms; ticks are 10 ms, so allow one tick of rounding.
    expect(spent!.parserMs).toBeGreaterThanOrEqual(290);
    expect(spent!.otherMs).toBeGreaterThanOrEqual(290);
    // The spinning was not counted twice, nor as the main thread's.
    expect(spent!.parserMs).toBeLessThan(300 + 250);
  });

  it("gives null when either reading is missing", () => {
    expect(threadCpuSince(null, readThreadCpu())).toBeNull();
  });
});
