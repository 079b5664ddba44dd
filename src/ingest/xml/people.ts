import type { RawAuthor } from "../../model/raw-feed.ts";
import { childText, children, ownText, type ElementName } from "./elements.ts";
import type { XmlElement } from "./read-xml.ts";

const ATOM_AUTHOR: ElementName = ["atom", "author"];
const RSS_AUTHOR: ElementName = ["", "author"];
const DC_CREATOR: ElementName = ["dc", "creator"];
const ITUNES_AUTHOR: ElementName = ["itunes", "author"];
const ATOM_NAME: readonly ElementName[] = [["atom", "name"]];
const ATOM_EMAIL: readonly ElementName[] = [["atom", "email"]];
/** Atom 1.0's uri, Atom 0.3's url. */
const ATOM_URI: readonly ElementName[] = [
  ["atom", "uri"],
  ["atom", "url"],
];
/** A name element inside an RSS author (not standard, but written). */
const ANY_NAME: readonly ElementName[] = [
  ["", "name"],
  ["atom", "name"],
];
const PLAIN_AUTHORS: readonly ElementName[] = [RSS_AUTHOR, DC_CREATOR, ITUNES_AUTHOR];

/**
 * The people an item or a feed names as its authors, in this order: Atom
 * authors (name, email, uri; Atom 0.3's url), RSS `<author>` (its text as
 * written, often `mail@example.com (Name)`: normalizing reads it apart),
 * Dublin Core creators, iTunes' author.
 */
export function authorsOf(parent: XmlElement): RawAuthor[] {
  const authors: RawAuthor[] = [];
  for (const author of children(parent, ATOM_AUTHOR)) {
    const name = childText(author, ATOM_NAME);
    const email = childText(author, ATOM_EMAIL);
    const url = childText(author, ATOM_URI);
    // A writer who puts the name straight in <author> still names someone.
    if (name || email || url) authors.push({ name, email, url });
    else {
      const text = ownText(author);
      if (text) authors.push({ name: text, email: null, url: null });
    }
  }
  for (const names of PLAIN_AUTHORS) {
    for (const element of children(parent, names)) {
      const name = ownText(element) ?? childText(element, ANY_NAME);
      if (name) authors.push({ name, email: null, url: null });
    }
  }
  return authors;
}
