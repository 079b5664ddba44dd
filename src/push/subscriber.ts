import { randomBytes } from "node:crypto";
import type { SourceConfig } from "../config/sources-file.ts";
import type { AddressClassifier } from "../ingest/network-policy.ts";
import { silentLogger, type Logger } from "../log/logger.ts";
import type { PushStatus } from "../model/push-status.ts";
import type { SourceSnapshot } from "../model/source-snapshot.ts";
import type { HubRequest } from "./hub-request.ts";
import type { SubscriptionStore } from "./subscription-store.ts";
import { failed, nextStep, REQUESTED_LEASE_SECONDS, statusOf, type SubscriptionRecord } from "./subscription.ts";

/** How often subscriptions are looked after (asked, renewed, timed out, claimed from a dead holder). */
export const PUSH_TICK_MS = 5_000;
/** Where hubs reach the gateway, under its public URL: `/websub/<source id>/<token>`. */
export const CALLBACK_PREFIX = "/websub/";

export interface SubscriberOptions {
  /** The gateway's public origin (`--public-url`); null: nothing is subscribed. */
  publicUrl: string | null;
  /** The enabled sources (read on every tick: a reload may change them). */
  sources: () => readonly SourceConfig[];
  /** A source's last read, for the hubs and self URL it named. */
  snapshot: (sourceId: string) => SourceSnapshot | undefined;
  store: SubscriptionStore;
  hubRequest: HubRequest;
  /** Wall clock, epoch ms (leases are wall-clock times, shared by the cluster). @default Date.now */
  now?: () => number;
  /** Random bytes for tokens and secrets. @default crypto.randomBytes */
  randomBytes?: (size: number) => Buffer;
  /** Refuse hubs on non-public addresses altogether (`--refuse-private-addresses`). @default false */
  refusePrivateAddresses?: boolean;
  /** What counts as a public address. */
  classify: AddressClassifier;
  /** Told when a source's push state changes, e.g. to poll it at another pace. */
  onChange?: (sourceId: string, status: PushStatus) => void;
  logger?: Logger;
  /** @default PUSH_TICK_MS */
  tickMs?: number;
}

/** The subscription a source should have, or why it has none. */
type Wanted = { hub: string; topic: string } | { off: PushStatus };

/**
 * Subscribes sources at the hubs their feeds name (WebSub), and keeps them
 * subscribed: a tick asks the hub for sources without a subscription,
 * renews leases before they end, gives up on verifications that never come,
 * retries failures with a backoff and unsubscribes sources that no longer
 * want push. In a cluster only the instance holding a source's subscription
 * talks to its hub; every instance keeps a view of every record (the status
 * and the polling pace).
 */
export class Subscriber {
  private readonly known = new Map<string, SubscriptionRecord>();
  /** Sources whose state is not a record's (off, no hub), as last shown. */
  private readonly plain = new Map<string, PushStatus>();
  /** When a push was last taken in per source: by this instance, or by any (read from the store on each tick). */
  private readonly lastPush = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private readonly now: () => number;
  private readonly random: (size: number) => Buffer;
  private readonly logger: Logger;
  /** Pushes refused for a missing or wrong signature (tests, logs). */
  dropped = 0;

  constructor(private readonly options: SubscriberOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.randomBytes ?? randomBytes;
    this.logger = options.logger ?? silentLogger();
  }

