import { IncomingMessage, ServerResponse } from "node:http";
import { Duplex } from "node:stream";
import type { NodeHandler } from "./request-path.ts";

/** Who a fetch-style request appears to come from (the peer address the gate and rate limits count). */
export interface FetchClient {
  /** @default "127.0.0.1" */
  remoteAddress?: string;
}

export type FetchHandler = (request: Request, client?: FetchClient) => Promise<Response>;

/**
 * The app's Node request path as a fetch-style handler, with no listening
 * socket: the request becomes a Node `IncomingMessage` on an in-memory
 * connection, the very handler the server runs answers it, and the bytes it
 * writes become the `Response`. Every decision (gate, routes, edge cache,
 * Yoga) is therefore the server's own; only the transport differs.
 *
 * The response resolves once its head is written and its body streams as the
 * handler writes it (an event stream included); aborting the request's signal
 * closes the connection, as a client going away does. The body ends once the
 * response's `close` listeners (the request log) have run. WebSocket upgrades
 * need a real server (`listen`), which does not go through here.
 */
export function createFetchHandler(handle: NodeHandler): FetchHandler {
  return async (request, client = {}) => {
    // A request over a socket arrives on a later turn of the event loop; one in memory waits for that turn too,
    // so a client asking in a tight loop cannot starve timers and the gateway's own upstream reads.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const body = request.method === "GET" || request.method === "HEAD" ? null : Buffer.from(await request.arrayBuffer());
    const reader = new ResponseReader(request.method === "HEAD");
    const socket = new MemorySocket(client.remoteAddress ?? "127.0.0.1", (chunk) => reader.write(chunk));
    const req = toIncomingMessage(request, socket, body);
    const res = new ServerResponse(req);
    // One request per connection, its body framed by the connection's end: what is written is the answer as is.
    res.shouldKeepAlive = false;
    res.useChunkedEncodingByDefault = false;
    res.assignSocket(socket as never);
    // As a server does after a response that closes its connection, the connection closes once the response has finished.
    res.once("finish", () => socket.destroy());
    res.once("close", () => reader.close(res.writableFinished));
    const abort = () => socket.destroy();
    if (request.signal.aborted) abort();
    else request.signal.addEventListener("abort", abort, { once: true });
    handle(req, res);
    return reader.response;
  };
}

/** Reads an HTTP/1.1 response as Node writes it (its body raw, or chunked when a handler asked for it) into a Fetch `Response`. */
class ResponseReader {
  readonly response: Promise<Response>;
  private resolve!: (response: Response) => void;
  private reject!: (error: Error) => void;
  private head: Buffer | null = Buffer.alloc(0);
  private body: ReadableStreamDefaultController<Uint8Array> | null = null;
  /** Set when the body is chunked: kept whole and decoded at the end (handlers here never ask for it on a stream). */
  private chunked: Buffer[] | null = null;

  constructor(private readonly headRequest: boolean) {
    this.response = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  write(chunk: Buffer): void {
    if (this.head === null) {
      this.append(chunk);
      return;
    }
    this.head = Buffer.concat([this.head, chunk]);
    const end = this.head.indexOf("\r\n\r\n");
    if (end === -1) return;
    const [statusLine = "", ...lines] = this.head.subarray(0, end).toString("latin1").split("\r\n");
    const rest = this.head.subarray(end + 4);
    this.head = null;
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]);
    const headers = new Headers();
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    const statusText = statusLine.slice(13);
    if (this.headRequest || status === 204 || status === 304) {
      this.resolve(new Response(null, { status, statusText, headers }));
      return;
    }
    if (/\bchunked\b/i.test(headers.get("transfer-encoding") ?? "")) this.chunked = [];
    const stream = new ReadableStream<Uint8Array>({ start: (controller) => void (this.body = controller) });
    this.resolve(new Response(stream, { status, statusText, headers }));
    if (rest.length > 0) this.append(rest);
  }

  /** The connection closed: the body ends, or fails when the response never finished. */
  close(finished: boolean): void {
    if (this.head !== null) {
      this.reject(new Error("the handler closed the response before writing its head"));
      return;
    }
    if (!this.body) return;
    if (!finished) {
      this.body.error(new Error("the response was closed before it finished"));
      return;
    }
    if (this.chunked) this.body.enqueue(new Uint8Array(dechunk(Buffer.concat(this.chunked))));
    this.body.close();
  }

  private append(chunk: Buffer): void {
    if (this.chunked) this.chunked.push(chunk);
    else this.body?.enqueue(new Uint8Array(chunk));
  }
}

/** A connection held in memory: what is written to it is handed to `onWrite`; nothing arrives on it. */
class MemorySocket extends Duplex {
  readonly remotePort = 0;
  readonly remoteFamily: string;

  constructor(
    readonly remoteAddress: string,
    private readonly onWrite: (chunk: Buffer) => void,
  ) {
    super();
    this.remoteFamily = remoteAddress.includes(":") ? "IPv6" : "IPv4";
  }

  override _read(): void {}

  override _write(chunk: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.onWrite(typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk);
    callback();
  }

  setTimeout(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  destroySoon(): void {
    this.end();
  }
}

function toIncomingMessage(request: Request, socket: MemorySocket, body: Buffer | null): IncomingMessage {
  const req = new IncomingMessage(socket as never);
  const url = new URL(request.url);
  req.method = request.method;
  req.url = `${url.pathname}${url.search}`;
  req.httpVersion = "1.1";
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  const headers: Record<string, string> = { host: url.host };
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (body && headers["content-length"] === undefined && headers["transfer-encoding"] === undefined)
    headers["content-length"] = String(body.length);
  req.headers = headers;
  req.rawHeaders = Object.entries(headers).flat();
  if (body && body.length > 0) req.push(body);
  req.push(null);
  req.complete = true;
  return req;
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf("\r\n", at);
    if (lineEnd === -1) break;
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString("latin1"), 16);
    if (!(size > 0)) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
