/**
 * Long computations on the serving thread (building a catalog of 100k
 * articles) are written as generators that `yield` at safe points. A driver
 * then runs them either in one go (tests, benches) or in slices of a few
 * milliseconds between which the event loop serves requests.
 */
export type Steps<T> = Generator<void, T, void>;

/** Milliseconds of work between two turns of the event loop. */
export const SLICE_MS = 8;

/** Runs every step now, synchronously. */
export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Runs steps for at most `sliceMs` at a time, letting the event loop turn in between. */
export async function runSliced<T>(steps: Steps<T>, { sliceMs = SLICE_MS, now = () => performance.now() }: { sliceMs?: number; now?: () => number } = {}): Promise<T> {
  for (;;) {
    const deadline = now() + sliceMs;
    for (;;) {
      const next = steps.next();
      if (next.done) return next.value;
      if (now() >= deadline) break;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Work that runs in slices in the background but can be asked for at any
 * time: `result()` finishes what is left synchronously, so a caller never
 * sees it unfinished and the work is never done twice.
 */
export class BackgroundSteps<T> {
  private value: { result: T } | { error: unknown } | null = null;
  private started = false;
  private stopped = false;
  private waiting: { resolve: (value: T) => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly steps: Steps<T>) {}

  /** Starts slicing in the background (idempotent). */
  start(sliceMs = SLICE_MS): void {
    this.stopped = false;
    if (this.started || this.value) return;
    this.started = true;
    const tick = () => {
      if (this.value) return;
      if (this.stopped) {
        this.started = false;
        return;
      }
      const deadline = performance.now() + sliceMs;
      while (!this.value && performance.now() < deadline) this.advance();
      if (!this.value) setImmediate(tick);
    };
    setImmediate(tick);
  }

  /** The result once the background work is done, without holding the event loop (starts it if needed). */
  whenDone(): Promise<T> {
    if (this.value) {
      try {
        return Promise.resolve(this.result());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const promise = new Promise<T>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.start();
    return promise;
  }

  /** Stops slicing in the background; `result()` still finishes the work when asked. */
  stop(): void {
    this.stopped = true;
  }

  get done(): boolean {
    return this.value !== null;
  }

  /** The result, finishing the work now if the background has not; throws what the work threw. */
  result(): T {
    while (!this.value) this.advance();
    if ("error" in this.value) throw this.value.error;
    return this.value.result;
  }

  private advance(): void {
    try {
      const next = this.steps.next();
      if (next.done) this.value = { result: next.value };
    } catch (error) {
      // Kept for `result()` to throw: a failure in the background must not crash the process.
      this.value = { error };
    }
    if (this.value && this.waiting.length > 0) {
      const value = this.value;
      for (const waiter of this.waiting.splice(0)) {
        if ("error" in value) waiter.reject(value.error);
        else waiter.resolve(value.result);
      }
    }
  }
}
