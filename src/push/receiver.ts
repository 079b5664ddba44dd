import { timingSafeEqual } from "node:crypto";
import { silentLogger, type Logger } from "../log/logger.ts";
import { checkSignature } from "./signature.ts";
import type { Subscriber } from "./subscriber.ts";
import { retryDelayMs, verified, type SubscriptionRecord } from "./subscription.ts";

/** Longest `hub.challenge` echoed; a longer one is refused rather than sent back. */
export const MAX_CHALLENGE_LENGTH = 1024;
/** Longest `hub.reason` of a denial kept for the status. */
export const MAX_DENIAL_REASON_LENGTH = 200;

/** An answer for the hub: status and plain-text body. */
export interface HubReply {
  status: number;
  body: string;
}

/** What became of pushed content. */
export type PushOutcome = "taken" | "dropped" | "unknown" | "unreadable";

export interface ReceiverOptions {
  subscriber: Subscriber;
  /** Takes pushed content in as a read of the source (the same pipeline); resolves once queries see it, or with why not. */
  ingest: (
    sourceId: string,
    body: Buffer,
    contentType: string | null,
    topic: string,
    link: string | null,
  ) => Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Wall clock, epoch ms. @default Date.now */
  now?: () => number;
  logger?: Logger;
}

const NOT_FOUND: HubReply = { status: 404, body: "no such subscription" };

/**
 * The callback's two halves (the WebSub spec's §5.3 and §7): the hub's
 * verification of intent, answered only for a request we made (its topic,
 * its mode, while it is pending) or for the subscription we hold (see
 * `reconfirms`), and content distribution, taken in only when signed with
 * the subscription's secret.
 */
export class Receiver {
  private readonly now: () => number;
  private readonly logger: Logger;

  constructor(private readonly options: ReceiverOptions) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger();
  }

  /** A GET from the hub: verification of intent, or a denial. */
  async verify(sourceId: string, token: string, query: URLSearchParams): Promise<HubReply> {
    const { subscriber } = this.options;
    const record = await subscriber.record(sourceId);
    if (!record || !sameToken(record.token, token)) return NOT_FOUND;
    const mode = query.get("hub.mode");
    const topic = query.get("hub.topic");
    if (topic !== record.topic) return NOT_FOUND;
    if (mode === "denied") {
      if (record.state === "unsubscribing") return { status: 200, body: "ok" };
      const failures = record.failures + 1;
      const reason = (query.get("hub.reason") ?? "").replace(/\s+/g, " ").trim().slice(0, MAX_DENIAL_REASON_LENGTH);
      await subscriber.update({
        ...record,
        state: "denied",
        pending: null,
        failures,
        reason: reason ? `the hub denied the subscription: ${reason}` : "the hub denied the subscription",
        nextAttemptAt: this.now() + retryDelayMs(failures),
      });
      return { status: 200, body: "ok" };
    }
    if ((mode !== "subscribe" && mode !== "unsubscribe") || !(record.pending?.mode === mode || reconfirms(record, mode))) return NOT_FOUND;
    const challenge = query.get("hub.challenge");
    if (!challenge || challenge.length > MAX_CHALLENGE_LENGTH) return { status: 400, body: "hub.challenge missing or too long" };
    if (mode === "unsubscribe") await subscriber.forget(sourceId);
    else {
      const lease = query.get("hub.lease_seconds");
      const seconds = lease !== null && /^\d{1,10}$/.test(lease) ? Number(lease) : null;
      await subscriber.update(verified(record, seconds, this.now()));
    }
    return { status: 200, body: challenge };
  }

  /**
   * A POST from the hub: the topic's new content. Unsigned or wrongly signed
   * content is dropped (and logged), yet acknowledged with 202 as the spec
   * allows, so that a forger learns nothing; unknown subscriptions get 404,
   * which tells a hub to stop.
   */
  async distribute(
    sourceId: string,
    token: string,
    body: Buffer,
    headers: { contentType: string | null; signature: string | null; link: string | null },
  ): Promise<{ reply: HubReply; outcome: PushOutcome }> {
    const { subscriber } = this.options;
    const record = await subscriber.record(sourceId);
    if (!record || !sameToken(record.token, token)) return { reply: NOT_FOUND, outcome: "unknown" };
    const check = checkSignature(headers.signature, body, record.secret);
    if (!check.ok) {
      subscriber.dropped++;
      this.logger.warn(
        { source: sourceId, reason: check.reason, bytes: body.length },
        `websub ${sourceId}: pushed content dropped (${check.reason} signature)`,
      );
      return { reply: { status: 202, body: "accepted" }, outcome: "dropped" };
    }
    const taken = await this.options.ingest(sourceId, body, headers.contentType, record.topic, headers.link);
    if (!taken.ok) {
      this.logger.warn({ source: sourceId, reason: taken.reason }, `websub ${sourceId}: pushed content not read: ${taken.reason}`);
      return { reply: { status: 202, body: "accepted" }, outcome: "unreadable" };
    }
    subscriber.pushed(sourceId);
    this.logger.info({ source: sourceId, bytes: body.length, signature: check.algorithm }, `websub ${sourceId}: pushed content taken in`);
    return { reply: { status: 202, body: "accepted" }, outcome: "taken" };
  }
}

/**
 * A hub checking again, unasked, that we still want the subscription we hold
 * (some hubs re-verify active subscriptions now and then, and drop those that
 * do not confirm): confirmed for an active subscription in subscribe mode,
 * the lease then running as the hub now grants it. An unsubscribe we did not
 * ask for, or a subscribe for one that is not active, is still not ours.
 */
function reconfirms(record: Pick<SubscriptionRecord, "state" | "pending">, mode: string): boolean {
  return mode === "subscribe" && record.state === "active" && record.pending === null;
}

function sameToken(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
