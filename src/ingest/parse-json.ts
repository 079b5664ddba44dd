import type { JsonFieldMap } from "../config/sources-file.ts";
import { escapeHtml } from "./escape-html.ts";
import { IngestError } from "./ingest-error.ts";
import { jsonErrorOffset } from "./json-error-offset.ts";
import { readPath } from "./json-path.ts";
import { emptyRawItem, type RawAuthor, type RawFeed, type RawItem } from "../model/raw-feed.ts";

export function parseJsonText(textBody: string): unknown {
  try {
    return JSON.parse(textBody);
  } catch (error) {
    // Not V8's message: it quotes the text around the fault ("aws_secret"…), and a source's error is public.
    throw new IngestError("PARSE_ERROR", malformedJsonMessage(textBody, (error as Error).message), { cause: error });
  }
}

/** Where a text stops being JSON, in words, without quoting it: V8's position when it gives one, else our own scan's. */
export function malformedJsonMessage(textBody: string, v8Message: string): string {
  const given = /at position (\d+)/.exec(v8Message);
  const offset = given ? Number(given[1]) : jsonErrorOffset(textBody);
  if (offset < 0) return "malformed JSON";
  if (offset >= textBody.length) return "malformed JSON: the text ends before the JSON does";
  return `malformed JSON: unexpected character at offset ${offset}`;
}

export function isJsonFeed(json: unknown): boolean {
  const version = (json as { version?: unknown } | null)?.version;
  return (
    typeof version === "string" &&
    /jsonfeed\.org\/version\/1|^1(\.\d)?$/.test(version) &&
    Array.isArray((json as { items?: unknown }).items)
  );
}

/** JSON Feed 1.0 and 1.1 (`author` of 1.0 and `authors` of 1.1 both read). */
export function parseJsonFeed(json: unknown): RawFeed {
  if (!isJsonFeed(json)) throw new IngestError("PARSE_ERROR", "not a JSON Feed: needs a `version` from jsonfeed.org and an `items` array");
  const feed = json as Record<string, unknown>;
  const feedAuthors = jsonFeedAuthors(feed);
  const items = (feed.items as unknown[]).filter(isObject).map((item): RawItem => {
    const raw = emptyRawItem();
    raw.guid = stringOf(item.id) ?? (typeof item.id === "number" ? String(item.id) : null);
    // Titles and summaries are plain text, but real feeds write entities in them (`&#8216;`, `&amp;`):
    // read as markup whose only markup is those entities, they are decoded once and a `<` stays a `<`.
    raw.title = escapeAngles(stringOf(item.title));
    raw.titleIsHtml = true;
    raw.link = stringOf(item.url) ?? stringOf(item.external_url);
    raw.summaryHtml = escapeAngles(stringOf(item.summary));
    raw.contentHtml = stringOf(item.content_html) ?? escapeText(stringOf(item.content_text));
    // The feed's authors are the feed's (RawFeed.authors): normalizing falls back to them.
    raw.authors = jsonFeedAuthors(item);
    raw.published = stringOf(item.date_published);
    raw.updated = stringOf(item.date_modified);
    raw.categories = Array.isArray(item.tags) ? item.tags.filter((t): t is string => typeof t === "string") : [];
    raw.language = stringOf(item.language);
    const image = stringOf(item.image) ?? stringOf(item.banner_image);
    if (image) raw.images.push({ url: image });
    for (const attachment of Array.isArray(item.attachments) ? item.attachments.filter(isObject) : []) {
      const url = stringOf(attachment.url);
      if (!url) continue;
      const type = stringOf(attachment.mime_type);
      // An image attachment is also the item's picture.
      if (type?.toLowerCase().startsWith("image/")) raw.images.push({ url });
      raw.enclosures.push({
        url,
        type,
        length: numberText(attachment.size_in_bytes),
        duration: numberText(attachment.duration_in_seconds),
      });
    }
    return raw;
  });
  return {
    title: stringOf(feed.title),
    link: stringOf(feed.home_page_url),
    base: null,
    warning: null,
    ttlMinutes: null,
    language: stringOf(feed.language),
    authors: feedAuthors,
    items,
    hubs: Array.isArray(feed.hubs) ? feed.hubs.filter(isObject).flatMap((hub) => stringOf(hub.url) ?? []) : [],
    selfUrl: stringOf(feed.feed_url),
  };
}

/** A plain JSON API read through the source's field map. */
export function parseMappedJson(json: unknown, map: JsonFieldMap): RawFeed {
  const list = readPath(json, map.items);
  if (!Array.isArray(list)) {
    throw new IngestError("PARSE_ERROR", `map.items path "${map.items}" does not lead to an array`);
  }
  const field = (item: unknown, path: string | undefined) => (path ? readPath(item, path) : undefined);
  const items = list.map((item): RawItem => {
    const raw = emptyRawItem();
    const id = field(item, map.id);
    raw.guid = stringOf(id) ?? (typeof id === "number" ? String(id) : null);
    raw.title = stringOf(field(item, map.title));
    raw.link = stringOf(field(item, map.url));
    raw.summaryHtml = stringOf(field(item, map.summary));
    raw.contentHtml = stringOf(field(item, map.content));
    raw.authors = strings(field(item, map.author)).map((name) => ({ name, email: null, url: null }));
    raw.published = dateText(field(item, map.publishedAt));
    raw.updated = dateText(field(item, map.updatedAt));
    // The mapped section comes first so it can file the item under a section by name.
    raw.categories = [...strings(field(item, map.section)), ...strings(field(item, map.tags))];
    const image = stringOf(field(item, map.image));
    if (image) raw.images.push({ url: image });
    const comments = field(item, map.comments);
    const commentCount = typeof comments === "string" ? Number(comments) : comments;
    raw.commentCount = typeof commentCount === "number" && Number.isInteger(commentCount) && commentCount >= 0 ? commentCount : null;
    return raw;
  });
  return { title: null, link: null, base: null, warning: null, ttlMinutes: null, language: null, authors: [], items };
}

/** JSON Feed 1.1 `authors` (else 1.0 `author`): name and URL; `avatar` is not read. */
function jsonFeedAuthors(node: Record<string, unknown>): RawAuthor[] {
  const list = Array.isArray(node.authors) && node.authors.length > 0 ? node.authors : node.author ? [node.author] : [];
  return list
    .filter(isObject)
    .map((a) => ({ name: stringOf(a.name), email: null, url: stringOf(a.url) }))
    .filter((a) => a.name !== null || a.url !== null);
}

function strings(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => v.trim());
}

function dateText(value: unknown): string | null {
  // APIs give dates as strings or as epoch milliseconds.
  if (typeof value === "number" && Number.isFinite(value)) return new Date(value).toISOString();
  return stringOf(value);
}

function stringOf(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

function escapeText(value: string | null): string | null {
  return value === null ? null : escapeHtml(value);
}

/** Plain text that may hold entities, as markup: its `<` and `>` escaped, its entities left to be decoded. */
function escapeAngles(value: string | null): string | null {
  return value === null || !/[<>]/.test(value) ? value : value.replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A number or numeric string as written (sizes and durations are read by normalizing). */
function numberText(value: unknown): string | null {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : null;
  return stringOf(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
