/**
 * Settles as `promise` does, or rejects when it has not settled `ms` after the
 * call. The deadline is checked once more after the event loop's poll phase:
 * when the process itself was stalled (a long build, a starved CPU), the
 * timer and the answer are due together, timers run first, and a plain race
 * would call an answer that had already arrived late. Reading pending I/O
 * before deciding keeps a stall of this process from counting as a slow Redis.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, message = `no answer within ${ms} ms`): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (!settled) {
          settled = true;
          reject(new Error(message));
        }
      });
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          resolve(value);
        }
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          reject(error);
        }
      },
    );
  });
}
