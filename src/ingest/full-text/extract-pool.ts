import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { startWorker } from "../worker-start.ts";
import type { Extraction } from "./extract-article.ts";

/**
 * Threads that extract articles at most. Readability over a DOM holds a
 * thread 15 to 70 ms for a news page (measured on the fixtures: ars-1 14 ms,
 * lemonde-1 32 ms, bbc-1 70 ms, parsing included), which every request would
 * wait through on the event loop; two threads keep up with the pages a
 * refresh reads, at the per-host limit.
 */
export const EXTRACT_THREADS = 2;
/** An extraction that takes longer than this is stopped (its worker replaced) and the page counts as not extractable. */
export const EXTRACT_TIMEOUT_MS = 10_000;

/** Extracts a page's article; never rejects (a failure is an Extraction saying why). */
export type ExtractFunction = (body: Uint8Array, contentType: string | null) => Promise<Extraction>;

export interface ExtractTask {
  id: number;
  body: Uint8Array;
  contentType: string | null;
}

export interface ExtractReply {
  id: number;
  extraction: Extraction;
}

interface Task {
  id: number;
  body: Uint8Array;
  contentType: string | null;
  resolve: (extraction: Extraction) => void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  timer: NodeJS.Timeout | null;
}

const WORKER_URL = new URL("./extract-worker-entry.cjs", import.meta.url);

/**
 * Extraction on the calling thread: for tests and tools that read a handful
 * of pages. Readability and linkedom load on first use: a gateway without a
 * full-text source never loads them on its main thread.
 */
export const extractInline: ExtractFunction = async (body, contentType) =>
  (await import("./extract-article.ts")).extractArticle(body, contentType);

/**
 * Runs extractArticle on a few worker threads at a lower priority, so pages
 * read for full text never hold the event loop. Workers start on first use
 * and do not keep the process alive while idle; one that crashes or overruns
 * EXTRACT_TIMEOUT_MS is replaced, and its page counts as not extractable.
 */
export class ExtractPool {
  private readonly size: number;
  private readonly timeoutMs: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor({ size = Math.min(EXTRACT_THREADS, availableParallelism()), timeoutMs = EXTRACT_TIMEOUT_MS } = {}) {
    this.size = Math.max(1, Math.floor(size));
    this.timeoutMs = timeoutMs;
  }

  /** The pool as an ExtractFunction. */
  readonly run: ExtractFunction = (body, contentType) => {
    if (this.closed) return Promise.resolve(failed("the extraction pool was closed"));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, body, contentType, resolve });
      this.dispatch();
    });
  };

  /** Stops every worker; extractions queued or running answer as not extractable. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.resolve(failed("the extraction pool was closed"));
    await Promise.all(this.slots.splice(0).map((slot) => this.stop(slot, "the extraction pool was closed")));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.task === null);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const task = this.queue.shift()!;
      const running = slot;
      running.task = task;
      running.worker.ref();
      running.timer = setTimeout(() => {
        this.slots.splice(this.slots.indexOf(running), 1);
        void this.stop(running, `extraction took longer than ${this.timeoutMs} ms`);
        this.dispatch();
      }, this.timeoutMs);
      // The worker gets its own copy of the bytes, moved rather than cloned.
      const body = new Uint8Array(task.body);
      const message: ExtractTask = { id: task.id, body, contentType: task.contentType };
      running.worker.postMessage(message, [body.buffer]);
    }
  }

  private spawn(): Slot {
    const slot: Slot = { worker: startWorker(WORKER_URL), task: null, timer: null };
    slot.worker.unref();
    slot.worker.on("message", (reply: ExtractReply) => {
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
      this.finish(slot);
      task.resolve(reply.extraction);
      this.dispatch();
    });
    const fail = (message: string) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      this.slots.splice(index, 1);
      const task = slot.task;
      this.finish(slot);
      task?.resolve(failed(message));
      this.dispatch();
    };
    slot.worker.on("error", (error) => fail(`extraction failed: ${error.message}`));
    slot.worker.on("exit", (code) => fail(`extraction thread exited (code ${code})`));
    this.slots.push(slot);
    return slot;
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
    slot.worker.unref();
  }

  private async stop(slot: Slot, reason: string): Promise<void> {
    const task = slot.task;
    this.finish(slot);
    slot.worker.removeAllListeners("exit");
    task?.resolve(failed(reason));
    await slot.worker.terminate();
  }
}

function failed(message: string): Extraction {
  return { ok: false, code: "NOT_EXTRACTABLE", message };
}
