/**
 * A source's WebSub push state, as the status page and the API show it:
 * `off` (no public URL, opted out, or not an http(s) source), `no-hub` (its
 * feed names none), `subscribing` (asked, waiting for the hub to verify),
 * `active` (verified, until `leaseEndsAt`), `denied` (the hub refused, with
 * its reason), `failed` (the hub answered an error or never verified), `lapsed`
 * (the lease ended without renewal). Polling is slower only while `active`.
 */
export type PushState = "off" | "no-hub" | "subscribing" | "active" | "denied" | "failed" | "lapsed";

export interface PushStatus {
  state: PushState;
  /** The hub subscribed at (or last tried); null when none. */
  hub: string | null;
  /** The topic URL subscribed to; null when none. */
  topic: string | null;
  /** When the lease the hub granted ends (active, or lapsed: when it ended). */
  leaseEndsAt: Date | null;
  /** Why the state is not active, in words (the hub's answer, its `hub.reason`, "no public URL"…); null when active. */
  reason: string | null;
  /** When content pushed by the hub was last taken in. */
  lastPushAt: Date | null;
}
