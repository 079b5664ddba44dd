import { parentPort } from "node:worker_threads";
import { lowerOwnPriority } from "../thread-priority.ts";
import { extractArticle } from "./extract-article.ts";
import type { ExtractReply, ExtractTask } from "./extract-pool.ts";

lowerOwnPriority();

/** Worker entry: extracts one page per message (extractArticle never throws, so every message gets its answer). */
parentPort?.on("message", ({ id, body, contentType }: ExtractTask) => {
  const reply: ExtractReply = { id, extraction: extractArticle(body, contentType) };
  parentPort!.postMessage(reply);
});
