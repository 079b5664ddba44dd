/**
 * Long computations on the serving thread (building a catalog of 100k
 * articles, its indexes) are written as generators that `yield` at safe
 * points. A driver then runs them either in one go (tests, benches) or in
 * slices between which the event loop serves requests.
 *
 * Every sliced computation in the process shares one budget per turn of the
 * event loop: a catalog build and two index builds running at once each
 * taking their own slice would hold the loop three times as long.
 */
export type Steps<T> = Generator<void, T, void>;

/**
 * Milliseconds of sliced work, all computations together, per turn of the
 * event loop. A turn that runs a slice also runs whatever I/O is ready, so the
 * slice is kept well under the 20 ms a turn may take: during a refresh of
 * every source the I/O of a turn can take most of that budget by itself.
 */
export const SLICE_MS = 3;

/** Runs every step now, synchronously. */
export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** One step of a scheduled computation; true once it is finished. */
type Step = () => boolean;

/** Work someone waits for (a catalog build, an index a request needs) runs before background work. */
const urgent = new Set<Step>();
const background = new Set<Step>();
/** The next slice, when one is due: on the next turn, or after a pause (background work only). */
let next: { immediate: NodeJS.Immediate } | { timer: NodeJS.Timeout } | null = null;

function schedule(step: Step, isUrgent: boolean): void {
  if (isUrgent) {
    background.delete(step);
    urgent.add(step);
  } else if (!urgent.has(step)) {
    background.add(step);
  }
  scheduleSlice();
}

/**
 * Urgent work runs a slice every turn. Background work alone pauses as long
 * as it ran between its slices: the thread then sleeps half the time, so the
 * parser threads (at a lower priority) get the core, and a refresh is not
 * starved by indexing that nobody waits for.
 */
function scheduleSlice(): void {
  if (urgent.size > 0) {
    if (next && "immediate" in next) return;
    if (next && "timer" in next) clearTimeout(next.timer);
    next = { immediate: setImmediate(runSlice) };
  } else if (background.size > 0 && !next) {
    next = { timer: setTimeout(runSlice, SLICE_MS) };
  }
}

function unschedule(step: Step): void {
  urgent.delete(step);
  background.delete(step);
}

/** One turn's slice: urgent computations first, each a step at a time in turn, until the budget is spent. */
function runSlice(): void {
  next = null;
  const deadline = performance.now() + SLICE_MS;
  for (const queue of [urgent, background]) {
    while (queue.size > 0) {
      for (const step of queue) {
        if (step()) queue.delete(step);
        if (performance.now() >= deadline) break;
      }
      if (performance.now() >= deadline) break;
    }
    if (performance.now() >= deadline) break;
  }
  scheduleSlice();
}

/** The same steps, adding the time each takes to `spent.ms`: what sliced work cost the thread, whatever its spread. */
export function* timedSteps<T>(steps: Steps<T>, spent: { ms: number }): Steps<T> {
  for (;;) {
    const started = performance.now();
    const next = steps.next();
    spent.ms += performance.now() - started;
    if (next.done) return next.value;
    yield;
  }
}

/** Runs steps in slices between turns of the event loop, ahead of background work. */
export function runSliced<T>(steps: Steps<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const step: Step = () => {
      try {
        const next = steps.next();
        if (next.done) resolve(next.value);
        return next.done === true;
      } catch (error) {
        reject(error);
        return true;
      }
    };
    schedule(step, true);
  });
}

/**
 * Work that runs in slices in the background but can be asked for at any
 * time: `result()` finishes what is left synchronously, so a caller never
 * sees it unfinished and the work is never done twice.
 */
export class BackgroundSteps<T> {
  private value: { result: T } | { error: unknown } | null = null;
  private waiting: { resolve: (value: T) => void; reject: (error: unknown) => void }[] = [];
  private readonly step: Step = () => {
    this.advance();
    return this.value !== null;
  };

  /** `onDone` is told the result once the work is done, however it got done. */
  private steps: Steps<T> | null;

  constructor(
    steps: Steps<T>,
    private readonly onDone: ((result: T) => void) | null = null,
  ) {
    this.steps = steps;
  }

  /** Starts slicing in the background (idempotent). */
  start(): void {
    if (!this.value) schedule(this.step, false);
  }

  /** Stops slicing in the background; `result()` and `whenDone()` still finish the work when asked. */
  stop(): void {
    if (this.waiting.length === 0) unschedule(this.step);
  }

  get done(): boolean {
    return this.value !== null;
  }

  /** The result once the work is done, without holding the event loop; someone waiting makes it urgent. */
  whenDone(): Promise<T> {
    if (this.value) {
      try {
        return Promise.resolve(this.result());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const promise = new Promise<T>((resolve, reject) => this.waiting.push({ resolve, reject }));
    schedule(this.step, true);
    return promise;
  }

  /** The result, finishing the work now if the background has not; throws what the work threw. */
  result(): T {
    while (!this.value) this.advance();
    unschedule(this.step);
    if ("error" in this.value) throw this.value.error;
    return this.value.result;
  }

  private advance(): void {
    if (this.value) return;
    try {
      const next = this.steps!.next();
      if (next.done) this.value = { result: next.value };
    } catch (error) {
      // Kept for `result()` to throw: a failure in the background must not crash the process.
      this.value = { error };
    }
    // Done: the finished steps may hold what they were built from (a catalog's list of every story).
    if (this.value) this.steps = null;
    if (this.value && "result" in this.value && this.onDone) {
      // A listener's mistake must not become the work's.
      try {
        this.onDone(this.value.result);
      } catch {
        /* ignored */
      }
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
