import { readdirSync, readFileSync } from "node:fs";

/** CPU milliseconds this process has spent: on its main thread, and on every other thread (workers, loader hooks, libuv, GC helpers). */
export interface ThreadCpu {
  mainMs: number;
  otherMs: number;
}

/**
 * Reads each thread's CPU time from /proc, so a scenario can say which thread
 * its time went to. Null where /proc is missing (not Linux). Threads that
 * ended before the reading (a replaced worker) are not counted.
 */
export function readThreadCpu(): ThreadCpu | null {
  try {
    const ticksPerMs = 100 / 1000; // USER_HZ is 100 on every Linux Node supports
    let mainMs = 0;
    let otherMs = 0;
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // Fields after the command name (which may hold spaces) start at its closing parenthesis; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ms = (Number(fields[11]) + Number(fields[12])) / ticksPerMs;
      if (Number(tid) === process.pid) mainMs += ms;
      else otherMs += ms;
    }
    return { mainMs, otherMs };
  } catch {
    return null;
  }
}

/** CPU spent between two readings, or null when either is missing. */
export function threadCpuSince(before: ThreadCpu | null, after: ThreadCpu | null): ThreadCpu | null {
  return before && after ? { mainMs: after.mainMs - before.mainMs, otherMs: after.otherMs - before.otherMs } : null;
}
