import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLFormattedError } from "graphql";
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, type SubscribePayload } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import type { YogaServerInstance } from "graphql-yoga";
import { WebSocketServer, type WebSocket } from "ws";
import type { GraphQLContext } from "../../graphql/context.ts";
import { clientAddress } from "../../partners/client-address.ts";
import type { UpgradeCheck, UpgradeRefusal } from "../../partners/partner-gate.ts";
import type { PersistedOperations } from "../plugins/persisted-operations.ts";
import { createRefusalError } from "../plugins/refusal-error.ts";
import { paramsDepthError } from "./request-params.ts";
import { DEFAULT_MAX_REQUEST_BODY_BYTES } from "../plugins/use-http-hygiene.ts";

/** Open WebSocket connections one instance holds at most (each holds a socket, buffers and its subscriptions). */
export const DEFAULT_MAX_WEBSOCKET_CONNECTIONS = 5_000;
/** Open WebSocket connections from one client address (an IPv6 /64) at most: a browser tab needs one. */
export const DEFAULT_MAX_WEBSOCKET_CONNECTIONS_PER_ADDRESS = 50;
/** Operations (subscriptions, and queries still running) at once on one connection. */
export const DEFAULT_MAX_OPERATIONS_PER_CONNECTION = 20;
/** How long a drain waits for clients to answer the 1001 close before it cuts their sockets. */
export const WEBSOCKET_CLOSE_GRACE_MS = 1_000;
/** Where graphql-ws `connectionParams` may carry the API key (first found wins). */
export const CONNECTION_PARAMS_KEYS = ["key", "apiKey", "x-api-key"];

export interface GraphqlWebSocketOptions {
  /** @default DEFAULT_MAX_WEBSOCKET_CONNECTIONS */
  maxConnections?: number;
  /** @default DEFAULT_MAX_WEBSOCKET_CONNECTIONS_PER_ADDRESS */
  maxConnectionsPerAddress?: number;
  /** @default DEFAULT_MAX_OPERATIONS_PER_CONNECTION */
  maxOperationsPerConnection?: number;
  /** The largest message a client may send, as the largest HTTP body (ws closes the connection with 1009 beyond it). @default DEFAULT_MAX_REQUEST_BODY_BYTES */
  maxMessageBytes?: number;
  /** Allow-list mode: only these operations run, named by their sha256 as over HTTP. @default null (any operation) */
  persistedOperations?: PersistedOperations | null;
  /** Ping interval, and how long a pong may take (graphql-ws's keep-alive). @default 12 000 */
  keepAliveMs?: number;
}

/** What a connection carries from its handshake: its request, and the gate's judgement so far. */
interface Connection {
  req: IncomingMessage;
  address: string;
  /** The gate's check bound to its budgets; null: no gate (everything admitted). */
  check: UpgradeCheck | null;
  /** The key from connectionParams the connection was admitted with; null: the handshake's own (header or `key` parameter), if any. */
  key: string | null;
  /** True once the key and origin are judged and the connection counted (at the handshake when it carried a key, else at connection_init). */
  admitted: boolean;
}

type Extra = { socket: WebSocket; request: IncomingMessage };

export interface GraphqlWebSocket {
  /**
   * Takes over an upgrade request to the GraphQL path, already judged by the
   * gate's check (`check`, or null without a gate): refuses it on the socket
   * as HTTP would (status, coded JSON), or accepts it as a graphql-ws connection.
   */
  handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer, check: UpgradeCheck | null) => Promise<void>;
  /** Open connections (handshakes under way included). */
  connections: () => number;
  /** For a shutdown: refuses new upgrades, closes every connection with 1001, resolves when all are gone. */
  close: () => Promise<void>;
}

