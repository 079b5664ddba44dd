import { createServer, ServerResponse, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { UpgradeCheck } from "../../partners/partner-gate.ts";
import { GRAPHQL_PATH } from "../types.ts";
import type { App } from "./app.ts";
import { createGraphqlWebSocket, type GraphqlWebSocket, type GraphqlWebSocketOptions } from "./graphql-ws.ts";

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
  /**
   * GraphQL over WebSocket (graphql-ws) on the GraphQL path, behind the app's partner gate, with its
   * bounds; `false` turns it off (upgrades are then answered as plain HTTP requests). The app's
   * allow-list and body limit apply (`App.webSocketRules`). @default on, GraphqlWebSocketOptions' defaults
   */
  webSocket?: GraphqlWebSocketOptions | false;
}

export async function listen(
  app: App,
  port: number,
  host: string,
  {
    requestTimeoutMs = REQUEST_TIMEOUT_MS,
    headersTimeoutMs = HEADERS_TIMEOUT_MS,
    connectionsCheckingIntervalMs,
    webSocket = {},
  }: ListenOptions = {},
): Promise<RunningServer> {
  const drain = { started: false };
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: headersTimeoutMs,
      maxHeaderSize: 16 * 1024,
      ...(connectionsCheckingIntervalMs ? { connectionsCheckingInterval: connectionsCheckingIntervalMs } : {}),
      ServerResponse: closingWhileDraining(drain),
    },
    app.handle,
  );
  server.on("clientError", answerClientError);
  // The app's own allow-list and body limit, unless a caller overrides them.
  const webSockets = webSocket === false ? null : createGraphqlWebSocket(app.yoga, { ...app.webSocketRules, ...webSocket });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => answerUpgrade(app, webSockets, req, socket, head));
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
    close: () => {
      drain.started = true;
      // WebSocket connections are told 1001 (going away) and closed: the server's close waits for their sockets.
      return Promise.all([drainServer(server), webSockets?.close()]).then(() => undefined);
    },
  };
}

/**
 * Responses that, once the server drains, say `Connection: close` and end
 * their connection after them. Decided when the headers go out rather than
 * when the request arrives, so a request already in flight when the drain
 * began is told too: a keep-alive client would otherwise send its next
 * request on a socket about to close, and see a reset instead of an answer.
 * Every header write goes through `writeHead` (Node's implicit headers call
 * it too); Node itself closes the socket after a response that says `close`.
 */
function closingWhileDraining(drain: { readonly started: boolean }): typeof ServerResponse {
  return class DrainAwareResponse extends ServerResponse {
    override writeHead(...args: unknown[]): this {
      if (drain.started && !this.headersSent) this.setHeader("connection", "close");
      return (super.writeHead as (...a: unknown[]) => this).apply(this, args);
    }
  } as typeof ServerResponse;
}

/**
 * A request with `Upgrade`, which Node hands here instead of to the app. A
 * WebSocket to the GraphQL path runs through the app's handler like any
 * request, so the partner gate sees it first (and the request gets its id);
 * the gate hands it back with its check (see App.claimUpgrade), and graphql-ws
 * takes the socket. Anything else, or an app without a gate, is answered by
 * the app as a plain HTTP request on this one connection, as without an
 * upgrade handler (`Upgrade: h2c`, a WebSocket to another path).
 */
function answerUpgrade(app: App, webSockets: GraphqlWebSocket | null, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on("error", () => socket.destroy());
  const path = (req.url ?? "/").split("?", 1)[0];
  const wantsWebSocket =
    webSockets !== null && path === GRAPHQL_PATH && req.method === "GET" && /^websocket$/i.test(String(req.headers.upgrade ?? "").trim());
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  const endAfter = () => (socket as Socket).destroySoon();
  res.once("finish", endAfter);
  if (wantsWebSocket) {
    app.claimUpgrade(req, (check: UpgradeCheck) => {
      res.off("finish", endAfter);
      res.detachSocket(socket as Socket);
      webSockets.handleUpgrade(req, socket, head, check).catch(() => socket.destroy());
    });
  }
  app.handle(req, res);
}

/** Node's statuses for requests its parser refuses (431, 408, else 400), each with a coded JSON body. */
const CLIENT_ERRORS: Record<string, [status: string, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [
    "431 Request Header Fields Too Large",
    "REQUEST_HEADER_FIELDS_TOO_LARGE",
    "Request headers are over the limit of 16 KB (the URL counts).",
  ],
  ERR_HTTP_REQUEST_TIMEOUT: ["408 Request Timeout", "REQUEST_TIMEOUT", "The request was not sent in time."],
};

/**
 * A request Node's HTTP parser refuses before any handler sees it (a request
 * line or header that is not HTTP, a character a URL may not hold, headers
 * over the limit, a timeout): Node's own answer has no body; this one has the
 * error contract's JSON, then the connection closes (nothing after a
 * malformed request can be framed).
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // As Node's own handler: no answer into a response already under way on this (kept-alive) socket.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, message] = CLIENT_ERRORS[error.code ?? ""] ?? [
    "400 Bad Request",
    "BAD_REQUEST",
    "The request is not well-formed HTTP (a URL may hold only printable ASCII; percent-encode the rest).",
  ];
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/** How often a drain closes the keep-alive sockets whose last request has finished since. */
const DRAIN_SWEEP_MS = 100;

function drainServer(server: Server): Promise<void> {
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
