import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * An upstream for tests on 127.0.0.1: routes by path, counts the requests each
 * path received and the connections it accepted, and closes every socket on
 * `close()` (so a hanging route does not keep the test alive).
 */
export async function startFixtureServer(routes: Record<string, Route>) {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (!route) {
      res.writeHead(404).end("not found");
      return;
    }
    Promise.resolve(route(req, res)).catch(() => res.destroy());
  });
  let connections = 0;
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    hits: (path: string) => hits.get(path) ?? 0,
    totalHits: () => [...hits.values()].reduce((a, b) => a + b, 0),
    connections: () => connections,
    resetHits: () => hits.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function serveBody(body: string | Buffer, contentType: string, extraHeaders: Record<string, string> = {}): Route {
  return (_req, res) => {
    res.writeHead(200, { "content-type": contentType, ...extraHeaders });
    res.end(body);
  };
}
