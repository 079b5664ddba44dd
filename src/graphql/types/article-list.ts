import { FilterError, languageRange, MAX_QUERY_CHARS, selectArticles, type ArticleFilter } from "../../store/query/article-filter.ts";
import { PageArgsError, paginate, type Page, type PageArgs } from "../../store/query/paginate.ts";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { badUserInput } from "../errors.ts";
import { sourceIdOf } from "../global-id.ts";
import { Article } from "../refs.ts";
import { DateTime } from "./date-time.ts";

/** Longest search query accepted, in characters. */

export const ArticleOrder = builder.enumType("ArticleOrder", {
  description: "How a list of articles is ordered.",
  values: {
    NEWEST: { description: "Most recently published first (the default without a query)." },
    OLDEST: { description: "Earliest published first." },
    RELEVANCE: { description: "Best search match first (the default with a query; needs one)." },
  },
});

export const ArticleConnection = builder.connectionObject(
  { type: Article, name: "ArticleConnection", description: "A page of articles." },
  {
    name: "ArticleEdge",
    description: "An article and the cursor of its position.",
    fields: (t) => ({
      snippet: t.string({
        nullable: true,
        description:
          "With a `query`: a short excerpt around the first match, as HTML-escaped text with the matched words in `<mark>`. Null without a query.",
        resolve: (edge) => (edge as { snippet?: string | null }).snippet ?? null,
      }),
    }),
  },
);

/** The filters every article list takes (the root list, a section's, a tag's). */
export const articleFilterArgs = builder.args((t) => ({
  source: t.id({ description: "Only articles this source carried (its id in the sources file or its global id)." }),
  tag: t.string({ description: "Only articles with this tag (case-insensitive)." }),
  language: t.string({
    description:
      "Only articles in this language: a BCP 47 tag or prefix, matched by RFC 4647 basic filtering, case-insensitive: `en` finds en, en-US and en-GB; `en-US` finds en-US only. Articles whose language is unknown never match. A malformed tag is BAD_USER_INPUT.",
  }),
  query: t.string({
    description: `Full-text search over title, summary, body and tags (BM25 ranking, prefix and typo tolerant); every term must match. At most ${MAX_QUERY_CHARS} characters.`,
  }),
  since: t.field({ type: DateTime, description: "Only articles published at or after this time." }),
  until: t.field({ type: DateTime, description: "Only articles published at or before this time." }),
  orderBy: t.field({ type: ArticleOrder, description: "Order of the list: NEWEST by default, RELEVANCE by default with a query." }),
}));

export interface ArticleListArgs extends PageArgs {
  section?: string | null;
  source?: string | number | null;
  tag?: string | null;
  language?: string | null;
  query?: string | null;
  since?: Date | null;
  until?: Date | null;
  orderBy?: ArticleFilter["orderBy"];
}

/** Validates the list arguments, selects from the request's catalog and cuts the page. */
export async function articlePage(context: GraphQLContext, args: ArticleListArgs): Promise<Page> {
  const catalog = await context.catalog();
  // The search index builds in the background after each catalog: wait for it rather than build it here, holding the event loop.
  if (args.query?.trim()) await catalog.searchIndex();
  if (args.section && !catalog.bySection.has(args.section)) {
    throw badUserInput(`unknown section "${args.section}"; known: ${catalog.sections.map((s) => s.slug).join(", ")}`, "section");
  }
  const source = args.source === null || args.source === undefined ? null : sourceIdOf(String(args.source));
  if (source && !catalog.sources.some((s) => s.id === source)) {
    throw badUserInput(`unknown source "${args.source}"; known: ${catalog.sources.map((s) => s.id).join(", ")}`, "source");
  }
  try {
    languageRange(args.language);
  } catch (error) {
    if (error instanceof FilterError) throw badUserInput(error.message, "language");
    throw error;
  }
  if (args.since && args.until && args.since > args.until) throw badUserInput("`since` is after `until`", "since");
  if (args.query && args.query.length > MAX_QUERY_CHARS)
    throw badUserInput(`\`query\` may be at most ${MAX_QUERY_CHARS} characters`, "query");
  try {
    const selection = selectArticles(catalog, { ...args, source });
    const page = paginate(selection.list, args, selection.order, selection.keyAt);
    const { hitAt } = selection;
    if (hitAt) {
      const index = catalog.search();
      for (const [i, edge] of page.edges.entries()) edge.snippet = index.snippet(hitAt(page.offset + i));
    }
    return page;
  } catch (error) {
    if (error instanceof PageArgsError || error instanceof FilterError) throw badUserInput(error.message);
    throw error;
  }
}

builder.queryFields((t) => ({
  articles: t.connection(
    {
      type: Article,
      description: "Articles from every source, filtered by any combination of the arguments.",
      args: {
        section: t.arg.string({ description: "Only this section (its slug)." }),
        ...articleFilterArgs,
      },
      resolve: (_root, args, context) => articlePage(context, args),
    },
    ArticleConnection,
  ),
}));