/**
 * GraphQL over WebSocket (the `graphql-transport-ws` protocol of the
 * graphql-ws library), on the GraphQL path, for subscriptions and queries:
 * Yoga's recipe, so each operation runs through `yoga.getEnveloped` and the
 * same plugins as over HTTP (depth, aliases, tokens, directives, cost, error
 * masking, metrics). What the HTTP path does before Yoga is done here: the
 * partner gate's key, origin and budget (see `UpgradeCheck`; every
 * operation is one request off the budget), the body size (as the largest
 * message), the depth of variables, the allow-list. Connections are bounded
 * in all and per address, operations per connection.
 */
export function createGraphqlWebSocket(
  // Yoga's server context is whatever the embedding server passes; this module reads none of it.
  // biome-ignore lint/suspicious/noExplicitAny: Yoga's own type parameter for an unknown server context
  yoga: YogaServerInstance<any, GraphQLContext>,
  options: GraphqlWebSocketOptions = {},
): GraphqlWebSocket {
  const {
    maxConnections = DEFAULT_MAX_WEBSOCKET_CONNECTIONS,
    maxConnectionsPerAddress = DEFAULT_MAX_WEBSOCKET_CONNECTIONS_PER_ADDRESS,
    maxOperationsPerConnection = DEFAULT_MAX_OPERATIONS_PER_CONNECTION,
    maxMessageBytes = DEFAULT_MAX_REQUEST_BODY_BYTES,
    persistedOperations = null,
    keepAliveMs = 12_000,
  } = options;
  // No compression: a small compressed message may inflate to any size before maxPayload is checked against it.
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes, perMessageDeflate: false, clientTracking: true });
  const connections = new WeakMap<IncomingMessage, Connection>();
  const perAddress = new Map<string, number>();
  let open = 0;
  let closing = false;
  // Per operation: Yoga's execute and subscribe, with the plugins, for graphql-ws to call.
  const enveloped = new WeakMap<object, { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown }>();

  const operationError = (error: GraphQLError): GraphQLError[] => [error];

  // Before useServer's own listener: a client's protocol error (a message over maxPayload, bad UTF-8, a bad frame)
  // is the client's, and ws closes its connection itself with the code for it (1009, 1007, 1002); graphql-ws
  // would write each to the console as an internal error, a line per misbehaving client.
  wss.on("connection", (ws: WebSocket) => {
    const emit = ws.emit.bind(ws);
    ws.emit = ((event: string | symbol, ...args: unknown[]) =>
      event === "error" && isClientProtocolError(args[0]) ? true : emit(event, ...args)) as WebSocket["emit"];
  });
  useServer<Record<string, unknown>, Extra>(
    {
      // Internal errors close a connection with a fixed reason, never their message, whatever NODE_ENV says.
      isProd: true,
      execute: ((args: ExecutionArgs) => enveloped.get(args)!.execute(args)) as never,
      subscribe: ((args: ExecutionArgs) => enveloped.get(args)!.subscribe(args)) as never,
      onConnect: async (ctx) => {
        const connection = connections.get(ctx.extra.request);
        if (!connection) return false;
        if (connection.admitted || !connection.check) return true;
        const key = keyOf(ctx.connectionParams);
        const verdict = await connection.check(connection.req, { key });
        if (!verdict.admitted) {
          closeWithRefusal(ctx.extra.socket, verdict);
          // graphql-ws sends nothing more: the socket is already closing with the refusal's code.
          return false;
        }
        connection.key = key;
        connection.admitted = true;
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const connection = connections.get(ctx.extra.request)!;
        if (Object.keys(ctx.subscriptions).length > maxOperationsPerConnection) {
          return operationError(
            createRefusalError(
              "TOO_MANY_OPERATIONS",
              `More than ${maxOperationsPerConnection} operations at once on one connection: complete one, or open another connection.`,
            ),
          );
        }
        if (connection.check) {
          const verdict = await connection.check(connection.req, { key: connection.key });
          if (!verdict.admitted) return operationError(new GraphQLError(verdict.message, { extensions: { code: verdict.code } }));
        }
        const depthError = paramsDepthError(payload);
        if (depthError) return operationError(depthError);
        const query = persistedOperations ? await persistedDocument(persistedOperations, payload) : payload.query;
        if (query instanceof GraphQLError) return operationError(query);
        if (typeof query !== "string")
          return operationError(createRefusalError("BAD_REQUEST", "A subscribe message needs a `query` string."));

        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: { ...payload, query },
        });
        let document: DocumentNode;
        try {
          document = parse(query);
        } catch (error) {
          // A syntax error or a token limit: an error for this operation, not the end of the connection.
          if (error instanceof GraphQLError) return operationError(error);
          throw error;
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return [...errors];
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
        };
        enveloped.set(args, { execute, subscribe });
        return args;
      },
      // Yoga strips `extensions.http` (its status hint for HTTP) from what it sends; so is it here.
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: result.errors.map(formatError) } : undefined),
      onError: (_ctx, _id, _payload, errors) => errors.map(formatError),
      onClose: (ctx) => {
        const connection = connections.get(ctx.extra.request);
        if (connection) release(connection);
      },
    },
    wss,
    keepAliveMs,
  );

  const release = (connection: Connection) => {
    if (!connections.delete(connection.req)) return;
    open--;
    const left = (perAddress.get(connection.address) ?? 1) - 1;
    if (left > 0) perAddress.set(connection.address, left);
    else perAddress.delete(connection.address);
  };

  return {
    connections: () => open,
    handleUpgrade: async (req, socket, head, check) => {
      const protocols = offeredProtocols(req);
      if (!protocols.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)) {
        const legacy = protocols.includes("graphql-ws")
          ? " (`graphql-ws` is the protocol of subscriptions-transport-ws, which this server does not speak)"
          : "";
        return refuseUpgrade(socket, {
          status: 400,
          code: "SUBPROTOCOL_NOT_ACCEPTABLE",
          message: `A WebSocket to this endpoint must offer the ${GRAPHQL_TRANSPORT_WS_PROTOCOL} subprotocol${legacy}: use the graphql-ws client.`,
          headers: {},
        });
      }
      if (closing) return refuseUpgrade(socket, SHUTTING_DOWN);
      const address = clientAddress(req);
      if (open >= maxConnections) {
        return refuseUpgrade(socket, {
          status: 503,
          code: "TOO_MANY_CONNECTIONS",
          message: `This instance holds its limit of ${maxConnections} WebSocket connections: retry later, or use Server-Sent Events.`,
          headers: { "retry-after": "30" },
        });
      }
      if ((perAddress.get(address) ?? 0) >= maxConnectionsPerAddress) {
        return refuseUpgrade(socket, {
          status: 429,
          code: "TOO_MANY_CONNECTIONS",
          message: `More than ${maxConnectionsPerAddress} WebSocket connections from this address: close some first.`,
          headers: { "retry-after": "30" },
        });
      }
      // Counted from here, before the gate's judgement is awaited, so concurrent handshakes cannot pass the bounds together.
      const connection: Connection = { req, address, check, key: null, admitted: check === null };
      open++;
      perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
      connections.set(req, connection);
      // Every way out (refused, cut, closed after its handshake) ends with this socket's close.
      socket.once("close", () => release(connection));
      if (check) {
        // The handshake's key (header or `key` parameter) is judged now and counted. Without one, only the
        // origin is judged now: the key may come in connectionParams, judged and counted at connection_init.
        const verdict = await check(req, { spend: false });
        if (!verdict.admitted && !verdict.keyMissing) return refuseUpgrade(socket, verdict);
        if (verdict.admitted && verdict.partner !== null) {
          const counted = await check(req);
          if (!counted.admitted) return refuseUpgrade(socket, counted);
          connection.admitted = true;
        }
      }
      if (closing) return refuseUpgrade(socket, SHUTTING_DOWN);
      if (socket.destroyed) return;
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    },
    close: async () => {
      closing = true;
      const sockets = [...wss.clients];
      for (const ws of sockets) ws.close(1001, "Server shutting down");
      if (sockets.length === 0) return;
      await new Promise<void>((resolve) => {
        const cut = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, WEBSOCKET_CLOSE_GRACE_MS);
        cut.unref();
        const check = () => {
          if (wss.clients.size > 0) return;
          clearTimeout(cut);
          resolve();
        };
        for (const ws of sockets) ws.once("close", check);
        check();
      });
    },
  };
}

