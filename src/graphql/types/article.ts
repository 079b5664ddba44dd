import { canonicalUrl, isStandInCanonicalUrl } from "../../ingest/urls.ts";
import { builder } from "../builder.ts";
import type { SourceView } from "../context.ts";
import { badUserInput } from "../errors.ts";
import { decodeGlobalId } from "../global-id.ts";
import { Author } from "./author.ts";
import { DateTime } from "./date-time.ts";
import { Enclosure } from "./enclosure.ts";
import { Image } from "./image.ts";
import { Related } from "./related.ts";
import { contentHtmlOf, readingTimeOf } from "../../store/catalog/article-content.ts";
import { sourceIdsOf } from "../../store/catalog/catalog-article.ts";
import { Article, Section, Source } from "../refs.ts";

/** Most related articles one field may ask for. */
export const MAX_RELATED = 20;

builder.node(Article, {
  description: "A news story, merged from every source that carried it.",
  id: { resolve: (article) => article.id },
  loadMany: (ids, context) => ids.map((id) => context.loaders.article.load(id)),
  fields: (t) => ({
    title: t.exposeString("title", { description: "Headline as plain text." }),
    summary: t.exposeString("summary", {
      nullable: true,
      description: "Plain-text summary (no markup), about 300 characters at most, cut at a word.",
    }),
    contentHtml: t.string({
      nullable: true,
      description: "Body as sanitized HTML: no scripts, event handlers, styles or embeds; links absolute.",
      resolve: (a) => contentHtmlOf(a),
    }),
    url: t.exposeString("url", {
      nullable: true,
      description:
        "Absolute link to the story as its publisher wrote it; for an item without a link of its own (a podcast episode), its feed's home page; null when neither gives a web page.",
    }),
    canonicalUrl: t.string({
      nullable: true,
      description:
        "The story's own link in canonical form (no tracking parameters or fragment), used to merge copies; null when the story has no link of its own.",
      resolve: (a) => (isStandInCanonicalUrl(a.canonicalUrl) ? null : a.canonicalUrl),
    }),
    author: t.exposeString("author", {
      nullable: true,
      description:
        "The byline: the name of the first author that has one (see `authors` for all of them, with links and addresses); null when no author is named.",
    }),
    authors: t.field({
      type: [Author],
      description: "Every author the story names (else its feed's), in the feed's order; empty when none is named.",
      resolve: (a) => a.authors,
    }),
    publishedAt: t.field({
      type: DateTime,
      nullable: true,
      description: "First publication (the earliest any source gives).",
      resolve: (a) => a.publishedAt,
    }),
    updatedAt: t.field({
      type: DateTime,
      nullable: true,
      description: "Last update, when a source gives one.",
      resolve: (a) => a.updatedAt,
    }),
    commentCount: t.exposeInt("commentCount", {
      nullable: true,
      description: "Comments the sources count (the largest count when several do); null when none says.",
    }),
    readingTimeMinutes: t.int({ description: "Estimated reading time of the body, at least 1.", resolve: (a) => readingTimeOf(a) }),
    image: t.field({ type: Image, nullable: true, description: "The best image the sources give.", resolve: (a) => a.image }),
    tags: t.exposeStringList("tags", { description: "Topics from the feeds' categories." }),
    enclosures: t.field({
      type: [Enclosure],
      description: "Media files attached to the story (podcast audio, video), in the feed's order; empty when there are none.",
      // Ingest keeps only absolute http(s) links; a stored copy is checked for types alone, so nothing else reaches a client.
      resolve: (a) => a.enclosures.filter((enclosure) => isHttpUrl(enclosure.url)),
    }),
    language: t.exposeString("language", {
      nullable: true,
      description:
        "The story's language as a BCP 47 tag, e.g. `en` or `en-US` (from the item, else its feed); null when neither says. The `language` argument of article lists filters on it.",
    }),
    section: t.field({
      type: Section,
      description: "The section the article is filed under.",
      resolve: async (article, _args, context) => {
        const section = await context.loaders.section.load(article.section);
        if (!section) throw new Error(`article ${article.id} names unknown section ${article.section}`);
        return section;
      },
    }),
    sources: t.field({
      type: [Source],
      description: "Every source that carried this story.",
      resolve: async (article, _args, context) => {
        const views = await context.loaders.source.loadMany([...sourceIdsOf(article)]);
        return views.filter((v): v is SourceView => v !== null && !(v instanceof Error));
      },
    }),
    related: t.field({
      type: [Related],
      description: "Similar articles from any section, most similar first; never this article or a copy of it.",
      args: { first: t.arg.int({ defaultValue: 5, description: `How many, from 0 to ${MAX_RELATED}.` }) },
      resolve: (article, args, context) => {
        const first = args.first ?? 5;
        if (!Number.isInteger(first) || first < 0 || first > MAX_RELATED) {
          throw badUserInput(`\`first\` of related must be from 0 to ${MAX_RELATED}; got ${first}`, "first");
        }
        return context.loaders.related.load({ id: article.id, first });
      },
    }),
  }),
});

builder.queryFields((t) => ({
  article: t.field({
    type: Article,
    nullable: true,
    description: "An article by its global id; null when it is no longer held.",
    args: { id: t.arg.id({ required: true, description: "The article's `id`." }) },
    resolve: (_root, args, context) => {
      const { typename, id } = decodeGlobalId(String(args.id));
      if (typename !== "Article") throw badUserInput(`id names a ${typename}, not an Article`, "id");
      return context.loaders.article.load(id);
    },
  }),
  articleByUrl: t.field({
    type: Article,
    nullable: true,
    description: "An article by any of its sources' links (tracking parameters and fragments ignored).",
    args: { url: t.arg.string({ required: true, description: "An absolute http(s) link." }) },
    resolve: (_root, args, context) => {
      let canonical: string;
      try {
        const parsed = new URL(args.url);
        if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("scheme");
        canonical = canonicalUrl(parsed.href);
      } catch {
        throw badUserInput(`"${args.url.slice(0, 80)}" is not an absolute http(s) URL`, "url");
      }
      return context.loaders.articleByUrl.load(canonical);
    },
  }),
}));

function isHttpUrl(url: string): boolean {
  return URL.canParse(url) && /^https?:$/.test(new URL(url).protocol);
}
