import { readFile } from "node:fs/promises";
import path from "node:path";
import { FileError } from "./file-error.ts";

/** The formats a source may declare; `auto` sniffs the content type and body. */
export const SOURCE_FORMATS = ["auto", "rss", "atom", "rdf", "jsonfeed", "json"] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

/** How long a fetched source stays fresh when the file does not say. */
export const DEFAULT_REFRESH_SECONDS = 300;
/** How long one upstream request may take, headers and body together. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** The longest `timeoutMs` a source may set: with the lock's margin, the longest a source's lock is legitimately held. */
export const MAX_TIMEOUT_MS = 120_000;
/** The most bytes (after decompression) one source may send. */
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
/**
 * Articles one source may hold when its entry sets no `maxItems`. Real feeds
 * carry tens to a few hundred items; a feed of tens of thousands is a
 * publisher's dump or an attack, and everything downstream (the catalog, the
 * copy in Redis, new-article events) grows with it.
 */
export const DEFAULT_MAX_ITEMS = 1_000;
/** The most a source may be allowed in the sources file. */
export const MAX_ITEMS_LIMIT = 10_000;
/** Bound on the sources file itself: it is read whole, before anything else runs. */
export const MAX_SOURCES_FILE_BYTES = 1024 * 1024;

export interface SectionConfig {
  slug: string;
  name: string;
}

/** Field paths into a plain JSON API answer, e.g. `response.results` or `tags[].webTitle`. */
export interface JsonFieldMap {
  items: string;
  id?: string;
  title: string;
  url: string;
  publishedAt?: string;
  updatedAt?: string;
  summary?: string;
  content?: string;
  author?: string;
  image?: string;
  section?: string;
  tags?: string;
  comments?: string;
}

export interface SourceConfig {
  id: string;
  name: string;
  /** As written in the file: an http(s) URL or a path relative to the sources file. */
  url: string;
  /** Absolute URL (`http:`, `https:` or `file:`) the fetcher reads. */
  location: URL;
  format: SourceFormat;
  section: string;
  map?: JsonFieldMap;
  refreshSeconds: number;
  timeoutMs: number;
  maxBytes: number;
  /** Most articles kept from one read (the newest by date, else the first in feed order). @default DEFAULT_MAX_ITEMS */
  maxItems: number;
  headers: Record<string, string>;
  enabled: boolean;
  /**
   * Subscribe at the hub the source advertises (WebSub), when the gateway knows
   * its public URL; `"websub": false` opts out and the source is only polled. @default true
   */
  websub: boolean;
  /**
   * The feed gives only teasers: read each new item's page and serve the
   * article Readability extracts from it as the body. @default false
   */
  fullText: boolean;
}

export interface SourcesConfig {
  /** Absolute path of the file this was read from. */
  file: string;
  /** Local sources may only read files in this folder or below. */
  rootDir: string;
  sections: SectionConfig[];
  sources: SourceConfig[];
}

/** An invalid sources file: the message names the file, the source and the field. */
export class ConfigError extends FileError {
  readonly code = "CONFIG_INVALID";
}

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const SOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const MAP_FIELDS = [
  "items",
  "id",
  "title",
  "url",
  "publishedAt",
  "updatedAt",
  "summary",
  "content",
  "author",
  "image",
  "section",
  "tags",
  "comments",
];
const REQUIRED_MAP_FIELDS = ["items", "title", "url"];
// Headers a source may not set: they belong to the fetcher (framing, compression, validators).
const RESERVED_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "accept-encoding",
  "if-none-match",
  "if-modified-since",
]);

