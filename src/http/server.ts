import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { App } from "./app.ts";

/** How long a shutdown waits for in-flight requests before closing their sockets. */
export const DRAIN_TIMEOUT_MS = 10_000;
/** A client must send its whole request within this time (slow-loris guard). */
export const REQUEST_TIMEOUT_MS = 30_000;
export const HEADERS_TIMEOUT_MS = 10_000;

export interface RunningServer {
  server: Server;
  url: string;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close: () => Promise<void>;
}

export interface ListenOptions {
  /** @default REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number;
  /** @default HEADERS_TIMEOUT_MS */
  headersTimeoutMs?: number;
  /** How often Node checks those two timeouts (its own default is 30 s; tests with short timeouts need it shorter). @default Node's */
  connectionsCheckingIntervalMs?: number;
}

export async function listen(app: App, port: number, host: string, { requestTimeoutMs = REQUEST_TIMEOUT_MS, headersTimeoutMs = HEADERS_TIMEOUT_MS, connectionsCheckingIntervalMs }: ListenOptions = {}): Promise<RunningServer> {
  const server = createServer(
    { requestTimeout: requestTimeoutMs, headersTimeout: headersTimeoutMs, maxHeaderSize: 16 * 1024, ...(connectionsCheckingIntervalMs ? { connectionsCheckingInterval: connectionsCheckingIntervalMs } : {}) },
    app.handle,
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" && host !== "localhost" ? `[${address.address}]` : host;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    close: () => drain(server),
  };
}

/** How often a drain closes the keep-alive sockets whose last request has finished since. */
const DRAIN_SWEEP_MS = 100;

function drain(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
    timer.unref();
    // Keep-alive sockets with no request in flight would hold the close open, including those
    // whose request ends during the drain (a live stream completed by the shutdown).
    const sweep = setInterval(() => server.closeIdleConnections(), DRAIN_SWEEP_MS);
    sweep.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
