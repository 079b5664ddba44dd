import { describe, expect, it } from "vitest";
import {
  failed,
  FIRST_RETRY_MS,
  MAX_LEASE_SECONDS,
  MIN_LEASE_SECONDS,
  nextStep,
  REQUESTED_LEASE_SECONDS,
  type SubscriptionRecord,
  VERIFY_TIMEOUT_MS,
  verified,
} from "../../src/push/subscription.ts";

const T0 = Date.UTC(2026, 0, 1);
const record = (over: Partial<SubscriptionRecord> = {}): SubscriptionRecord => ({
  sourceId: "s",
  hub: "https://hub.example/",
  topic: "https://feeds.example/x",
  token: "t",
  secret: "k",
  state: "subscribing",
  pending: null,
  leaseEndsAt: null,
  nextAttemptAt: null,
  failures: 0,
  reason: null,
  lastPushAt: null,
  ...over,
});

describe("a subscription's lifecycle", () => {
  it("renews at 85 % of the granted lease, held to its bounds", () => {
    const active = verified(record({ pending: { mode: "subscribe", sentAt: T0 } }), 1000, T0);
    expect(active).toMatchObject({ state: "active", pending: null, leaseEndsAt: T0 + 1000_000, nextAttemptAt: T0 + 850_000 });
    expect(nextStep(active, T0 + 849_999)).toEqual({ kind: "none" });
    expect(nextStep(active, T0 + 850_000)).toEqual({ kind: "subscribe", renew: true });
    expect(verified(record(), 0, T0).leaseEndsAt).toBe(T0 + MIN_LEASE_SECONDS * 1000);
    expect(verified(record(), 10 ** 9, T0).leaseEndsAt).toBe(T0 + MAX_LEASE_SECONDS * 1000);
    expect(verified(record(), null, T0).leaseEndsAt).toBe(T0 + REQUESTED_LEASE_SECONDS * 1000);
  });

  it("times out a verification, lapses an ended lease, and backs off after failures", () => {
    const pending = record({ pending: { mode: "subscribe", sentAt: T0 } });
    expect(nextStep(pending, T0 + VERIFY_TIMEOUT_MS - 1)).toEqual({ kind: "none" });
    expect(nextStep(pending, T0 + VERIFY_TIMEOUT_MS)).toEqual({ kind: "verify-timeout" });
    const first = failed(pending, "no", T0);
    expect(first).toMatchObject({ state: "failed", failures: 1, nextAttemptAt: T0 + FIRST_RETRY_MS });
    expect(failed(first, "no", T0).nextAttemptAt).toBe(T0 + 2 * FIRST_RETRY_MS);
    const active = verified(pending, 1000, T0);
    expect(nextStep(active, T0 + 1000_000)).toEqual({ kind: "lapse" });
    // A renewal that fails keeps the lease it has, and is tried again before it ends.
    const renewalFailed = failed({ ...active, pending: { mode: "subscribe", sentAt: T0 + 850_000 } }, "503", T0 + 850_000);
    expect(renewalFailed).toMatchObject({ state: "active", leaseEndsAt: T0 + 1000_000, nextAttemptAt: T0 + 910_000 });
  });
});
