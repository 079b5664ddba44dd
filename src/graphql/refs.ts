import type { SectionConfig } from "../config/sources-file.ts";
import type { CatalogArticle } from "../store/catalog/catalog-article.ts";
import type { TagCount } from "../store/catalog/catalog.ts";
import { builder } from "./builder.ts";
import type { SourceView } from "./context.ts";

/**
 * References to the object types that refer to each other (an article names its
 * section, a section lists articles). Declared here, implemented in their own
 * files under `types/`, so no type file depends on another's load order.
 */
export const Article = builder.objectRef<CatalogArticle>("Article");
export const Section = builder.objectRef<SectionConfig>("Section");
export const Source = builder.objectRef<SourceView>("Source");
export const Tag = builder.objectRef<TagCount>("Tag");
