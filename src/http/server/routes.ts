import type { IncomingMessage, ServerResponse } from "node:http";

/** A plain HTTP route beside GraphQL (health, feeds, pages). */
export interface Route {
  /** An exact path, or a pattern whose groups the handler receives. */
  path: string | RegExp;
  /** @default ["GET", "HEAD"] */
  methods?: string[];
  handle: (req: IncomingMessage, res: ServerResponse, match: RegExpExecArray | null) => void | Promise<void>;
}

const DEFAULT_METHODS = ["GET", "HEAD"];

/**
 * Finds the route for a request and runs it; false when no route claims the
 * path (GraphQL's turn). A wrong method gets 405 with `Allow`; a handler that
 * throws gets a 500 without details, never a crash.
 */
export function dispatch(routes: Route[], req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? "/").split("?")[0]!;
  for (const route of routes) {
    const match = typeof route.path === "string" ? (route.path === path ? null : undefined) : (route.path.exec(path) ?? undefined);
    if (match === undefined) continue;
    const methods = route.methods ?? DEFAULT_METHODS;
    if (!methods.includes(req.method ?? "GET")) {
      sendJson(res, 405, { error: `${req.method} is not allowed here; use ${methods.join(" or ")}` }, { allow: methods.join(", ") });
      return true;
    }
    Promise.resolve()
      .then(() => route.handle(req, res, match))
      .catch(() => {
        if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
        else res.destroy();
      });
    return true;
  }
  return false;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
