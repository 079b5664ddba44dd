import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { createLogger, silentLogger, type Logger } from "../../src/log/logger.ts";
import { createFetchHandler } from "../../src/http/server/fetch-adapter.ts";
import { REQUEST_ID_HEADER, withRequestLog } from "../../src/http/server/request-log.ts";

/** A handler behind the request log, called without a socket, that reports how many close listeners the response had. */
function serve(logger: Logger) {
  const handler = (_req: IncomingMessage, res: ServerResponse) =>
    void res.writeHead(200, { "content-type": "text/plain" }).end(String(res.listenerCount("close")));
  const handle = createFetchHandler(withRequestLog(handler, { logger, newId: () => "id-1" }));
  return async () => {
    const response = await handle(new Request("http://gateway.test/graphql"));
    return { id: response.headers.get(REQUEST_ID_HEADER), listeners: Number(await response.text()) };
  };
}

describe("the request log", () => {
  it("with a silent logger, still gives and echoes an id but adds no listener per request", async () => {
    const lines: string[] = [];
    const quiet = serve(silentLogger());
    const loud = serve(createLogger({ level: "info", destination: { write: (line: string) => void lines.push(line) } }));
    const [silent, logged] = [await quiet(), await loud()];
    expect([silent.id, logged.id]).toEqual(["id-1", "id-1"]);
    expect(logged.listeners).toBe(silent.listeners + 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([{ reqId: "id-1", path: "/graphql", status: 200 }]);
  });

  it("follows a level changed while the process runs", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "silent", destination: { write: (line: string) => void lines.push(line) } });
    const ask = serve(logger);
    await ask();
    logger.level = "info";
    await ask();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines).toHaveLength(1);
  });
});
