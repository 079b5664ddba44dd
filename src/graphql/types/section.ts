import type { SectionConfig } from "../../config/sources-file.ts";
import { builder } from "../builder.ts";
import { Article, ArticleConnection, articlePage } from "./article.ts";

export const Section = builder.objectRef<SectionConfig>("Section");

builder.node(Section, {
  description: "A section of the news site, such as \"Technology & Innovation\". Every article is filed under one.",
  id: { resolve: (section) => section.slug },
  loadMany: (slugs, context) => slugs.map((slug) => context.loaders.section.load(slug)),
  fields: (t) => ({
    slug: t.exposeString("slug", { description: "URL-safe name, e.g. `technology`." }),
    name: t.exposeString("name", { description: "Display name, e.g. \"Technology & Innovation\"." }),
    articleCount: t.int({
      description: "How many articles the section holds.",
      resolve: async (section, _args, context) => (await context.catalog()).bySection.get(section.slug)?.length ?? 0,
    }),
    articles: t.connection(
      {
        type: Article,
        description: "The section's articles, newest first.",
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
