import type { FormattedExecutionResult } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

/** A result as a client reads it (data loosely typed for tests). */
type ExecutionResult = FormattedExecutionResult<any, any>;

/** A real graphql-ws client (graphql-transport-ws) in Node, through the `ws` package, optionally sending an Origin and headers. */
export function wsClient(
  httpUrl: string,
  {
    path = "/graphql",
    origin,
    headers = {},
    connectionParams,
  }: { path?: string; origin?: string; headers?: Record<string, string>; connectionParams?: Record<string, unknown> } = {},
) {
  const closes: { code: number; reason: string }[] = [];
  const extraHeaders = { ...headers, ...(origin ? { origin } : {}) };
  class HeaderedWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: extraHeaders });
    }
  }
  const client: Client = createClient({
    url: `${httpUrl.replace(/^http/, "ws")}${path}`,
    webSocketImpl: HeaderedWebSocket,
    retryAttempts: 0,
    lazy: true,
    // One connection for every operation of a test (lazy clients otherwise close when none is running).
    lazyCloseTimeout: 60_000,
    connectionParams,
    on: {
      closed: (event) =>
        void closes.push({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }),
    },
  });
  /** One operation's results until it completes (a query: one), or the error that ended it (a close event or GraphQL errors). */
  const run = (query: string, variables?: Record<string, unknown>) =>
    new Promise<ExecutionResult[]>((resolve, reject) => {
      const results: ExecutionResult[] = [];
      client.subscribe(
        { query, variables },
        { next: (result) => void results.push(result), error: reject, complete: () => resolve(results) },
      );
    });
  /** A long-lived subscription: its payloads so far, a wait for a count of them, and an end. */
  const subscribe = (query: string, variables?: Record<string, unknown>) => {
    const payloads: ExecutionResult[] = [];
    let failure: unknown = null;
    let completed = false;
    const unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (result) => void payloads.push(result),
        error: (error) => void (failure = error),
        complete: () => void (completed = true),
      },
    );
    const waitFor = async (count: number, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (payloads.length < count) {
        if (failure) throw new Error(`subscription failed: ${JSON.stringify(failure)}`);
        if (Date.now() > deadline)
          throw new Error(`${payloads.length} of ${count} payloads within ${timeoutMs} ms: ${JSON.stringify(payloads)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return payloads.slice();
    };
    return { payloads, waitFor, unsubscribe, failure: () => failure, completed: () => completed };
  };
  return { client, run, subscribe, closes, dispose: () => client.dispose() };
}

/** The raw answer to a WebSocket handshake: 101 and the socket, or the refusal's status and JSON body. */
export function handshake(
  httpUrl: string,
  {
    path = "/graphql",
    protocols = ["graphql-transport-ws"],
    headers = {},
  }: { path?: string; protocols?: string[]; headers?: Record<string, string> } = {},
) {
  return new Promise<{ status: number; body: any; headers: Record<string, unknown>; socket?: WebSocket }>((resolve, reject) => {
    const socket = new WebSocket(`${httpUrl.replace(/^http/, "ws")}${path}`, protocols, { headers });
    socket.once("open", () => resolve({ status: 101, body: null, headers: {}, socket }));
    socket.once("unexpected-response", (_req, res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: kept as text.
        }
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      });
    });
    socket.once("error", (error) => reject(error));
  });
}
