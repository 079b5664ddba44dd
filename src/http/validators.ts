import { createHash, randomBytes } from "node:crypto";
import { stripIgnoredCharacters } from "graphql";
import type { SourceSnapshot } from "../model/source-snapshot.ts";
import type { Catalog } from "../store/catalog/catalog.ts";
import type { Store } from "../store/store.ts";
import type { Encoding } from "./compression.ts";

/**
 * HTTP validators and cache headers: every place that answers (Yoga's
 * plugins, the edge cache, the plain routes) takes its ETag, its
 * `If-None-Match` match, its Cache-Control and its Vary from here, so a
 * client or shared cache sees one rule whatever wrote the answer.
 *
 * Invariants:
 * - A tag names one body: an encoded variant's tag carries the encoding's
 *   suffix (`encodedTag`), and `If-None-Match` ignores that suffix and `W/`
 *   (`matchesIfNoneMatch`), so a client holding any variant gets its 304.
 * - Vary names are merged case-insensitively without repeats, and `*` absorbs
 *   any other name (`mergeVary`). Nothing here keeps state between calls;
 *   a memo of merges belongs to the object that creates it (`createVaryMemo`).
 */

export const NO_STORE = "no-store";

/** Cache-Control of an answer any cache may keep for `maxAgeSeconds`. */
export function publicMaxAge(maxAgeSeconds: number): string {
  return `public, max-age=${maxAgeSeconds}`;
}

/** A strong tag from the bytes themselves, so it survives restarts and rebuilds that change nothing. */
export function entityTag(body: string): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

/** The weak ETag of a GraphQL answer built from `catalog` for these parameters and Accept header; null when the query is not a document. */
export type EntityTags = (
  catalog: Catalog,
  params: { query?: string; operationName?: string | null; variables?: unknown },
  accept: string | null,
) => string | null;

/**
 * Weak tags of GraphQL answers. The tag covers this process's boot id
 * (catalog versions restart at 1 on each start), the catalog version (it
 * changes whenever a source's content does), each source's health
 * (`Source.status.ok` changes without the content), the query with
 * insignificant characters stripped, the operation name, the variables with
 * sorted keys, and the `Accept` header. It is weak because the answer may
 * differ in timestamps such as `lastFetchedAt` alone.
 *
 * The boot id is drawn once per call, so every answer of one app must take
 * its tags from one of these (Yoga's GET answers and the edge cache's direct ones).
 */
export function createEntityTags(store: Store): EntityTags {
  const bootId = randomBytes(9).toString("base64url");
  return (catalog, params, accept) => {
    let query: string;
    try {
      query = stripIgnoredCharacters(params.query ?? "");
    } catch {
      return null; // Not a document: it gets an error answer, never a tag.
    }
    const health = store.enabledSources.map((source) => sourceHealth(store.snapshot(source.id)));
    const key = JSON.stringify([
      bootId,
      catalog.version,
      health,
      query,
      params.operationName ?? null,
      sortedKeys(params.variables ?? {}),
      (accept ?? "").replace(/\s+/g, "").toLowerCase(),
    ]);
    return `W/"${catalog.version}-${createHash("sha256").update(key).digest("base64url").slice(0, 22)}"`;
  };
}

function sourceHealth(snapshot: SourceSnapshot | undefined): string {
  if (!snapshot) return "untried";
  return snapshot.ok ? "ok" : (snapshot.error?.code ?? "failed");
}

/** Variables as a value whose JSON does not depend on the order the client wrote keys in. */
export function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}

/** `JSON.stringify(sortedKeys(value))` of a value parsed from JSON, without the sorted copy when every key is already in order (most variables are). */
export function sortedJson(value: unknown): string {
  return JSON.stringify(inKeyOrder(value) ? value : sortedKeys(value));
}

/** Whether every object in `value` lists its keys in the order `sortedKeys` would (an integer-like key out of that order says no). */
function inKeyOrder(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) return value.every(inKeyOrder);
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! >= keys[i]!) return false;
  return keys.every((key) => inKeyOrder((value as Record<string, unknown>)[key]));
}

/** Suffix of a variant's entity tag: strong tags must differ per encoding (RFC 9110 §8.8.3.3), and weak ones do too, consistently. */
const TAG_SUFFIX: Record<Encoding, string> = { br: ".br", gzip: ".gz" };

/** `"abc"` → `"abc.br"`, `W/"1-abc"` → `W/"1-abc.gz"`. Base tags here never hold a dot (hex, base64url, digits). */
export function encodedTag(tag: string, encoding: Encoding | null): string {
  if (!encoding || !tag.endsWith('"')) return tag;
  return `${tag.slice(0, -1)}${TAG_SUFFIX[encoding]}"`;
}

/** A tag's opaque part with any encoding suffix dropped: what `If-None-Match` compares, so a client holding any variant gets its 304. */
function baseOpaqueTag(tag: string): string {
  return tag
    .trim()
    .replace(/^W\//, "")
    .replace(/\.(br|gz)"$/, '"');
}

/**
 * Weak comparison (RFC 9110 §13.1.2): `W/` is ignored; `*` matches any
 * current answer. A content coding's suffix (`.br`, `.gz`, see `encodedTag`)
 * is ignored too: a client holding any encoding of the answer holds the
 * answer (it stores it decoded), so it gets its 304 whatever it accepts now.
 */
export function matchesIfNoneMatch(header: string, tag: string): boolean {
  const wanted = baseOpaqueTag(tag);
  return header.split(",").some((candidate) => candidate.trim() === "*" || baseOpaqueTag(candidate) === wanted);
}

/** Whether an `If-None-Match` names a variant in this encoding (a 304 then carries that variant's tag). */
export function namesVariant(ifNoneMatch: string | string[] | null | undefined, encoding: Encoding | null): boolean {
  return !!encoding && !!ifNoneMatch && String(ifNoneMatch).includes(`${TAG_SUFFIX[encoding]}"`);
}

/**
 * Whether the client already holds the answer tagged `etag`: its
 * `If-None-Match` decides, or without one its `If-Modified-Since` against
 * `lastModified` at second precision (RFC 9110 §13.2.2).
 */
export function notModified(
  ifNoneMatch: string | undefined,
  ifModifiedSince: string | undefined,
  etag: string,
  lastModified: Date,
): boolean {
  if (ifNoneMatch) return matchesIfNoneMatch(ifNoneMatch, etag);
  const since = Date.parse(ifModifiedSince ?? "");
  return Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}
