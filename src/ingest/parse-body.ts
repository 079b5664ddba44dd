import type { JsonFieldMap, SourceFormat } from "../config/sources-file.ts";
import { detectFormat } from "./detect.ts";
import { IngestError } from "./ingest-error.ts";
import { parseJsonFeed, parseJsonText, parseMappedJson } from "./parse-json.ts";
import { parseXmlFeed } from "./parse-xml.ts";
import type { RawFeed } from "../model/raw-feed.ts";
import type { DetectedFormat } from "../model/source-snapshot.ts";

export interface ParsedBody {
  format: DetectedFormat;
  feed: RawFeed;
}

/** Detects the format and dispatches to its parser: the one switch over formats. */
export async function parseBody(text: string, contentType: string | null, declared: SourceFormat, map?: JsonFieldMap): Promise<ParsedBody> {
  const format = detectFormat(text, contentType, declared);
  switch (format) {
    case "rss":
    case "atom":
    case "rdf":
      return { format, feed: await parseXmlFeed(text) };
    case "jsonfeed":
      return { format, feed: parseJsonFeed(parseJsonText(text)) };
    case "json": {
      const json = parseJsonText(text);
      if (map) return { format, feed: parseMappedJson(json, map) };
      // Unlabelled JSON may still be a JSON Feed whose version we did not sniff.
      return { format: "jsonfeed", feed: parseJsonFeed(json) };
    }
    default:
      throw new IngestError("UNSUPPORTED_FORMAT", `format ${String(format)} is not supported`);
  }
}
