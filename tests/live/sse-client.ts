/** One GraphQL over SSE subscription from a real HTTP client (fetch), as a browser's EventSource would open it. */
export interface SseSubscription {
  response: Response;
  /** Every `next` payload received so far, in order. */
  payloads: { data?: any; errors?: any[] }[];
  /** Resolves once `count` payloads arrived; rejects after `timeoutMs` with what did arrive. */
  waitFor: (count: number, timeoutMs?: number) => Promise<{ data?: any; errors?: any[] }[]>;
  /** Resolves once the server completed the stream. */
  completed: Promise<void>;
  close: () => void;
}

/** Where to subscribe: a base URL (the global fetch, over a socket), or a gateway with its own fetch (in memory, see openGateway). */
export type SseTarget = string | { url: string; fetch: (input: string, init?: RequestInit) => Promise<Response> };

/** Opens `GET /graphql?query=…` with `accept: text/event-stream` and parses events as they come. */
export async function subscribeSse(target: SseTarget, query: string, variables?: Record<string, unknown>): Promise<SseSubscription> {
  const [baseUrl, get] = typeof target === "string" ? [target, fetch] : [target.url, target.fetch];
  const controller = new AbortController();
  const params = new URLSearchParams({ query });
  if (variables) params.set("variables", JSON.stringify(variables));
  const response = await get(`${baseUrl}/graphql?${params}`, { headers: { accept: "text/event-stream" }, signal: controller.signal });
  const payloads: { data?: any; errors?: any[] }[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const completed = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: ?(.*)$/m.exec(block)?.[1];
          const data = block
            .split("\n")
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5).trimStart())
            .join("\n");
          if (event === "next" && data) payloads.push(JSON.parse(data));
          if (event === "complete") return;
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      ended = true;
      for (const wake of waiters) wake();
    }
  })();
  return {
    response,
    payloads,
    completed,
    close: () => controller.abort(),
    waitFor: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (payloads.length >= count) return done(() => resolve(payloads.slice()));
          if (ended)
            return done(() => reject(new Error(`stream ended after ${payloads.length} of ${count} payloads: ${JSON.stringify(payloads)}`)));
        };
        const timer = setTimeout(
          () =>
            done(() => reject(new Error(`${payloads.length} of ${count} payloads within ${timeoutMs} ms: ${JSON.stringify(payloads)}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      }),
  };
}
