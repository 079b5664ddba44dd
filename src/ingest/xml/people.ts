import type { RawAuthor } from "../raw-feed.ts";
import { childText, children, ownText, type ElementName } from "./elements.ts";
import type { XmlElement } from "./read-xml.ts";

const ATOM_AUTHOR: ElementName = ["atom", "author"];
const RSS_AUTHOR: ElementName = ["", "author"];
const DC_CREATOR: ElementName = ["dc", "creator"];
const ITUNES_AUTHOR: ElementName = ["itunes", "author"];

/**
 * The people an item or a feed names as its authors, in this order: Atom
 * authors (name, email, uri; Atom 0.3's url), RSS `<author>` (its text as
 * written, often `mail@example.com (Name)`: normalizing reads it apart),
 * Dublin Core creators, iTunes' author.
 */
export function authorsOf(parent: XmlElement): RawAuthor[] {
  const authors: RawAuthor[] = [];
  for (const author of children(parent, ATOM_AUTHOR)) {
    const name = childText(author, [["atom", "name"]]);
    const email = childText(author, [["atom", "email"]]);
    const url = childText(author, [["atom", "uri"], ["atom", "url"]]);
    // A writer who puts the name straight in <author> still names someone.
    if (name || email || url) authors.push({ name, email, url });
    else {
      const text = ownText(author);
      if (text) authors.push({ name: text, email: null, url: null });
    }
  }
  for (const names of [RSS_AUTHOR, DC_CREATOR, ITUNES_AUTHOR]) {
    for (const element of children(parent, names)) {
      const name = ownText(element) ?? childText(element, [["", "name"], ["atom", "name"]]);
      if (name) authors.push({ name, email: null, url: null });
    }
  }
  return authors;
}
