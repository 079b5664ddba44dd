import { Worker } from "node:worker_threads";
import type { JsonFieldMap, SourceFormat } from "../config/sources-file.ts";
import { IngestError, type IngestErrorCode } from "./ingest-error.ts";
import { parseBody, type ParsedBody } from "./parse-body.ts";

/**
 * Bodies at least this long are parsed in a worker thread: the XML parser is
 * synchronous and a 14 MB feed holds the event loop for about 0.6 s, which
 * every other request would wait through.
 */
export const OFF_THREAD_MIN_CHARS = 1024 * 1024;
/** A parse that takes longer than this is stopped (the worker is terminated). */
export const PARSE_TIMEOUT_MS = 15_000;

export interface ParseRequest {
  text: string;
  contentType: string | null;
  format: SourceFormat;
  map?: JsonFieldMap;
}

export type ParseReply = { ok: true; parsed: ParsedBody; threadId: number } | { ok: false; code: IngestErrorCode; message: string };

const WORKER_URL = new URL("./parse-worker-entry.mjs", import.meta.url);

/** Parses small bodies inline and large ones in a fresh worker thread, bounded in time. */
export async function parseBodyBounded(request: ParseRequest, options: { minChars?: number; timeoutMs?: number } = {}): Promise<ParsedBody & { threadId: number }> {
  const { minChars = OFF_THREAD_MIN_CHARS, timeoutMs = PARSE_TIMEOUT_MS } = options;
  if (request.text.length < minChars) {
    return { ...(await parseBody(request.text, request.contentType, request.format, request.map)), threadId: 0 };
  }
  const worker = new Worker(WORKER_URL);
  try {
    const reply = await new Promise<ParseReply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new IngestError("PARSE_ERROR", `parsing took longer than ${timeoutMs} ms`)), timeoutMs);
      worker.once("message", (message: ParseReply) => {
        clearTimeout(timer);
        resolve(message);
      });
      worker.once("error", (error) => {
        clearTimeout(timer);
        reject(new IngestError("PARSE_ERROR", `parser failed: ${error.message}`, { cause: error }));
      });
      worker.postMessage(request);
    });
    if (!reply.ok) throw new IngestError(reply.code, reply.message);
    return { ...reply.parsed, threadId: reply.threadId };
  } finally {
    await worker.terminate();
  }
}
