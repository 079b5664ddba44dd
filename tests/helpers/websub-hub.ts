import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** How the hub answers verification of intent: verifies, never verifies, or denies. */
export type VerifyMode = "verify" | "never" | "deny";

export interface HubSubscription {
  topic: string;
  callback: string;
  secret: string | null;
  leaseSeconds: number;
  /** Set once the subscriber echoed the challenge. */
  verified: boolean;
}

export interface HubRequestSeen {
  mode: string;
  topic: string;
  callback: string;
  secret: string | null;
  leaseSeconds: string | null;
}

export interface Verification {
  mode: string;
  topic: string;
  callback: string;
  status: number;
  /** Whether the answer was 2xx and echoed the challenge exactly. */
  confirmed: boolean;
}

/**
 * A WebSub hub on 127.0.0.1 for tests, following the W3C Recommendation:
 * takes form-encoded subscription requests (202 Accepted), verifies intent
 * asynchronously with a random challenge and checks the echo, and distributes
 * content to verified subscribers with `X-Hub-Signature` HMACs. Its faults are
 * chosen per test: a hub that never verifies, denies, signs wrongly or not at all.
 */
export async function startWebSubHub({ grantLeaseSeconds = 3600, verifyMode = "verify" as VerifyMode } = {}) {
  const state = { grantLeaseSeconds, verifyMode, answerStatus: 202 };
  const requests: HubRequestSeen[] = [];
  const verifications: Verification[] = [];
  const subscriptions = new Map<string, HubSubscription>();
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };

  const verify = async (mode: string, topic: string, callback: string, extra: Record<string, string> = {}): Promise<Verification> => {
    const challenge = randomBytes(16).toString("hex");
    const url = new URL(callback);
    url.searchParams.set("hub.mode", mode);
    url.searchParams.set("hub.topic", topic);
    if (mode !== "denied") url.searchParams.set("hub.challenge", challenge);
    if (mode === "subscribe") url.searchParams.set("hub.lease_seconds", String(state.grantLeaseSeconds));
    for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
    const response = await fetch(url);
    const body = await response.text();
    const result = { mode, topic, callback, status: response.status, confirmed: response.ok && body === challenge };
    verifications.push(result);
    changed();
    return result;
  };

  const server = createServer((req, res) => {
    void readForm(req).then((form) => {
      const seen: HubRequestSeen = {
        mode: form.get("hub.mode") ?? "",
        topic: form.get("hub.topic") ?? "",
        callback: form.get("hub.callback") ?? "",
        secret: form.get("hub.secret"),
        leaseSeconds: form.get("hub.lease_seconds"),
      };
      requests.push(seen);
      if (!["subscribe", "unsubscribe"].includes(seen.mode) || !seen.topic || !seen.callback) {
        res.writeHead(400).end("hub.mode, hub.topic and hub.callback are required");
        changed();
        return;
      }
      if (state.answerStatus !== 202) {
        res.writeHead(state.answerStatus).end("the hub is unwell");
        changed();
        return;
      }
      res.writeHead(202).end();
      changed();
      // Verification of intent comes after the answer, as the spec has it.
      setImmediate(() => {
        if (state.verifyMode === "never") return;
        if (state.verifyMode === "deny") {
          void verify("denied", seen.topic, seen.callback, { "hub.reason": "topic not hosted here" });
          return;
        }
        void verify(seen.mode, seen.topic, seen.callback).then((result) => {
          if (!result.confirmed) return;
          if (seen.mode === "unsubscribe") subscriptions.delete(seen.callback);
          else
            subscriptions.set(seen.callback, {
              topic: seen.topic,
              callback: seen.callback,
              secret: seen.secret,
              leaseSeconds: state.grantLeaseSeconds,
              verified: true,
            });
          changed();
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  /** Resolves once `check` holds, looked at after every request, verification and subscription change. */
  const waitFor = <T>(what: string, check: () => T | undefined | false, timeoutMs = 5000): Promise<T> =>
    new Promise((resolve, reject) => {
      const look = () => {
        const found = check();
        if (found) {
          listeners.delete(look);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(look);
        reject(new Error(`hub: not within ${timeoutMs} ms: ${what}`));
      }, timeoutMs);
      listeners.add(look);
      look();
    });

  return {
    url: `http://127.0.0.1:${port}/`,
    state,
    requests,
    verifications,
    subscriptions,
    waitFor,
    /** Sends a verification of our own making (an unknown topic, a mode never asked for). */
    verify,
    /**
     * Distributes `body` to every verified subscriber of `topic`, signed as
     * asked: `sha256`/`sha512` with the subscriber's secret, `wrong` (a sha256
     * HMAC with another key), `sha1`, or `none`. Answers each callback's status.
     */
    publish: async (
      topic: string,
      body: string,
      { contentType = "application/rss+xml", signature = "sha256" as "sha256" | "sha512" | "sha1" | "wrong" | "none" } = {},
    ): Promise<number[]> => {
      const statuses: number[] = [];
      for (const subscription of subscriptions.values()) {
        if (subscription.topic !== topic) continue;
        const headers: Record<string, string> = {
          "content-type": contentType,
          link: `<${`http://127.0.0.1:${port}/`}>; rel="hub", <${topic}>; rel="self"`,
        };
        const secret = subscription.secret ?? "";
        if (signature === "wrong")
          headers["x-hub-signature"] = `sha256=${createHmac("sha256", "not-the-secret").update(body).digest("hex")}`;
        else if (signature !== "none")
          headers["x-hub-signature"] = `${signature}=${createHmac(signature, secret).update(body).digest("hex")}`;
        const response = await fetch(subscription.callback, { method: "POST", headers, body });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
      return statuses;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type WebSubHub = Awaited<ReturnType<typeof startWebSubHub>>;

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => resolve(new URLSearchParams(text)));
  });
}
