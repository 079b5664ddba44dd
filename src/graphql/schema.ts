import { builder } from "./builder.ts";
import "./types/date-time.ts";
import "./types/image.ts";
import "./types/author.ts";
import "./types/enclosure.ts";
import "./types/article.ts";
import "./types/article-list.ts";
import "./types/tag.ts";
import "./types/related.ts";
import "./types/section.ts";
import "./types/source-enums.ts";
import "./types/source.ts";
import "./types/source-push.ts";
import "./types/full-text-status.ts";
import "./types/subscription.ts";
import "./types/nodes.ts";

/** Imports every type file (each registers itself on the builder) and builds the schema. */
export const schema = builder.toSchema({ sortSchema: false });
