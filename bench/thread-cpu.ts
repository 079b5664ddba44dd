import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU milliseconds this process has spent: on its main thread, on its parser
 * threads (the ingest workers, told apart by the lower priority they give
 * themselves), and on every other thread (loader hooks, libuv, GC and compiler helpers).
 */
export interface ThreadCpu {
  mainMs: number;
  parserMs: number;
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
    let parserMs = 0;
    let otherMs = 0;
    let mainNice = 0;
    const others: { ms: number; nice: number }[] = [];
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // Fields after the command name (which may hold spaces) start at its closing parenthesis (field 3);
      // utime and stime are fields 14 and 15, nice is field 19.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ms = (Number(fields[11]) + Number(fields[12])) / ticksPerMs;
      const nice = Number(fields[16]);
      if (Number(tid) === process.pid) {
        mainMs += ms;
        mainNice = nice;
      } else others.push({ ms, nice });
    }
    for (const thread of others) {
      if (thread.nice > mainNice) parserMs += thread.ms;
      else otherMs += thread.ms;
    }
    return { mainMs, parserMs, otherMs };
  } catch {
    return null;
  }
}

/** CPU spent between two readings, or null when either is missing. */
export function threadCpuSince(before: ThreadCpu | null, after: ThreadCpu | null): ThreadCpu | null {
  if (!before || !after) return null;
  return { mainMs: after.mainMs - before.mainMs, parserMs: after.parserMs - before.parserMs, otherMs: after.otherMs - before.otherMs };
}