const SHUTTING_DOWN = {
  status: 503,
  code: "SHUTTING_DOWN",
  message: "This instance is shutting down: connect again.",
  headers: { "retry-after": "1" },
};

function isClientProtocolError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("WS_ERR_");
}

function keyOf(params: Readonly<Record<string, unknown>> | undefined): string | null {
  for (const name of CONNECTION_PARAMS_KEYS) {
    const value = params?.[name];
    if (typeof value === "string" && value !== "") return value;
  }
  return null;
}

function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers["sec-websocket-protocol"];
  return typeof header === "string" ? header.split(",").map((p) => p.trim()) : [];
}

/** The allow-list's document for an operation named by its hash, or the refusal HTTP gives. */
async function persistedDocument(operations: PersistedOperations, payload: SubscribePayload): Promise<string | GraphQLError> {
  const extensions = payload.extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined;
  const fromApollo = extensions?.persistedQuery?.sha256Hash;
  const fromDocumentId = (payload as SubscribePayload & { documentId?: unknown }).documentId;
  const id =
    typeof fromApollo === "string" ? fromApollo : typeof fromDocumentId === "string" ? fromDocumentId.replace(/^sha256:/, "") : null;
  if (payload.query || id === null) {
    return createRefusalError(
      "PERSISTED_QUERY_ONLY",
      "This server runs persisted operations only: send the sha256 of a listed document as `extensions.persistedQuery.sha256Hash` (with `version: 1`) or as `documentId`, and no `query`.",
    );
  }
  const hash = id.toLowerCase();
  const document = operations.documents.get(hash) ?? (await operations.lookup?.(hash)) ?? null;
  return (
    document ??
    createRefusalError("PERSISTED_QUERY_NOT_FOUND", `Persisted operation "${hash.slice(0, 100)}" is not on this server's allow-list.`)
  );
}

