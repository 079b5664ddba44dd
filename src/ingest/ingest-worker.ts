import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, threadId } from "node:worker_threads";
import { ingestBody } from "./ingest-body.ts";
import { IngestError } from "./ingest-error.ts";
import { NormalizedItemMemo } from "./item-memo.ts";
import type { IngestReply, IngestTask } from "./ingest-pool.ts";

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
const WORKER_NICENESS = 10;

lowerOwnPriority();

/** Items this thread has normalized: the pool sends a source back to the thread that read it last. */
const memo = new NormalizedItemMemo();

/** Worker entry: reads one body per message and answers with the result or a coded error. */
parentPort?.on("message", async ({ id, request, known }: IngestTask) => {
  let reply: IngestReply;
  try {
    const result = await ingestBody(request, memo);
    // What the serving thread already holds is not sent back: it takes its own copy by hash.
    const held = new Set(known);
    const articles =
      held.size === 0 ? result.articles : result.articles.map((article, i) => (held.has(result.articleHashes[i]!) ? null : article));
    reply = { id, ok: true, result: { ...result, articles }, threadId };
  } catch (error) {
    const coded =
      error instanceof IngestError ? error : new IngestError("PARSE_ERROR", error instanceof Error ? error.message : String(error));
    reply = { id, ok: false, code: coded.code, message: coded.message };
  }
  parentPort!.postMessage(reply);
});

/**
 * Reading feeds is background work: on Linux this thread (not the process)
 * gets a lower priority, so on a busy machine the serving thread keeps its
 * core and requests do not wait behind a refresh. Elsewhere it is a no-op.
 */
function lowerOwnPriority(): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, WORKER_NICENESS);
  } catch {
    // Not Linux, or not allowed: the thread keeps the process's priority.
  }
}
