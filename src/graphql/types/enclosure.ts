import type { ArticleEnclosure } from "../../model/article.ts";
import { builder } from "../builder.ts";

/** GraphQL's Int is a signed 32-bit integer: a duration beyond it is left out rather than fail the answer. */
const MAX_GRAPHQL_INT = 2 ** 31 - 1;

export const Enclosure = builder.objectRef<ArticleEnclosure>("Enclosure").implement({
  description: "A media file attached to an article (a podcast episode's audio, a video), as its feed gives it.",
  fields: (t) => ({
    url: t.exposeString("url", { description: "Absolute http(s) URL of the file." }),
    type: t.exposeString("type", {
      nullable: true,
      description: "MIME type in lower case, e.g. `audio/mpeg`; null when the feed gives none.",
    }),
    length: t.float({
      nullable: true,
      description:
        "Size of the file in bytes, a whole number; null when the feed gives none. A Float rather than an Int because GraphQL's Int stops at 2 147 483 647 (2 GiB) and media files can be larger; a Float holds every whole number up to 2^53 exactly.",
      resolve: (enclosure) => (isWhole(enclosure.length) && enclosure.length > 0 ? enclosure.length : null),
    }),
    durationSeconds: t.int({
      nullable: true,
      description: "Playing time in whole seconds, when the feed gives one.",
      resolve: (enclosure) => {
        const seconds = enclosure.durationSeconds;
        if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return null;
        const whole = Math.round(seconds);
        return whole <= MAX_GRAPHQL_INT ? whole : null;
      },
    }),
  }),
});

function isWhole(value: number | null): value is number {
  return typeof value === "number" && Number.isSafeInteger(value);
}
