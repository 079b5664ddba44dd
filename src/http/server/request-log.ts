import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../../log/logger.ts";

/** The header that carries a request's id in and out (load balancers and proxies set it too). */
export const REQUEST_ID_HEADER = "x-request-id";
/** An incoming id is kept only if it looks like one: no spaces, quotes or control characters, at most 128 characters. */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$/;
/** Probes and scrapes arrive every few seconds: logged at debug, so they do not bury real traffic. */
const QUIET_PATHS = new Set(["/health", "/ready", "/metrics"]);
/** Paths are logged without their query string (it may hold a whole GraphQL document) and cut to this length. */
const MAX_LOGGED_PATH = 200;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface RequestLogOptions {
  logger: Logger;
  /** Milliseconds clock for durations. @default performance.now */
  now?: () => number;
  /** @default crypto.randomUUID */
  newId?: () => string;
}

/**
 * Gives every request an id (the caller's `x-request-id` when sane, else a new
 * one), echoes it in the response, and logs one line per request when it
 * ends: id, method, path, status, time. The id is written back into the
 * request's headers so everything downstream (GraphQL plugins, the edge
 * cache) logs the same id the client sees. With the logger silent, only the
 * id is given and echoed: nothing else runs per request.
 */
export function withRequestLog(handle: Handler, { logger, now = () => performance.now(), newId = randomUUID }: RequestLogOptions): Handler {
  return (req, res) => {
    const incoming = req.headers[REQUEST_ID_HEADER];
    const reqId = typeof incoming === "string" && SANE_REQUEST_ID.test(incoming) ? incoming : newId();
    req.headers[REQUEST_ID_HEADER] = reqId;
    res.setHeader(REQUEST_ID_HEADER, reqId);
    // Nothing would be written (errors are the highest level used): no clock, no listener. Asked per
    // request, since a logger's level may change while the process runs.
    if (!logger.isLevelEnabled("error")) return handle(req, res);
    const started = now();
    const path = (req.url ?? "/").split("?")[0]!.slice(0, MAX_LOGGED_PATH);
    res.once("close", () => {
      const ms = Math.round((now() - started) * 10) / 10;
      // A response closed before it finished: the client went away, or the server cut the connection.
      const aborted = !res.writableFinished;
      const fields = { reqId, method: req.method, path, status: res.statusCode, ms, ...(aborted ? { aborted } : {}) };
      const level = res.statusCode >= 500 ? "error" : QUIET_PATHS.has(path) ? "debug" : "info";
      logger[level](fields, `${req.method} ${path} ${res.statusCode}${aborted ? " (aborted)" : ""} ${ms} ms`);
    });
    handle(req, res);
  };
}
