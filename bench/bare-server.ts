/**
 * The baseline of the HTTP scenarios: a bare node:http server that reads each
 * request's body and answers with bytes it holds, with the content type the
 * gateway gave them. The bench sets the bytes over IPC (`body`), so one
 * server serves every variant. Nothing else runs per request.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { failStart, listenToBench, tell, type ChildMessage } from "./processes.ts";

export interface BodyMessage extends ChildMessage {
  type: "body";
  contentType: string;
  /** Set when the bytes are compressed (the gateway's br answer). */
  contentEncoding?: string | null;
  base64: string;
}

let body = Buffer.alloc(0);
let headers: Record<string, string | number> = {};

const server = createServer((req, res) => {
  req.on("data", () => undefined);
  req.on("end", () => {
    res.writeHead(200, headers);
    res.end(body);
  });
});

listenToBench(
  (message) => {
    if (message.type !== "body") return;
    const { contentType, contentEncoding, base64 } = message as BodyMessage;
    body = Buffer.from(base64, "base64");
    headers = {
      "content-type": contentType,
      "content-length": body.length,
      ...(contentEncoding ? { "content-encoding": contentEncoding } : {}),
    };
    tell({ type: "body-set", bytes: body.length });
  },
  () => new Promise<void>((resolve) => server.close(() => resolve())),
);

server.on("error", failStart);
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  tell({ type: "ready", url: `http://127.0.0.1:${port}` });
});
