/**
 * A cluster member's event-loop delay, measured inside its process
 * (perf_hooks.monitorEventLoopDelay) and served on a loopback port of its own,
 * apart from the gateway's routes: `GET /` answers the delays since the last
 * `GET /reset`, in milliseconds. A test reads it the way it queries the member.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";

export interface EventLoopDelay {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

/** Starts measuring and serving; resolves with the probe's base URL. */
export async function startEventLoopProbe(resolutionMs = 10): Promise<string> {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  // The histogram counts the timer's own resolution in every sample: subtracted, 0 means "on time".
  const ms = (ns: number) => Math.max(0, ns / 1e6 - resolutionMs);
  const server = createServer((req, res) => {
    if (req.url === "/reset") histogram.reset();
    const delay: EventLoopDelay = {
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
      samples: histogram.count,
    };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(delay));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function readEventLoopDelay(probeUrl: string, reset = false): Promise<EventLoopDelay> {
  return (await (await fetch(`${probeUrl}${reset ? "/reset" : "/"}`)).json()) as EventLoopDelay;
}
