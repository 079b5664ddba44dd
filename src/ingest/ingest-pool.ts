import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { LRUCache } from "lru-cache";
import { ingestBody, type IngestedBody, type IngestRequest } from "./ingest-body.ts";
import type { Article } from "../model/article.ts";
import { IngestError } from "./ingest-error.ts";
import { NormalizedItemMemo } from "./item-memo.ts";
import { startWorker } from "./worker-start.ts";
import type { IngestErrorCode } from "../model/source-snapshot.ts";

/**
 * Bodies at least this long are read on a worker thread. Decoding, parsing and
 * normalizing a 200 KB feed holds a thread for about 50 ms, which every request
 * would wait through on the event loop; below this size a worker's message
 * round trip costs more than it saves.
 */
export const OFF_THREAD_MIN_BYTES = 32 * 1024;
/** A read that takes longer than this on its worker is stopped (the worker is replaced). */
export const INGEST_TIMEOUT_MS = 15_000;

/** Articles a source already holds, with their hashes (same order): a read may share them rather than copy them. */
export interface HeldArticles {
  articles: Article[];
  hashes: string[];
}

/** What the pool asks a worker: a body to read, and the hashes of the articles the source holds. */
export interface IngestTask {
  id: number;
  request: IngestRequest;
  known: string[];
}

/** A worker's result: an article the source already held comes back as null, to be taken from what it holds. */
export type IngestReply =
  | { id: number; ok: true; result: Omit<IngestedBody, "articles"> & { articles: (Article | null)[] }; threadId: number }
  | { id: number; ok: false; code: IngestErrorCode; message: string };

export interface IngestPoolOptions {
  /** Worker threads at most. @default the machine's parallelism, 1 to 4 */
  size?: number;
  /** @default OFF_THREAD_MIN_BYTES */
  minBytes?: number;
  /** @default INGEST_TIMEOUT_MS */
  timeoutMs?: number;
}

interface Task {
  id: number;
  request: IngestRequest;
  held: HeldArticles | undefined;
  resolve: (result: IngestedBody & { threadId: number }) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  task: Task | null;
  timer: NodeJS.Timeout | null;
}

const WORKER_URL = new URL("./ingest-worker-entry.cjs", import.meta.url);
/** Sources whose last worker is remembered: as many as the feed cache holds (MAX_CACHED_SOURCES). */
const MAX_REMEMBERED_SOURCES = 10_000;

/**
 * Runs `ingestBody` for large bodies on a small pool of worker threads, so a
 * refresh of hundreds of sources never holds the event loop; small bodies are
 * read inline. Workers start on first use, run at a lower CPU priority than
 * the serving thread, and do not keep the process alive while idle. A worker
 * that crashes or overruns its time limit is replaced; its read fails with a
 * PARSE_ERROR and the source keeps its held articles. There is no process-wide
 * pool: whoever makes one passes it to what reads sources and closes it (or
 * leaves its idle, unref'd workers to the process's exit).
 */
export class IngestPool {
  private readonly size: number;
  private readonly minBytes: number;
  private readonly timeoutMs: number;
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Task[] = [];
  /** Items normalized on this thread (small bodies); each worker keeps its own. */
  private readonly memo = new NormalizedItemMemo();
  /**
   * The worker that last read each source: it holds that source's items in its memo. Bounded:
   * sources removed by a reload are never read again and fall out of it (the pool may serve
   * more than one gateway, so none of them drops a source here).
   */
  private readonly lastWorker = new LRUCache<string, PoolWorker>({ max: MAX_REMEMBERED_SOURCES });
  private nextId = 1;
  private closed = false;

