import type { ArticleImage } from "../../model/article.ts";
import { builder } from "../builder.ts";

export const Image = builder.objectRef<ArticleImage>("Image").implement({
  description: "An image of an article, as its publisher gave it.",
  fields: (t) => ({
    url: t.exposeString("url", { description: "Absolute http(s) URL of the image." }),
    alt: t.exposeString("alt", { nullable: true, description: "Alternative text, when the feed gives one." }),
    width: t.exposeInt("width", { nullable: true, description: "Width in pixels, when known." }),
    height: t.exposeInt("height", { nullable: true, description: "Height in pixels, when known." }),
  }),
});