  /** Ticks now and every `tickMs` (an unref'd timer), until `stop`. */
  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.tickMs ?? PUSH_TICK_MS);
    this.timer.unref();
  }

  /** Stops ticking; subscriptions are left to lapse (or to another instance, which takes them over). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /** One round over every source; rounds never overlap (a second call waits for the first). Never rejects. */
  tick(): Promise<void> {
    this.ticking ??= this.round()
      .catch((error) => this.logger.error({ err: error }, "websub: a round of subscriptions failed"))
      .finally(() => (this.ticking = null));
    return this.ticking;
  }

  /** A source's push state, for the status page and the API. */
  status(sourceId: string): PushStatus {
    const record = this.known.get(sourceId);
    const status = record ? statusOf(record) : (this.plain.get(sourceId) ?? offStatus("not looked at yet"));
    const pushed = this.lastPush.get(sourceId);
    return pushed === undefined ? status : { ...status, lastPushAt: new Date(pushed) };
  }

  /** Whether the hub pushes this source's changes now: a verified lease that has not ended. */
  isActive(sourceId: string): boolean {
    const record = this.known.get(sourceId);
    return record?.state === "active" && record.leaseEndsAt !== null && this.now() < record.leaseEndsAt;
  }

  /** The record the callback answers for, read where every instance sees it. */
  async record(sourceId: string): Promise<SubscriptionRecord | null> {
    const record = await this.options.store.get(sourceId);
    this.remember(sourceId, record);
    return record;
  }

  /** Stores a record the callback changed (a verification, a denial) and shows it. */
  async update(record: SubscriptionRecord): Promise<void> {
    await this.options.store.put(record);
    this.remember(record.sourceId, record);
  }

  /** Forgets a record (an unsubscription verified). */
  async forget(sourceId: string): Promise<void> {
    await this.options.store.delete(sourceId);
    this.remember(sourceId, null);
  }

  /** Notes content pushed and taken in for a source, here and for the cluster's other instances (see `followPushes`). */
  pushed(sourceId: string): void {
    const at = this.now();
    this.lastPush.set(sourceId, at);
    // A failed note only leaves the others' status behind: the push itself was taken in.
    void this.options.store.notePush(sourceId, at).catch(() => undefined);
  }

  /** Takes the latest push any instance noted for a source with a subscription record, so every instance's status shows it. */
  private async followPushes(sourceId: string): Promise<void> {
    const shared = await this.options.store.lastPush(sourceId);
    if (shared !== null && shared > (this.lastPush.get(sourceId) ?? Number.NEGATIVE_INFINITY)) this.lastPush.set(sourceId, shared);
  }

  private async round(): Promise<void> {
    const sources = this.options.sources();
    const seen = new Set<string>();
    await Promise.all(
      sources.map(async (source) => {
        seen.add(source.id);
        await this.look(source.id, this.wanted(source));
      }),
    );
    // Sources removed or disabled since: unsubscribed if this instance knew of a subscription.
    await Promise.all(
      [...this.known.keys()].filter((id) => !seen.has(id)).map((id) => this.look(id, { off: offStatus("source removed or disabled") })),
    );
    for (const id of [...this.plain.keys()]) if (!seen.has(id)) this.plain.delete(id);
  }

  private wanted(source: SourceConfig): Wanted {
    const { publicUrl } = this.options;
    if (!publicUrl) return { off: offStatus("no public URL (--public-url)") };
    if (!source.websub) return { off: offStatus('opted out ("websub": false)') };
    if (source.location.protocol !== "http:" && source.location.protocol !== "https:") return { off: offStatus("not an http(s) source") };
    const snapshot = this.options.snapshot(source.id);
    const hub = snapshot?.hubs?.[0];
    if (!hub) return { off: { ...offStatus(snapshot ? "the feed names no hub" : "not read yet"), state: "no-hub" } };
    // The topic is the feed's own URL when it names one (the spec's rel="self"), else where it is read, without credentials.
    const topic = snapshot.selfUrl ?? withoutUserinfo(source.location);
    return { hub, topic };
  }

  /** Takes the steps one source needs now. */
  private async look(sourceId: string, wanted: Wanted): Promise<void> {
    const { store } = this.options;
    if ("off" in wanted && !this.known.has(sourceId)) {
      // No record known here: no Redis call for the many sources without push.
      this.showPlain(sourceId, wanted.off);
      return;
    }
    if (!(await store.hold(sourceId))) {
      // Another instance talks to the hub; this one follows the record.
      if (await this.record(sourceId)) await this.followPushes(sourceId);
      return;
    }
    const record = await this.record(sourceId);
    if (record) await this.followPushes(sourceId);
    const now = this.now();
    if ("off" in wanted) {
      if (record && record.state !== "unsubscribing") await this.unsubscribe(record, now);
      else if (record && nextStep(record, now).kind === "forget") await this.forget(sourceId);
      if (!this.known.has(sourceId)) this.showPlain(sourceId, wanted.off);
      return;
    }
    if (!record || record.hub !== wanted.hub || record.topic !== wanted.topic || record.state === "unsubscribing") {
      await this.subscribe(this.fresh(sourceId, wanted.hub, wanted.topic), now, false);
      return;
    }
    const step = nextStep(record, now);
    if (step.kind === "verify-timeout") await this.update(failed(record, "the hub never verified the request", now));
    else if (step.kind === "lapse")
      await this.update({ ...record, state: "lapsed", pending: null, reason: "the lease ended before it was renewed", nextAttemptAt: now });
    else if (step.kind === "subscribe") await this.subscribe(record, now, step.renew);
  }

  private fresh(sourceId: string, hub: string, topic: string): SubscriptionRecord {
    return {
      sourceId,
      hub,
      topic,
      token: this.random(24).toString("base64url"),
      // 32 random bytes, 43 characters: well under the spec's 200-byte bound.
      secret: this.random(32).toString("base64url"),
      state: "subscribing",
      pending: null,
      leaseEndsAt: null,
      nextAttemptAt: null,
      failures: 0,
      reason: null,
      lastPushAt: null,
    };
  }

  /** Asks the hub; the record says so first, since the hub may verify before it answers. */
  private async subscribe(record: SubscriptionRecord, now: number, renew: boolean): Promise<void> {
    const sent: SubscriptionRecord = {
      ...record,
      state: renew ? "active" : "subscribing",
      pending: { mode: "subscribe", sentAt: now },
      reason: renew ? record.reason : null,
    };
    await this.update(sent);
    const answer = await this.options.hubRequest(
      sent.hub,
      {
        "hub.mode": "subscribe",
        "hub.topic": sent.topic,
        "hub.callback": this.callbackUrl(sent),
        "hub.secret": sent.secret,
        "hub.lease_seconds": String(REQUESTED_LEASE_SECONDS),
      },
      { publicOnly: this.publicOnly(sent) },
    );
    if (answer.ok) return;
    const current = await this.options.store.get(sent.sourceId);
    // Only the request this answer belongs to fails: a verification may have come meanwhile.
    if (current && current.token === sent.token && current.pending?.sentAt === now)
      await this.update(failed(current, answer.reason, this.now()));
  }

  private async unsubscribe(record: SubscriptionRecord, now: number): Promise<void> {
    const sent: SubscriptionRecord = { ...record, state: "unsubscribing", pending: { mode: "unsubscribe", sentAt: now } };
    await this.update(sent);
    const answer = await this.options.hubRequest(
      sent.hub,
      { "hub.mode": "unsubscribe", "hub.topic": sent.topic, "hub.callback": this.callbackUrl(sent) },
      { publicOnly: this.publicOnly(sent) },
    );
    // A hub that refuses to unsubscribe is left to let the lease lapse; pushes meanwhile find no record (404).
    if (!answer.ok) await this.forget(sent.sourceId);
  }

  callbackUrl(record: Pick<SubscriptionRecord, "sourceId" | "token">): string {
    const base = this.options.publicUrl!.replace(/\/+$/, "");
    return `${base}${CALLBACK_PREFIX}${encodeURIComponent(record.sourceId)}/${record.token}`;
  }

  /**
   * A hub is named by a feed, not by the operator: it must be on a public
   * address, unless it is on the very host the operator configured the
   * source on (a feed on a private network may have its hub beside it), and
   * never with --refuse-private-addresses.
   */
  private publicOnly(record: SubscriptionRecord): AddressClassifier | null {
    if (this.options.refusePrivateAddresses) return this.options.classify;
    const source = this.options.sources().find((s) => s.id === record.sourceId);
    return source && new URL(record.hub).hostname === source.location.hostname ? null : this.options.classify;
  }

  /** Shows a record (or its absence), telling `onChange` and the log when the state changed. */
  private remember(sourceId: string, record: SubscriptionRecord | null): void {
    const before = this.status(sourceId);
    if (record) {
      this.known.set(sourceId, record);
      this.plain.delete(sourceId);
    } else this.known.delete(sourceId);
    this.changed(sourceId, before, this.status(sourceId));
  }

  private showPlain(sourceId: string, status: PushStatus): void {
    const before = this.status(sourceId);
    this.plain.set(sourceId, status);
    this.changed(sourceId, before, this.status(sourceId));
  }

  private changed(sourceId: string, before: PushStatus, after: PushStatus): void {
    if (before.state === after.state && before.leaseEndsAt?.getTime() === after.leaseEndsAt?.getTime() && before.reason === after.reason)
      return;
    const fields = { source: sourceId, push: after.state, hub: after.hub, leaseEndsAt: after.leaseEndsAt, reason: after.reason };
    const said =
      after.state === "active"
        ? `active until ${after.leaseEndsAt?.toISOString()}`
        : `${after.state}${after.reason ? `: ${after.reason}` : ""}`;
    if (after.state === "failed" || after.state === "denied" || after.state === "lapsed")
      this.logger.warn(fields, `websub ${sourceId}: ${said}`);
    else this.logger.info(fields, `websub ${sourceId}: ${said}`);
    this.options.onChange?.(sourceId, after);
  }
}

function offStatus(reason: string): PushStatus {
  return { state: "off", hub: null, topic: null, leaseEndsAt: null, reason, lastPushAt: null };
}

function withoutUserinfo(url: URL): string {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  return copy.href;
}
