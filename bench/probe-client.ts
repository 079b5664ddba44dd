import { setMaxListeners } from "node:events";
import { percentile } from "./stats.ts";

/** How often the client asks. */
const PROBE_INTERVAL_MS = 20;
/** Requests in flight at most, as a small pool of readers would have; a tick with that many waiting sends nothing. */
const MAX_OUTSTANDING = 25;
/** When a window ends, answers still missing after this are abandoned (counted as unanswered). */
const PROBE_GRACE_MS = 1_000;

export interface ProbeReport {
  sent: number;
  /** Ticks when MAX_OUTSTANDING requests were already waiting. */
  skipped: number;
  p99Ms: number;
  maxMs: number;
  /** Longest time without any answer (from the window's start to its end): what the worst-placed reader waited. */
  longestSilenceMs: number;
  /** Requests that failed (connection reset, non-2xx), with the first reason. */
  failed: number;
  firstFailure: string | null;
  /** Requests still unanswered PROBE_GRACE_MS after the window (not in the percentiles). */
  unanswered: number;
}

/**
 * A client asking `request` every PROBE_INTERVAL_MS without waiting for the
 * previous answer: what readers would see of a server during a window.
 * `silenceSoFar` reads the current silence while the window runs (a server
 * whose event loop is blocked answers nothing, and may never report itself).
 */
export function startProbe(url: string, init: RequestInit): { stop: () => Promise<ProbeReport>; silenceSoFar: () => number } {
  const abandon = new AbortController();
  setMaxListeners(0, abandon.signal);
  const pending: Promise<number | string>[] = [];
  let outstanding = 0;
  let skipped = 0;
  let lastAnswer = performance.now();
  let longestSilence = 0;
  const answered = () => {
    const now = performance.now();
    longestSilence = Math.max(longestSilence, now - lastAnswer);
    lastAnswer = now;
  };
  const timer = setInterval(() => {
    if (outstanding >= MAX_OUTSTANDING) return void skipped++;
    outstanding++;
    const started = performance.now();
    pending.push(
      fetch(url, { ...init, signal: abandon.signal })
        .then(async (response) => {
          await response.arrayBuffer();
          answered();
          return response.ok ? performance.now() - started : `HTTP ${response.status}`;
        })
        .catch((error: Error) =>
          abandon.signal.aborted ? UNANSWERED : `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}`,
        )
        .finally(() => outstanding--),
    );
  }, PROBE_INTERVAL_MS);
  return {
    silenceSoFar: () => performance.now() - lastAnswer,
    stop: async () => {
      clearInterval(timer);
      const ended = performance.now();
      const grace = setTimeout(() => abandon.abort(), PROBE_GRACE_MS);
      const outcomes = await Promise.all(pending);
      clearTimeout(grace);
      longestSilence = Math.max(longestSilence, ended - Math.min(lastAnswer, ended));
      const times = outcomes.filter((o): o is number => typeof o === "number");
      const failures = outcomes.filter((o): o is string => typeof o === "string" && o !== UNANSWERED);
      return {
        sent: outcomes.length,
        skipped,
        p99Ms: percentile(times, 99),
        maxMs: times.length ? Math.max(...times) : Number.NaN,
        longestSilenceMs: longestSilence,
        failed: failures.length,
        firstFailure: failures[0] ?? null,
        unanswered: outcomes.filter((o) => o === UNANSWERED).length,
      };
    },
  };
}

const UNANSWERED = "unanswered";
