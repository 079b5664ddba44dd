import { monitorEventLoopDelay, PerformanceObserver, type Histogram, type IntervalHistogram } from "node:perf_hooks";

/** Sampling resolution of the event-loop monitor: fine enough to see a 20 ms stall. */
export const EVENT_LOOP_RESOLUTION_MS = 1;

export interface EventLoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
  /**
   * Samples over 20 ms (the stall target): the stalls themselves, however long
   * the window. The p99 is over the window's samples, so the same stalls in a
   * shorter window (a refresh round that finishes sooner) give a higher p99.
   */
  over20: number;
}

/** Samples of `histogram` (nanoseconds) above `ms`, found by bisecting its percentiles. */
export function countOver(histogram: Pick<Histogram, "count" | "max" | "percentile">, ms: number): number {
  const limit = ms * 1e6;
  if (histogram.count === 0 || histogram.max <= limit) return 0;
  let low = 0;
  let high = 100;
  for (let step = 0; step < 40; step++) {
    const middle = (low + high) / 2;
    if (histogram.percentile(middle) > limit) high = middle;
    else low = middle;
  }
  // The histogram places a percentile's boundary half a sample early: what is left above it is k - 0.5.
  return Math.ceil((histogram.count * (100 - high)) / 100 - 1e-6);
}

/** Starts watching this process's event loop; `stop` returns what it saw. */
export function watchEventLoop(): { stop: () => EventLoopDelay } {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  histogram.enable();
  return {
    stop: () => {
      histogram.disable();
      return {
        p50Ms: histogram.percentile(50) / 1e6,
        p99Ms: histogram.percentile(99) / 1e6,
        maxMs: histogram.max / 1e6,
        samples: histogram.count,
        over20: countOver(histogram, 20),
      };
    },
  };
}

export interface GcPauses {
  count: number;
  /** Pauses longer than 20 ms (the stall target). */
  over20: number;
  maxMs: number;
  totalMs: number;
}

/** Watches this process's garbage-collection pauses: what of the event-loop delay is the collector's. */
export function watchGc(): { stop: () => GcPauses } {
  const pauses: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push(entry.duration);
  });
  observer.observe({ entryTypes: ["gc"] });
  return {
    stop: () => {
      observer.disconnect();
      return {
        count: pauses.length,
        over20: pauses.filter((ms) => ms > 20).length,
        maxMs: pauses.length ? Math.max(...pauses) : 0,
        totalMs: pauses.reduce((sum, ms) => sum + ms, 0),
      };
    },
  };
}
