import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";

/**
 * How much lower than the serving thread's a worker's priority is (Linux nice
 * levels): a waking serving thread must get a shared core at once. At 10 a
 * worker gets about a tenth of a core the serving thread keeps busy, and all
 * of what it leaves idle. Background indexing waits for quiet moments, so
 * during a refresh of every source the serving thread leaves much of its core
 * idle: the round is no slower than at a milder level, and the serving
 * thread's event-loop delay is lower. On a machine with a core to spare, the
 * worker runs there.
 */
export const WORKER_NICENESS = 10;

/**
 * Reading feeds and pages is background work: on Linux the calling thread (not
 * the process) gets a lower priority, so on a busy machine the serving thread
 * keeps its core and requests do not wait behind a refresh. Elsewhere it is a no-op.
 */
export function lowerOwnPriority(): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, WORKER_NICENESS);
  } catch {
    // Not Linux, or not allowed: the thread keeps the process's priority.
  }
}
