import type { PushStatus } from "../model/push-status.ts";

/** Lease asked of a hub: ten days, the spec's example; the hub decides and says in its verification. */
export const REQUESTED_LEASE_SECONDS = 10 * 86_400;
/** Shortest and longest lease taken from a hub's verification (a hub granting 0 or ten years is held to these). */
export const MIN_LEASE_SECONDS = 60;
export const MAX_LEASE_SECONDS = 365 * 86_400;
/** A lease is renewed once this fraction of it has passed, leaving the rest for a slow or failing hub. */
export const RENEW_AT_FRACTION = 0.85;
/** How long a hub may take to verify a request before it counts as failed (the spec sets no bound). */
export const VERIFY_TIMEOUT_MS = 5 * 60_000;
/** First wait before asking a hub again after a failure, doubling per failure up to MAX_RETRY_MS. */
export const FIRST_RETRY_MS = 60_000;
export const MAX_RETRY_MS = 3_600_000;

/** What the subscriber remembers of one source's subscription (in memory, or in Redis for the cluster). */
export interface SubscriptionRecord {
  sourceId: string;
  hub: string;
  topic: string;
  /** The callback's secret path part: only the hub learns it. */
  token: string;
  /** `hub.secret`: the HMAC key of every push. */
  secret: string;
  state: "subscribing" | "active" | "denied" | "failed" | "lapsed" | "unsubscribing";
  /** The request a verification may answer: set when a request is sent, cleared when verified. */
  pending: { mode: "subscribe" | "unsubscribe"; sentAt: number } | null;
  /** Wall clock, epoch ms: the lease's end as granted (null before the first verification). */
  leaseEndsAt: number | null;
  /** When to renew (active) or ask again (failed, lapsed, denied). */
  nextAttemptAt: number | null;
  failures: number;
  reason: string | null;
  lastPushAt: number | null;
}

/** What the subscriber does next for one source, decided from its record and the clock alone. */
export type Step =
  | { kind: "subscribe"; renew: boolean }
  | { kind: "verify-timeout" }
  | { kind: "lapse" }
  | { kind: "forget" }
  | { kind: "none" };

/**
 * The next step for a source that should be subscribed: ask the hub when no
 * request is pending and it is time (first time, renewal, retry), give up on a
 * verification that never came, mark a lease that ended unrenewed.
 */
export function nextStep(record: SubscriptionRecord, now: number): Step {
  if (record.pending && now - record.pending.sentAt >= VERIFY_TIMEOUT_MS)
    return record.pending.mode === "unsubscribe" ? { kind: "forget" } : { kind: "verify-timeout" };
  if (record.state === "active" && record.leaseEndsAt !== null && now >= record.leaseEndsAt) return { kind: "lapse" };
  if (record.pending) return { kind: "none" };
  if (record.state === "unsubscribing") return { kind: "none" };
  if (record.nextAttemptAt !== null && now < record.nextAttemptAt) return { kind: "none" };
  return { kind: "subscribe", renew: record.state === "active" };
}

/** The record once the hub verified a subscription, for `leaseSeconds` (hub.lease_seconds, or null when it gave none). */
export function verified(record: SubscriptionRecord, leaseSeconds: number | null, now: number): SubscriptionRecord {
  const lease = Math.min(Math.max(leaseSeconds ?? REQUESTED_LEASE_SECONDS, MIN_LEASE_SECONDS), MAX_LEASE_SECONDS) * 1000;
  return {
    ...record,
    state: "active",
    pending: null,
    leaseEndsAt: now + lease,
    nextAttemptAt: now + Math.round(lease * RENEW_AT_FRACTION),
    failures: 0,
    reason: null,
  };
}

/**
 * The record after a failed request or a verification that never came. A
 * renewal that fails keeps the lease it has (still `active` until it ends),
 * and is tried again sooner than the lease's end.
 */
export function failed(record: SubscriptionRecord, reason: string, now: number): SubscriptionRecord {
  const failures = record.failures + 1;
  const retryAt = now + retryDelayMs(failures);
  const keepsLease = record.state === "active" && record.leaseEndsAt !== null && now < record.leaseEndsAt;
  return {
    ...record,
    state: keepsLease ? "active" : "failed",
    pending: null,
    failures,
    reason,
    nextAttemptAt: keepsLease ? Math.min(retryAt, record.leaseEndsAt!) : retryAt,
  };
}

export function retryDelayMs(failures: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), MAX_RETRY_MS);
}

/** What the status page and the API show of a record. */
export function statusOf(record: SubscriptionRecord): PushStatus {
  const state = record.state === "unsubscribing" ? "off" : record.state;
  return {
    state,
    hub: record.hub,
    topic: record.topic,
    leaseEndsAt: record.leaseEndsAt === null ? null : new Date(record.leaseEndsAt),
    reason: state === "active" ? null : record.reason,
    lastPushAt: record.lastPushAt === null ? null : new Date(record.lastPushAt),
  };
}

/** A record read back from storage, or null when it is not one this version wrote. */
export function parseRecord(text: string | null, sourceId: string): SubscriptionRecord | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as SubscriptionRecord;
    const strings = [value.hub, value.topic, value.token, value.secret, value.state];
    return value.sourceId === sourceId && strings.every((s) => typeof s === "string") ? value : null;
  } catch {
    return null;
  }
}