  constructor({ size = defaultPoolSize(), minBytes = OFF_THREAD_MIN_BYTES, timeoutMs = INGEST_TIMEOUT_MS }: IngestPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(size));
    this.minBytes = minBytes;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Reads one body, on a worker when it is large; threadId 0 means inline.
   * Articles that are the same as `held` ones (by hash) are those very
   * objects: they do not cross between threads, and the serving thread makes
   * no new copy of a story it already holds.
   */
  async run(request: IngestRequest, held?: HeldArticles): Promise<IngestedBody & { threadId: number }> {
    if (request.body.byteLength < this.minBytes || this.closed) return { ...(await ingestBody(request, this.memo)), threadId: 0 };
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, held, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Starts every worker now rather than on the first large body: a worker
   * takes up to a second to load its modules, which a server starting up can
   * spend while its first fetches are on the wire.
   */
  warm(): void {
    while (!this.closed && this.workers.length < this.size) this.spawn();
  }

  /** Worker threads started and not stopped. */
  get threads(): number {
    return this.workers.length;
  }

  /** Stops every worker; reads still queued or running fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new IngestError("PARSE_ERROR", "the ingest pool was closed"));
    await Promise.all(this.workers.splice(0).map((slot) => this.stop(slot, "the ingest pool was closed")));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      // A source goes back to the worker that read it last, when it is free, for that worker's memo.
      const last = this.lastWorker.get(this.queue[0]!.request.sourceId);
      let slot = last && last.task === null && this.workers.includes(last) ? last : undefined;
      slot ??= this.workers.find((w) => w.task === null);
      if (!slot && this.workers.length < this.size) slot = this.spawn();
      if (!slot) return;
      const task = this.queue.shift()!;
      this.lastWorker.set(task.request.sourceId, slot);
      slot.task = task;
      slot.worker.ref();
      slot.timer = setTimeout(() => {
        void this.stop(slot!, `parsing took longer than ${this.timeoutMs} ms`);
        this.workers.splice(this.workers.indexOf(slot!), 1);
        this.dispatch();
      }, this.timeoutMs);
      // The worker gets its own copy of the bytes, moved rather than cloned.
      const body = new Uint8Array(task.request.body);
      const message: IngestTask = { id: task.id, request: { ...task.request, body }, known: task.held?.hashes ?? [] };
      slot.worker.postMessage(message, [body.buffer]);
    }
  }

  private spawn(): PoolWorker {
    const slot: PoolWorker = { worker: startWorker(WORKER_URL), task: null, timer: null };
    slot.worker.unref();
    slot.worker.on("message", (reply: IngestReply) => {
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
      this.finish(slot);
      if (reply.ok) {
        const articles = withHeld(reply.result.articles, reply.result.articleHashes, task.held);
        if (articles) task.resolve({ ...reply.result, articles, threadId: reply.threadId });
        else task.reject(new IngestError("PARSE_ERROR", "the parser thread named a held article the source does not hold"));
      } else task.reject(new IngestError(reply.code, reply.message));
      this.dispatch();
    });
    const fail = (message: string) => {
      const index = this.workers.indexOf(slot);
      if (index < 0) return;
      this.workers.splice(index, 1);
      this.forget(slot);
      const task = slot.task;
      this.finish(slot);
      task?.reject(new IngestError("PARSE_ERROR", message));
      this.dispatch();
    };
    slot.worker.on("error", (error) => fail(`parser failed: ${error.message}`));
    slot.worker.on("exit", (code) => fail(`parser thread exited (code ${code})`));
    this.workers.push(slot);
    return slot;
  }

  /** A worker that is gone no longer holds any source's items. */
  private forget(slot: PoolWorker): void {
    const held = [...this.lastWorker.entries()].filter(([, last]) => last === slot);
    for (const [sourceId] of held) this.lastWorker.delete(sourceId);
  }

  private finish(slot: PoolWorker): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
    slot.worker.unref();
  }

  private async stop(slot: PoolWorker, reason: string): Promise<void> {
    const task = slot.task;
    this.finish(slot);
    this.forget(slot);
    slot.worker.removeAllListeners("exit");
    task?.reject(new IngestError("PARSE_ERROR", reason));
    await slot.worker.terminate();
  }
}

/** The articles of a reply, held ones (null in it) taken from `held` by hash; null if one is missing. */
function withHeld(articles: (Article | null)[], hashes: string[], held: HeldArticles | undefined): Article[] | null {
  let byHash: Map<string, Article> | null = null;
  const out: Article[] = [];
  for (let i = 0; i < articles.length; i++) {
    const article = articles[i];
    if (article) {
      out.push(article);
      continue;
    }
    byHash ??= new Map(held?.hashes.map((hash, at) => [hash, held.articles[at]!]) ?? []);
    const same = byHash.get(hashes[i]!);
    if (!same) return null;
    out.push(same);
  }
  return out;
}

function defaultPoolSize(): number {
  return Math.min(4, Math.max(1, availableParallelism()));
}
