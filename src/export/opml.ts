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

/** Where a source's own feed is re-exported (feeds-route.ts's `/feeds/all.rss?source=`). */
export function reexportedFeedUrl(origin: string, sourceId: string): string {
  return `${origin}/feeds/all.rss?source=${encodeURIComponent(sourceId)}`;
}

/**
 * The outlines of `/sources.opml`: every source's xmlUrl is our own
 * re-export of it, never the upstream URL. A configured URL may carry a key
 * in its query or user info, and only the gateway holds a source's headers,
 * so the upstream URL is no subscription for a partner anyway; the re-export
 * is sanitized, cached and counted like every other partner read. htmlUrl is
 * the page the feed itself names, else the upstream's origin (no user info).
 */
export function opmlSources(
  sources: readonly { id: string; name: string; section: string; location: URL }[],
  feedLinkOf: (sourceId: string) => string | null,
  origin: string,
): OpmlSource[] {
  return sources.map((source) => {
    const http = source.location.protocol === "http:" || source.location.protocol === "https:";
    const link = feedLinkOf(source.id);
    return {
      name: source.name,
      section: source.section,
      xmlUrl: reexportedFeedUrl(origin, source.id),
      htmlUrl: link && /^https?:\/\//i.test(link) ? link : http ? `${source.location.origin}/` : null,
    };
  });
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
