import { Builder } from "xml2js";
import type { SectionConfig } from "../config/sources-file.ts";
import { xmlText } from "./feed-writer.ts";

export const OPML_CONTENT_TYPE = "text/x-opml; charset=utf-8";
const OPML_DOCS = "http://opml.org/spec2.opml";

export interface OpmlSource {
  name: string;
  section: string;
  /** Where a reader subscribes (absolute http(s)). */
  xmlUrl: string;
  /** The publisher's site, when known. */
  htmlUrl: string | null;
}

/**
 * An OPML 2.0 subscription list: one folder outline per section (with the
 * section as its category), one `type="rss"` outline per source. Written by
 * xml2js's builder, which escapes every attribute.
 */
export function writeSourcesOpml(input: { title: string; dateCreated: Date; sections: SectionConfig[]; sources: OpmlSource[] }): string {
  const folders = input.sections
    .map((section) => ({
      $: { text: xmlText(section.name), title: xmlText(section.name) },
      outline: input.sources
        .filter((source) => source.section === section.slug)
        .map((source) => ({
          $: {
            type: "rss",
            text: xmlText(source.name),
            title: xmlText(source.name),
            xmlUrl: source.xmlUrl,
            ...(source.htmlUrl ? { htmlUrl: source.htmlUrl } : {}),
            category: `/${section.slug}`,
          },
        })),
    }))
    .filter((folder) => folder.outline.length > 0);
  const builder = new Builder({ xmldec: { version: "1.0", encoding: "UTF-8" }, renderOpts: { pretty: true, indent: "  ", newline: "\n" } });
  return builder.buildObject({
    opml: {
      $: { version: "2.0" },
      head: { title: xmlText(input.title), dateCreated: input.dateCreated.toUTCString(), docs: OPML_DOCS },
      body: { outline: folders },
    },
  });
}
