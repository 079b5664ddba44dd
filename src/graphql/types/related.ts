import type { RelatedMatch } from "../../store/related/related-index.ts";
import { builder } from "../builder.ts";
import { Article } from "../refs.ts";

export const Related = builder.objectRef<RelatedMatch>("Related").implement({
  description: 'An article similar to another, for a "Related editorial" block.',
  fields: (t) => ({
    article: t.field({ type: Article, description: "The related article.", resolve: (match) => match.article }),
    score: t.exposeFloat("score", {
      description: "Similarity: higher is closer (cosine of TF-IDF vectors, plus a boost per shared tag and for closeness in time).",
    }),
    reason: t.exposeString("reason", { description: 'What the two share, in words, e.g. "Shares topics: export controls, chips".' }),
  }),
});