function formatError(error: GraphQLError | GraphQLFormattedError): GraphQLFormattedError {
  const formatted = error instanceof GraphQLError ? error.toJSON() : error;
  if (!formatted.extensions || !("http" in formatted.extensions)) return formatted;
  const { http: _http, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}

/** The HTTP refusal of an upgrade, on the raw socket: the gate's status and coded JSON body, then the connection closes. */
export function refuseUpgrade(socket: Duplex, refusal: Pick<UpgradeRefusal, "status" | "code" | "message" | "headers">): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
  const headers = Object.entries(refusal.headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_TEXT[refusal.status] ?? "Error"}\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.once("finish", () => socket.destroy());
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  429: "Too Many Requests",
  503: "Service Unavailable",
};

/**
 * Closes an accepted connection whose connectionParams the gate refused: the
 * HTTP status as a 4xxx close code (4401, 4403, 4429: graphql-ws clients do
 * not retry them), and the code and message as the reason (a close reason
 * holds 123 bytes).
 */
function closeWithRefusal(ws: WebSocket, refusal: UpgradeRefusal): void {
  const code = refusal.status === 401 ? CloseCode.Unauthorized : refusal.status === 429 ? 4429 : CloseCode.Forbidden;
  ws.close(code, truncateUtf8(`${refusal.code}: ${refusal.message}`, 123));
}

function truncateUtf8(text: string, bytes: number): string {
  let out = text;
  while (Buffer.byteLength(out) > bytes) out = out.slice(0, -1);
  return out;
}
