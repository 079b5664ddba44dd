import type { PushState, PushStatus } from "../../model/push-status.ts";
import { builder } from "../builder.ts";
import { Source } from "../refs.ts";
import { DateTime } from "./date-time.ts";

const STATES = {
  OFF: {
    value: "off",
    description:
      'Not pushed: the gateway has no public URL (`--public-url`), the source opted out (`"websub": false`), or it is no http(s) source.',
  },
  NO_HUB: { value: "no-hub", description: "The feed names no WebSub hub (or has not been read yet): it is polled." },
  SUBSCRIBING: { value: "subscribing", description: "Asked at the hub, waiting for it to verify." },
  ACTIVE: {
    value: "active",
    description: "The hub pushes the source's changes until `leaseEndsAt` (renewed before); polling is slower meanwhile.",
  },
  DENIED: { value: "denied", description: "The hub refused the subscription (`reason` says why); asked again later, polled meanwhile." },
  FAILED: { value: "failed", description: "The hub answered an error or never verified; asked again with a backoff, polled meanwhile." },
  LAPSED: { value: "lapsed", description: "The lease ended before it was renewed; asked again, polled meanwhile." },
} as const satisfies Record<string, { value: PushState; description: string }>;

export const SourcePushState = builder.enumType("SourcePushState", {
  description: "Whether a WebSub hub pushes a source's changes.",
  values: STATES,
});

const SourcePush = builder.objectRef<PushStatus>("SourcePush").implement({
  description: "A source's WebSub subscription: the hub pushes new content, which reaches queries and `articleAdded` within a second.",
  fields: (t) => ({
    state: t.field({ type: SourcePushState, description: "Where the subscription stands.", resolve: (push) => push.state }),
    hub: t.string({ nullable: true, description: "The hub subscribed at (or last tried).", resolve: (push) => push.hub }),
    topic: t.string({
      nullable: true,
      description: "The topic URL subscribed to: the feed's `rel=\"self\"` URL, else the source's.",
      resolve: (push) => push.topic,
    }),
    leaseEndsAt: t.field({
      type: DateTime,
      nullable: true,
      description: "When the lease the hub granted ends (it is renewed before).",
      resolve: (push) => push.leaseEndsAt,
    }),
    reason: t.string({
      nullable: true,
      description: "Why the source is not pushed, in words (the hub's answer or `hub.reason`, no public URL, opted out); null when active.",
      resolve: (push) => push.reason,
    }),
    lastPushAt: t.field({
      type: DateTime,
      nullable: true,
      description:
        "When content the hub pushed was last taken in: by this instance, or with REDIS_URL by any instance of the cluster (followed within a few seconds).",
      resolve: (push) => push.lastPushAt,
    }),
  }),
});

const OFF: PushStatus = { state: "off", hub: null, topic: null, leaseEndsAt: null, reason: null, lastPushAt: null };

builder.objectField(Source, "push", (t) =>
  t.field({
    type: SourcePush,
    description: "WebSub push: whether a hub pushes this source's changes.",
    resolve: (view) => view.push ?? OFF,
  }),
);
