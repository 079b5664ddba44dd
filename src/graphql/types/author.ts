import type { ArticleAuthor } from "../../model/article.ts";
import { builder } from "../builder.ts";

export const Author = builder.objectRef<ArticleAuthor>("Author").implement({
  description: "A person (or desk) a source names as an author of an article, with what the feed gives of them: any part may be missing.",
  fields: (t) => ({
    name: t.exposeString("name", {
      nullable: true,
      description: "The author's name as plain text; null when the feed gives only a link or an address.",
    }),
    url: t.exposeString("url", { nullable: true, description: "Absolute http(s) URL of the author's page, when the feed gives one." }),
    email: t.exposeString("email", { nullable: true, description: "The author's e-mail address, when the feed gives one." }),
  }),
});