export async function loadSourcesFile(file: string): Promise<SourcesConfig> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    const bytes = await readFile(absolute);
    if (bytes.length > MAX_SOURCES_FILE_BYTES) {
      throw new ConfigError(absolute, "file", `is ${bytes.length} bytes, more than the ${MAX_SOURCES_FILE_BYTES} allowed`);
    }
    text = bytes.toString("utf8");
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(absolute, "file", `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(absolute, "file", `is not valid JSON (${(error as Error).message})`);
  }
  return parseSourcesConfig(json, absolute);
}

/** Validates a parsed sources file; pure apart from resolving paths against `file`. */
export function parseSourcesConfig(json: unknown, file: string): SourcesConfig {
  const rootDir = path.dirname(file);
  const fail = (where: string, problem: string): never => {
    throw new ConfigError(file, where, problem);
  };
  if (!isObject(json)) fail("file", "must hold a JSON object with `sections` and `sources`");
  const top = json as Record<string, unknown>;
  if (!Array.isArray(top.sections) || top.sections.length === 0) fail("sections", "must be a non-empty array");
  if (!Array.isArray(top.sources)) fail("sources", "must be an array");

  const sections: SectionConfig[] = [];
  (top.sections as unknown[]).forEach((raw, index) => {
    const where = `sections[${index}]`;
    if (!isObject(raw)) fail(where, "must be an object with `slug` and `name`");
    const entry = raw as Record<string, unknown>;
    const slug = entry.slug;
    if (typeof slug !== "string" || !SLUG.test(slug)) fail(`${where}.slug`, "must be lower-case letters, digits and dashes");
    if (typeof entry.name !== "string" || entry.name.trim() === "") fail(`${where}.name`, "must be a non-empty string");
    if (sections.some((s) => s.slug === slug)) fail(`${where}.slug`, `"${slug}" is used twice`);
    sections.push({ slug: slug as string, name: (entry.name as string).trim() });
  });

  const sources: SourceConfig[] = [];
  (top.sources as unknown[]).forEach((raw, index) => {
    const label = isObject(raw) && typeof raw.id === "string" ? `source "${raw.id}"` : `sources[${index}]`;
    const at = (field: string) => `${label}, field \`${field}\``;
    if (!isObject(raw)) fail(label, "must be an object");
    const entry = raw as Record<string, unknown>;
    if (typeof entry.id !== "string" || !SOURCE_ID.test(entry.id)) fail(at("id"), "must be letters, digits, `.`, `_` or `-` (at most 63)");
    const id = entry.id as string;
    if (sources.some((s) => s.id === id)) fail(at("id"), "is used by another source");
    if (typeof entry.name !== "string" || entry.name.trim() === "") fail(at("name"), "must be a non-empty string");
    if (typeof entry.url !== "string" || entry.url.trim() === "")
      fail(at("url"), "must be an http(s) URL or a path relative to the sources file");
    const location = resolveLocation(entry.url as string, rootDir, (problem) => fail(at("url"), problem));

    const format = (entry.format ?? "auto") as SourceFormat;
    if (!SOURCE_FORMATS.includes(format)) fail(at("format"), `must be one of ${SOURCE_FORMATS.join(", ")}`);
    if (typeof entry.section !== "string" || !sections.some((s) => s.slug === entry.section)) {
      fail(at("section"), `must be one of the sections' slugs (${sections.map((s) => s.slug).join(", ")})`);
    }
    let map: JsonFieldMap | undefined;
    if (entry.map !== undefined || format === "json") {
      if (!isObject(entry.map)) fail(at("map"), "is required for format `json`: an object of field paths");
      const mapEntry = entry.map as Record<string, unknown>;
      for (const [key, value] of Object.entries(mapEntry)) {
        if (!MAP_FIELDS.includes(key)) fail(at(`map.${key}`), `is not a known field (known: ${MAP_FIELDS.join(", ")})`);
        if (typeof value !== "string" || value.trim() === "") fail(at(`map.${key}`), "must be a field path such as `response.results`");
      }
      for (const key of REQUIRED_MAP_FIELDS) if (mapEntry[key] === undefined) fail(at(`map.${key}`), "is required");
      map = mapEntry as unknown as JsonFieldMap;
    }
    const headers: Record<string, string> = {};
    if (entry.headers !== undefined) {
      if (!isObject(entry.headers)) fail(at("headers"), "must be an object of header names to strings");
      for (const [name, value] of Object.entries(entry.headers as Record<string, unknown>)) {
        if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) fail(at(`headers.${name}`), "is not a valid header name");
        if (RESERVED_HEADERS.has(name.toLowerCase())) fail(at(`headers.${name}`), "is set by the fetcher and cannot be overridden");
        if (typeof value !== "string" || /[\r\n\0]/.test(value)) fail(at(`headers.${name}`), "must be a string without line breaks");
        headers[name] = value as string;
      }
    }
    for (const flag of ["enabled", "websub", "fullText"])
      if (entry[flag] !== undefined && typeof entry[flag] !== "boolean") fail(at(flag), "must be true or false");
    sources.push({
      id,
      name: (entry.name as string).trim(),
      url: entry.url as string,
      location,
      format,
      section: entry.section as string,
      map,
      refreshSeconds: positiveInt(entry.refreshSeconds, DEFAULT_REFRESH_SECONDS, 1, 7 * 24 * 3600, (p) => fail(at("refreshSeconds"), p)),
      timeoutMs: positiveInt(entry.timeoutMs, DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS, (p) => fail(at("timeoutMs"), p)),
      maxBytes: positiveInt(entry.maxBytes, DEFAULT_MAX_BYTES, 1, 100 * 1024 * 1024, (p) => fail(at("maxBytes"), p)),
      maxItems: positiveInt(entry.maxItems, DEFAULT_MAX_ITEMS, 1, MAX_ITEMS_LIMIT, (p) => fail(at("maxItems"), p)),
      headers,
      enabled: entry.enabled !== false,
      websub: entry.websub !== false,
      fullText: entry.fullText === true,
    });
  });
  return { file, rootDir, sections, sources };
}

function resolveLocation(url: string, rootDir: string, fail: (problem: string) => never): URL {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return fail(`"${url}" is not a valid URL`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
      return fail(`scheme "${parsed.protocol}" is not allowed (use http, https or a relative path)`);
    if (parsed.username || parsed.password) return fail("must not carry credentials; use `headers` instead");
    return parsed;
  }
  const absolute = path.resolve(rootDir, url);
  const relative = path.relative(rootDir, absolute);
  if (relative.startsWith("..") || path.isAbsolute(relative) || path.isAbsolute(url)) {
    return fail(`"${url}" leaves the sources file's folder; local feeds must sit in it or below`);
  }
  const location = new URL("file://");
  location.pathname = absolute;
  return location;
}

function positiveInt(value: unknown, fallback: number, min: number, max: number, fail: (problem: string) => never): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    return fail(`must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
