/**
 * Milliseconds of starting work (fetches) per turn of the event loop, as
 * timed around the calls. A fetch does most of its starting after its call
 * returns (connecting, writing the request, in the same turn's microtasks),
 * about three times what the call itself takes, so a turn's real cost is
 * several times its budget: 1 ms keeps the first turns of a refresh of
 * hundreds of sources within the event-loop target (20 ms p99).
 */
export const START_BUDGET_MS = 1;

export type StartPacer = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * Spreads the start of many tasks over turns of the event loop. Starting a
 * fetch costs the serving thread about a millisecond (a connection, a request
 * written), and a refresh of hundreds of sources due at once would start them
 * all in one turn: a stall of hundreds of milliseconds for every request
 * waiting. Tasks start in order while the turn's budget lasts, however many
 * separate calls ask within the turn; the rest start in the next turns.
 */
export function createStartPacer({ budgetMs = START_BUDGET_MS, clock = () => performance.now() } = {}): StartPacer {
  const queue: (() => void)[] = [];
  /** Milliseconds spent starting tasks in this turn. */
  let spent = 0;
  let drainQueued = false;
  let turnResetQueued = false;

  const drain = (): void => {
    drainQueued = false;
    const started = clock();
    let ran = false;
    while (queue.length > 0 && spent + (clock() - started) < budgetMs) {
      queue.shift()!();
      ran = true;
    }
    if (!ran) return;
    spent += clock() - started;
    queueTurnReset();
  };
  // The budget is per turn: the next turn starts afresh, and starts what is left.
  const queueTurnReset = (): void => {
    if (turnResetQueued) return;
    turnResetQueued = true;
    setImmediate(() => {
      turnResetQueued = false;
      spent = 0;
      drain();
    });
  };

  return <T>(task: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        try {
          task().then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      });
      // Starts asked for in one go wait for one drain; past the budget, for the next turn's.
      if (!drainQueued && spent < budgetMs) {
        drainQueued = true;
        queueMicrotask(drain);
      } else if (!drainQueued) {
        queueTurnReset();
      }
    });
}
