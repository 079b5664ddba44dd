import { builder } from "../builder.ts";
import { badUserInput } from "../errors.ts";
import { sourceIdOf } from "../global-id.ts";
import { carriedBy } from "../../store/catalog/catalog-article.ts";
import { Article } from "../refs.ts";

builder.subscriptionType({
  description:
    "Live updates, over Server-Sent Events (GraphQL over SSE: `accept: text/event-stream`) or WebSocket (graphql-ws, protocol `graphql-transport-ws`).",
});

builder.subscriptionFields((t) => ({
  articleAdded: t.field({
    type: Article,
    description:
      "Each new article once, as soon as this gateway (or, with Redis, any instance of the cluster) first sees it. A story merged from another source is not new; neither is anything the gateway held when it started or last reloaded its sources.",
    args: {
      section: t.arg.string({ description: "Only articles of this section (its slug)." }),
      source: t.arg.id({ description: "Only articles this source carried (its id in the sources file or its global id)." }),
    },
    subscribe: async (_root, args, context) => {
      const catalog = await context.catalog();
      const section = args.section ?? null;
      if (section !== null && !catalog.bySection.has(section)) {
        throw badUserInput(`unknown section "${section}"; known: ${catalog.sections.map((s) => s.slug).join(", ")}`, "section");
      }
      const source = args.source === null || args.source === undefined ? null : sourceIdOf(String(args.source));
      if (source !== null && !catalog.sources.some((s) => s.id === source)) {
        throw badUserInput(`unknown source "${args.source}"; known: ${catalog.sources.map((s) => s.id).join(", ")}`, "source");
      }
      return context.articleEvents.subscribe(
        (article) => (section === null || article.section === section) && (source === null || carriedBy(article, source)),
      );
    },
    // Each event's fields (section, sources, related) read the catalog the article was found in.
    resolve: (event, _args, context) => {
      context.advanceTo(event.catalog);
      return event.article;
    },
  }),
}));
