import type { ArticleAuthor } from "../model/article.ts";
import type { RawAuthor } from "../model/raw-feed.ts";
import { collapseWhitespace, htmlToText, truncateAtWord } from "./text.ts";

/** Authors kept per article: a feed that lists a whole newsroom on every item is not a byline. */
export const MAX_AUTHORS = 20;
/** Longer names are cut at a word. */
export const MAX_AUTHOR_NAME_CHARS = 200;
/** RFC 5321's longest address. */
const MAX_EMAIL_CHARS = 254;
const MAX_AUTHOR_URL_CHARS = 2048;

/** "None", shared by every article that names no author. */
export const NO_AUTHORS: ArticleAuthor[] = Object.freeze([]) as unknown as ArticleAuthor[];

// What only an address, markup or an entity holds: without any, the text is a name.
const NEEDS_READING = /[@<&]/;
// An address: no spaces, brackets or parentheses, something on each side of one "@".
const EMAIL = /^(?:mailto:)?([^\s@<>()"',;]+@[^\s@<>()"',;]+)$/i;
// "Writer <writer@example.com>", as mail headers write it (read before markup is stripped: it looks like a tag).
const NAME_ANGLE_EMAIL = /^(.*?)\s*<\s*(?:mailto:)?([^\s@<>()]+@[^\s@<>()]+)\s*>$/i;
// "writer@example.com (Writer)", as RSS 2.0 asks.
const EMAIL_PAREN_NAME = /^(?:mailto:)?([^\s@<>()]+@[^\s@<>()]+)\s*\((.*)\)$/i;
// "Writer (writer@example.com)".
const NAME_PAREN_EMAIL = /^(.*?)\s*\(\s*(?:mailto:)?([^\s@<>()]+@[^\s@<>()]+)\s*\)$/i;

/** A name and an e-mail read from how feeds write an author in one piece of text. */
export interface AuthorText {
  name: string | null;
  email: string | null;
}

/**
 * Reads one author as feeds write it: "writer@example.com (Writer)" (RSS),
 * "Writer <writer@example.com>" (mail), "Writer (writer@example.com)", a bare
 * address (an e-mail, no name), or a name. Names come out as plain text
 * (entities decoded once, markup dropped, whitespace collapsed).
 */
export function parseAuthorText(text: string | null | undefined): AuthorText {
  if (!text) return { name: null, email: null };
  // Most names hold no address, markup or entity: nothing to read.
  if (!NEEDS_READING.test(text)) return { name: cleanName(text), email: null };
  let rest = text.trim();
  let email: string | null = null;
  const angle = NAME_ANGLE_EMAIL.exec(rest);
  if (angle) {
    rest = angle[1]!;
    email = angle[2]!;
  }
  rest = htmlToText(rest);
  if (email === null) {
    const emailFirst = EMAIL_PAREN_NAME.exec(rest);
    const nameFirst = emailFirst ? null : NAME_PAREN_EMAIL.exec(rest);
    const bare = emailFirst || nameFirst ? null : EMAIL.exec(rest);
    if (emailFirst) [email, rest] = [emailFirst[1]!, emailFirst[2]!.trim()];
    else if (nameFirst) [rest, email] = [nameFirst[1]!, nameFirst[2]!];
    else if (bare) [email, rest] = [bare[1]!, ""];
  }
  return { name: cleanName(rest), email: email === null ? null : cleanEmail(email) };
}

function cleanName(text: string): string | null {
  const name = truncateAtWord(collapseWhitespace(text), MAX_AUTHOR_NAME_CHARS);
  return name || null;
}

function cleanEmail(text: string): string | null {
  const match = EMAIL.exec(text.trim());
  return match && match[1]!.length <= MAX_EMAIL_CHARS ? match[1]! : null;
}

/**
 * A feed's authors as articles carry them: each read by `parseAuthorText`
 * (an `email` given apart wins over one found in the name), its URL absolute
 * http(s) or null, empty ones dropped, repeats (same name and e-mail, in any
 * case) dropped, at most MAX_AUTHORS.
 */
export function normalizeAuthors(raw: readonly RawAuthor[], resolve: (link: string | null | undefined) => string | null): ArticleAuthor[] {
  if (raw.length === 0) return NO_AUTHORS;
  let out: ArticleAuthor[] | null = null;
  let seen: Set<string> | null = null;
  for (const author of raw) {
    if (!author) continue;
    const parsed = parseAuthorText(author.name);
    const email = (author.email ? cleanEmail(author.email) : null) ?? parsed.email;
    const link = author.url ? resolve(author.url) : null;
    const url = link && link.length <= MAX_AUTHOR_URL_CHARS ? link : null;
    // An address given as the name alone is the e-mail, and not shown as a name.
    const name = parsed.name;
    if (name === null && email === null && url === null) continue;
    const key = `${name?.toLowerCase() ?? ""}\n${email?.toLowerCase() ?? ""}`;
    if (seen?.has(key)) continue;
    (seen ??= new Set()).add(key);
    (out ??= []).push({ name, url, email });
    if (out.length >= MAX_AUTHORS) break;
  }
  return out ?? NO_AUTHORS;
}

/** The byline of a list of authors: the first one's name that has one; never a bare e-mail. */
export function bylineOf(authors: readonly ArticleAuthor[]): string | null {
  for (const author of authors) if (author.name) return author.name;
  return null;
}
