import { parentPort, threadId } from "node:worker_threads";
import { IngestError } from "./ingest-error.ts";
import { parseBody } from "./parse-body.ts";
import type { ParseRequest, ParseReply } from "./parse-off-thread.ts";

/** Worker entry: parses one body per message and answers with the result or a coded error. */
parentPort?.on("message", async (request: ParseRequest) => {
  let reply: ParseReply;
  try {
    const parsed = await parseBody(request.text, request.contentType, request.format, request.map);
    reply = { ok: true, parsed, threadId };
  } catch (error) {
    const coded = error instanceof IngestError ? error : new IngestError("PARSE_ERROR", error instanceof Error ? error.message : String(error));
    reply = { ok: false, code: coded.code, message: coded.message };
  }
  parentPort!.postMessage(reply);
});
