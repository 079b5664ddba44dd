import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger, silentLogger, type Logger } from "../../src/log/logger.ts";
import { REQUEST_ID_HEADER, withRequestLog } from "../../src/http/request-log.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A server behind the request log whose handler reports how many close listeners the response had. */
async function serve(logger: Logger) {
  const handler = (_req: IncomingMessage, res: ServerResponse) =>
    void res.writeHead(200, { "content-type": "text/plain" }).end(String(res.listenerCount("close")));
  const server = createServer(withRequestLog(handler, { logger, newId: () => "id-1" }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return async () => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`);
    return { id: response.headers.get(REQUEST_ID_HEADER), listeners: Number(await response.text()) };
  };
}

describe("the request log", () => {
  it("with a silent logger, still gives and echoes an id but adds no listener per request", async () => {
    const lines: string[] = [];
    const quiet = await serve(silentLogger());
    const loud = await serve(createLogger({ level: "info", destination: { write: (line: string) => void lines.push(line) } }));
    const [silent, logged] = [await quiet(), await loud()];
    expect([silent.id, logged.id]).toEqual(["id-1", "id-1"]);
    expect(logged.listeners).toBe(silent.listeners + 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([{ reqId: "id-1", path: "/graphql", status: 200 }]);
  });

  it("follows a level changed while the process runs", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "silent", destination: { write: (line: string) => void lines.push(line) } });
    const ask = await serve(logger);
    await ask();
    logger.level = "info";
    await ask();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines).toHaveLength(1);
  });
});
