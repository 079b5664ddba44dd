import { Worker } from "node:worker_threads";

/** Flags that preload a module, followed by its name (or joined to it with `=`). */
const PRELOAD_FLAGS: ReadonlySet<string> = new Set(["--import", "--require", "-r", "--loader", "--experimental-loader"]);

/**
 * The Node flags a worker starts with: the process's own, less tsx's
 * preloads. A worker inherits them by default, and `tsx` (npm start) and
 * `--import tsx` (the bench) would register tsx's ESM loader in every worker,
 * which the worker's entry avoids on purpose (it registers tsx's CommonJS
 * hook itself): the inherited loader would only add start-up CPU to every
 * worker.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i]!;
    if (PRELOAD_FLAGS.has(flag) && isTsx(execArgv[i + 1])) {
      i++;
      continue;
    }
    const joined = /^(--[a-z-]+)=(.*)$/.exec(flag);
    if (joined && PRELOAD_FLAGS.has(joined[1]!) && isTsx(joined[2])) continue;
    kept.push(flag);
  }
  return kept;
}

/**
 * A worker with `workerExecArgv`'s flags. Node refuses V8's flags in a
 * worker's own list (`--max-old-space-size`: V8's flags are the process's,
 * and a worker that inherits its flags gets them regardless), and names them:
 * they are left out and the worker started again; should that fail too, the
 * worker inherits every flag, as by default.
 */
export function startWorker(url: URL): Worker {
  const execArgv = workerExecArgv(process.execArgv);
  if (execArgv.length === process.execArgv.length) return new Worker(url);
  try {
    return new Worker(url, { execArgv });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw error;
    const refused = new Set((error as Error).message.split(": ").slice(1).join(": ").split(", "));
    try {
      return new Worker(url, { execArgv: execArgv.filter((flag) => !refused.has(flag)) });
    } catch {
      return new Worker(url);
    }
  }
}

/** tsx itself or one of its files (`tsx`, `tsx/esm`, `file:///…/node_modules/tsx/dist/loader.mjs`). */
function isTsx(module: string | undefined): boolean {
  return module !== undefined && /(^|[\\/])tsx($|[\\/])/.test(module);
}
