import type { IncomingMessage } from "node:http";
import type { PushOutcome, Receiver } from "../../push/receiver.ts";
import { CALLBACK_PREFIX } from "../../push/subscriber.ts";
import type { Store } from "../../store/store.ts";
import type { Route } from "../server/routes.ts";

/** Longest query string a hub's verification may carry (topic, challenge, reason and lease together). */
export const MAX_VERIFICATION_QUERY_LENGTH = 8192;

const CALLBACK_PATH = new RegExp(`^${CALLBACK_PREFIX}([^/]{1,200})/([A-Za-z0-9_-]{1,100})$`);

/**
 * `GET` and `POST /websub/<source id>/<token>`: the WebSub callback. GET is
 * the hub's verification of intent (echoing `hub.challenge` for a request we
 * made); POST is pushed content, read at most the source's `maxBytes` (413
 * beyond), then checked and taken in by the receiver.
 */
export function createWebSubRoute({
  store,
  receiver,
  onPush,
}: {
  store: Store;
  receiver: Receiver;
  /** Told what became of each push (metrics). @default none */
  onPush?: (outcome: PushOutcome | "too_large") => void;
}): Route {
  return {
    path: CALLBACK_PATH,
    methods: ["GET", "POST"],
    handle: async (req, res, match) => {
      const reply = (status: number, body: string) => {
        res.writeHead(status, {
          "content-type": "text/plain; charset=utf-8",
          "content-length": Buffer.byteLength(body),
          "cache-control": "no-store",
          "x-content-type-options": "nosniff",
        });
        res.end(body);
      };
      let sourceId: string;
      try {
        sourceId = decodeURIComponent(match![1]!);
      } catch {
        return reply(404, "no such subscription");
      }
      const token = match![2]!;
      const source = store.enabledSources.find((s) => s.id === sourceId);
      if (!source) {
        req.resume();
        if (req.method === "POST") onPush?.("unknown");
        return reply(404, "no such subscription");
      }
      if (req.method === "GET") {
        const search = (req.url ?? "").split("?")[1] ?? "";
        if (search.length > MAX_VERIFICATION_QUERY_LENGTH) return reply(414, "query too long");
        const answer = await receiver.verify(sourceId, token, new URLSearchParams(search));
        return reply(answer.status, answer.body);
      }
      const body = await readBody(req, source.maxBytes);
      if (body === null) {
        // The rest of an oversized body is not read: the connection closes after the answer.
        res.setHeader("connection", "close");
        onPush?.("too_large");
        return reply(413, `pushed content over the source's ${source.maxBytes} bytes`);
      }
      const { reply: answer, outcome } = await receiver.distribute(sourceId, token, body, {
        contentType: header(req, "content-type"),
        signature: header(req, "x-hub-signature"),
        link: header(req, "link"),
      });
      onPush?.(outcome);
      reply(answer.status, answer.body);
    },
  };
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
}

/** The request's body, or null once it passes `maxBytes` (a declared length too long is refused before reading). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        req.removeAllListeners("data");
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
