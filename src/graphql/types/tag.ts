import type { TagCount } from "../../store/catalog/catalog.ts";
import { builder } from "../builder.ts";
import { badUserInput } from "../errors.ts";
import { Article, Tag } from "../refs.ts";
import { ArticleConnection, articleFilterArgs, articlePage } from "./article-list.ts";

/** Most tags one `tags` field may list. */
export const MAX_TAGS_LISTED = 100;

builder.node(Tag, {
  description: "A topic from the feeds' categories, with its articles: a tag page.",
  id: { resolve: (tag) => tag.name.toLowerCase() },
  loadMany: (names, context) => names.map((name) => context.loaders.tag.load(name.toLowerCase())),
  fields: (t) => ({
    name: t.exposeString("name", { description: "The tag as most articles write it." }),
    articleCount: t.exposeInt("count", { description: "How many articles carry the tag." }),
    articles: t.connection(
      {
        type: Article,
        description: "The tag's articles.",
        args: { section: t.arg.string({ description: "Only this section (its slug)." }), ...articleFilterArgs },
        resolve: (tag, args, context) => articlePage(context, { ...args, tag: tag.name }),
      },
      ArticleConnection,
    ),
  }),
});

export const TagUsage = builder.objectRef<{ tag: TagCount; count: number }>("TagUsage").implement({
  description: "A tag and how many articles of the asked scope carry it.",
  fields: (t) => ({
    tag: t.field({ type: Tag, description: "The tag.", resolve: (usage) => usage.tag }),
    count: t.exposeInt("count", { description: "Articles carrying it (within the section, when one was asked)." }),
  }),
});

builder.queryFields((t) => ({
  tags: t.field({
    type: [TagUsage],
    description: "The most used tags with their article counts, most used first.",
    args: {
      first: t.arg.int({ defaultValue: 20, description: `How many, from 0 to ${MAX_TAGS_LISTED}.` }),
      section: t.arg.string({ description: "Count only this section's articles (its slug)." }),
    },
    resolve: async (_root, args, context) => {
      const first = args.first ?? 20;
      if (!Number.isInteger(first) || first < 0 || first > MAX_TAGS_LISTED) {
        throw badUserInput(`\`first\` of tags must be from 0 to ${MAX_TAGS_LISTED}; got ${first}`, "first");
      }
      const catalog = await context.catalog();
      if (args.section && !catalog.bySection.has(args.section)) {
        throw badUserInput(`unknown section "${args.section}"; known: ${catalog.sections.map((s) => s.slug).join(", ")}`, "section");
      }
      // The catalog keeps its tags most used first: only counts within a section need sorting.
      if (!args.section) return catalog.tags.slice(0, first).map((tag) => ({ tag, count: tag.count }));
      const section = args.section;
      return catalog.tags
        .toArray()
        .map((tag) => ({ tag, count: tag.countIn(section) }))
        .filter((u) => u.count > 0)
        .sort((a, b) => b.count - a.count || a.tag.name.localeCompare(b.tag.name))
        .slice(0, first);
    },
  }),
  tag: t.field({
    type: Tag,
    nullable: true,
    description: "A tag page by the tag's name (case-insensitive); null when no article carries it.",
    args: { name: t.arg.string({ required: true, description: "The tag, e.g. `Export controls`." }) },
    resolve: (_root, args, context) => context.loaders.tag.load(args.name.trim().toLowerCase()),
  }),
}));
