import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { median } from "./stats.ts";

/** Linux reports process CPU time in ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** What one server is asked in a load run: the same request each time, or one made per request. */
export interface LoadRequest {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Makes the body of every request (a stream of distinct queries); overrides `body`. */
  nextBody?: () => string;
  /** Sees every answer (status, body, headers as sent), for checks and tallies; it costs the load generator a call per answer. */
  onResponse?: (status: number, body: string, headers: Record<string, string | string[]>) => void;
}

export interface LoadResult {
  requestsPerSecond: number;
  latencyP99Ms: number;
  /** Non-2xx answers, errors and timeouts: any of them makes the run suspect. */
  failures: number;
  /**
   * CPU the server process spent per answered request (user + system), when
   * its pid is known and /proc exists. Steadier than requests per second on
   * a shared machine: other processes taking the core lower the rate, not this.
   */
  serverCpuUsPerRequest: number | null;
  /** Share of one core the load generator used: near 1, it may be what limits the rate. */
  loadGeneratorCpu: number;
}

/** CPU seconds a process has used so far (Linux /proc), or null where that cannot be read. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** One autocannon run of `seconds` against `url` with `connections` keep-alive connections; `pid` is the server's. */
export async function runLoad(url: string, request: LoadRequest, seconds: number, connections: number, pid?: number): Promise<LoadResult> {
  const { nextBody, onResponse } = request;
  const serverCpuBefore = pid === undefined ? null : processCpuSeconds(pid);
  const selfBefore = process.cpuUsage();
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    // A run ends on the first sample after its duration: sample often, or short runs last a whole second.
    sampleInt: 100,
    timeout: 10,
    requests: [
      {
        method: request.method,
        path: request.path,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        ...(nextBody ? { setupRequest: (sent: autocannon.Request) => ({ ...sent, body: nextBody() }) } : {}),
        ...(onResponse
          ? {
              onResponse: (status: number, body: string, _context: unknown, headers: Record<string, string | string[]>) =>
                onResponse(status, body, headers),
            }
          : {}),
      },
    ],
  });
  const self = process.cpuUsage(selfBefore);
  const serverCpuAfter = pid === undefined ? null : processCpuSeconds(pid);
  const elapsed = (result.finish.getTime() - result.start.getTime()) / 1000;
  const answered = result["2xx"];
  return {
    requestsPerSecond: answered / elapsed,
    latencyP99Ms: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    serverCpuUsPerRequest:
      serverCpuBefore !== null && serverCpuAfter !== null && answered > 0 ? ((serverCpuAfter - serverCpuBefore) * 1e6) / answered : null,
    loadGeneratorCpu: (self.user + self.system) / 1e6 / elapsed,
  };
}

export interface Contender {
  name: string;
  url: string;
  /** The server's process, for its CPU time. */
  pid?: number;
}

export interface InterleavedResult {
  /** Per contender: every round's result, in order. */
  runs: Map<string, LoadResult[]>;
  /** Per contender: the median requests per second over the rounds. */
  medians: Map<string, number>;
}

/**
 * Runs the contenders in turn (A B A B … over `rounds`), after one unmeasured
 * warm-up run each, so a slow minute of a shared machine weighs on all of
 * them alike; the median of each contender's rounds is its figure.
 *
 * `request` may be made per contender (each its own stream of bodies, or its
 * own tally of answers), and `afterWarmup` runs between the warm-ups and the
 * first round (to read counters the rounds alone should move).
 */
export async function interleave(
  contenders: Contender[],
  request: LoadRequest | ((contender: Contender) => LoadRequest),
  {
    rounds,
    seconds,
    warmupSeconds,
    connections,
    afterWarmup,
  }: { rounds: number; seconds: number; warmupSeconds: number; connections: number; afterWarmup?: () => Promise<void> },
): Promise<InterleavedResult> {
  const requestOf = typeof request === "function" ? request : () => request;
  for (const contender of contenders) await runLoad(contender.url, requestOf(contender), warmupSeconds, connections);
  await afterWarmup?.();
  const runs = new Map<string, LoadResult[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const contender of contenders)
      runs.get(contender.name)!.push(await runLoad(contender.url, requestOf(contender), seconds, connections, contender.pid));
  }
  const medians = new Map([...runs].map(([name, results]) => [name, median(results.map((r) => r.requestsPerSecond))]));
  return { runs, medians };
}
