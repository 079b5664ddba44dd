import { builder } from "../builder.ts";
import { badUserInput } from "../errors.ts";
import { Article, Section } from "../refs.ts";
import { ArticleConnection, articleFilterArgs, articlePage } from "./article-list.ts";

/** Most articles `Section.latest` returns. */
export const MAX_LATEST = 50;

builder.node(Section, {
  description: 'A section of the news site, such as "Technology & Innovation". Every article is filed under one.',
  id: { resolve: (section) => section.slug },
  loadMany: (slugs, context) => slugs.map((slug) => context.loaders.section.load(slug)),
  fields: (t) => ({
    slug: t.exposeString("slug", { description: "URL-safe name, e.g. `technology`." }),
    name: t.exposeString("name", { description: 'Display name, e.g. "Technology & Innovation".' }),
    articleCount: t.int({
      description: "How many articles the section holds.",
      resolve: async (section, _args, context) => (await context.catalog()).bySection.get(section.slug)?.length ?? 0,
    }),
    latest: t.field({
      type: [Article],
      description: "The section's newest articles, for a section front's top slots.",
      args: { first: t.arg.int({ defaultValue: 5, description: `How many, from 0 to ${MAX_LATEST}.` }) },
      resolve: async (section, args, context) => {
        const first = args.first ?? 5;
        if (!Number.isInteger(first) || first < 0 || first > MAX_LATEST)
          throw badUserInput(`\`first\` of latest must be from 0 to ${MAX_LATEST}; got ${first}`, "first");
        return ((await context.catalog()).bySection.get(section.slug) ?? []).slice(0, first);
      },
    }),
    articles: t.connection(
      {
        type: Article,
        description: "The section's articles, filtered by any combination of the arguments.",
        args: articleFilterArgs,
        resolve: (section, args, context) => articlePage(context, { ...args, section: section.slug }),
      },
      ArticleConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  sections: t.field({
    type: [Section],
    description: "Every section, in the sources file's order.",
    resolve: async (_root, _args, context) => (await context.catalog()).sections,
  }),
  section: t.field({
    type: Section,
    nullable: true,
    description: "A section by its slug; null when there is none.",
    args: { slug: t.arg.string({ required: true, description: "The section's slug, e.g. `technology`." }) },
    resolve: (_root, args, context) => context.loaders.section.load(args.slug),
  }),
}));
