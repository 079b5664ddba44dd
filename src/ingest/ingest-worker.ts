import { parentPort, threadId } from "node:worker_threads";
import { ingestBody } from "./ingest-body.ts";
import { IngestError } from "./ingest-error.ts";
import { NormalizedItemMemo } from "./item-memo.ts";
import { lowerOwnPriority } from "./thread-priority.ts";
import type { IngestReply, IngestTask } from "./ingest-pool.ts";

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
