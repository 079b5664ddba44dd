import type { ArticleEnclosure } from "../model/article.ts";
import type { RawEnclosure } from "../model/raw-feed.ts";

/** Enclosures kept per article. */
export const MAX_ENCLOSURES = 20;

/** "None", shared by every article without media. */
export const NO_ENCLOSURES: ArticleEnclosure[] = Object.freeze([]) as unknown as ArticleEnclosure[];

// type "/" subtype, each a restricted name (RFC 6838), lower-cased before the test.
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const DIGITS = /^\d+$/;
// Seconds, or [[H:]M:]S with optional fraction of a second.
const CLOCK = /^(?:(\d+):)?(?:(\d+):)?(\d+)(?:\.\d*)?$/;

/**
 * A feed's attached files as articles carry them: URLs resolved as links are
 * (absolute http(s) only, else dropped), the MIME type lower-cased when it
 * looks like one, the size and duration read (see `enclosureLength`,
 * `durationSeconds`); one entry per URL (a later mention of the same file fills
 * what the first left out), at most MAX_ENCLOSURES.
 */
export function normalizeEnclosures(
  raw: readonly RawEnclosure[],
  resolve: (link: string | null | undefined) => string | null,
): ArticleEnclosure[] {
  if (raw.length === 0) return NO_ENCLOSURES;
  let out: ArticleEnclosure[] | null = null;
  for (const enclosure of raw) {
    const url = enclosure ? resolve(enclosure.url) : null;
    if (!url) continue;
    const type = mimeType(enclosure.type);
    const length = enclosureLength(enclosure.length);
    const duration = durationSeconds(enclosure.duration);
    const same = out?.find((known) => known.url === url);
    if (same) {
      same.type ??= type;
      same.length ??= length;
      same.durationSeconds ??= duration;
      continue;
    }
    if (out && out.length >= MAX_ENCLOSURES) continue;
    (out ??= []).push({ url, type, length, durationSeconds: duration });
  }
  return out ?? NO_ENCLOSURES;
}

/** A MIME type lower-cased, its parameters dropped ("Audio/MPEG; codecs=mp3" is "audio/mpeg"); null when it is not type/subtype. */
export function mimeType(text: string | null | undefined): string | null {
  if (!text) return null;
  const semicolon = text.indexOf(";");
  const type = (semicolon < 0 ? text : text.slice(0, semicolon)).trim().toLowerCase();
  return MIME_TYPE.test(type) ? type : null;
}

/** A size in bytes as written: a positive whole number below 2^53 (a safe integer); "0", "", "12 MB" and the like are unknown (null). */
export function enclosureLength(text: string | null | undefined): number | null {
  if (!text) return null;
  const trimmed = text.trim();
  if (!DIGITS.test(trimmed)) return null;
  const bytes = Number(trimmed);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : null;
}

/**
 * A duration as feeds write it (itunes:duration, media:content, JSON Feed):
 * seconds ("3600"), "M:SS" ("62:03"), "H:MM:SS" ("1:02:03"), with a fraction
 * of a second dropped ("1:02:03.5" is 3723). Minutes and seconds after the
 * first part are below 60. Zero, negative or anything else is unknown (null).
 */
export function durationSeconds(text: string | null | undefined): number | null {
  if (!text) return null;
  const match = CLOCK.exec(text.trim());
  if (!match) return null;
  // With two parts the first is minutes ("62:03"); with three, hours.
  const [, first, second, last] = match;
  const hours = second === undefined ? 0 : Number(first);
  const minutes = second === undefined ? (first === undefined ? 0 : Number(first)) : Number(second);
  const seconds = Number(last);
  if (first !== undefined && seconds >= 60) return null;
  if (second !== undefined && minutes >= 60) return null;
  const total = hours * 3600 + minutes * 60 + seconds;
  return total > 0 && Number.isSafeInteger(total) ? total : null;
}
