import sax from "sax";
import { SaxesParser, type SaxesTagPlain } from "saxes";
import { MAX_XML_DEPTH } from "./repair-xml.ts";

/**
 * The object tree xml2js makes of a document as rss-parser configures it
 * (xml2js 0.5 defaults): `{ rootName: element }`, where an element is its
 * text alone when it has nothing else, else an object without a prototype
 * holding `_` (its text, unless only whitespace), `$` (its attributes) and,
 * per child name, an array of children in document order.
 */
export type XmlTree = Record<string, unknown>;

/** sax decodes HTML's named entities as well as XML's (xml2js does not ask for strict entities). */
const SAX_ENTITIES: Readonly<Record<string, string>> = (sax as unknown as { ENTITIES: Record<string, string> }).ENTITIES;
/** saxes's own (XML's) with sax's added, made once and shared by every parser (saxes only reads it). */
const ENTITIES: Record<string, string> = Object.freeze(Object.assign(Object.create(Object.getPrototypeOf(new SaxesParser().ENTITIES) as object) as Record<string, string>, SAX_ENTITIES));
/** Names xml2js uses for its own bookkeeping: an element so named would be read differently by it. */
const RESERVED_NAMES: ReadonlySet<string> = new Set(["_", "$", "#name", "cdata", "__proto__"]);
/**
 * sax keeps line ends and attribute whitespace as written; saxes, like the XML
 * spec, turns CR LF into LF and tabs and newlines in attribute values into
 * spaces. A document where that could show is left to xml2js.
 */
const NORMALIZED_BY_SAXES = /\r|=\s*(?:"[^"<]*[\t\n][^"<]*"|'[^'<]*[\t\n][^'<]*')/;

/**
 * CDATA sections, and the comments and processing instructions they must not
 * be looked for in (a "<![CDATA[" inside a comment is text of the comment).
 */
const CDATA_OR_SKIPPED = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>/g;

/**
 * The document with each CDATA section's content set aside, the section left
 * in place holding only its number: saxes checks and copies CDATA one
 * character at a time, and a full-content feed is mostly CDATA (56 % of the
 * bench's feeds; about a fifth of building the tree). saxes still sees every
 * section where it is, so the document's shape is read as before. The content
 * goes into the tree as it was, unchecked, as sax beneath xml2js takes it: a
 * control character or half a surrogate pair there is no longer a reason to
 * ask xml2js (saxes refused the first and could misread the second, letting
 * it swallow the section's end). Null when there is no CDATA, or a doctype,
 * whose declarations are not read here.
 */
function setAsideCdata(xml: string): { xml: string; sections: string[] } | null {
  if (!xml.includes("<![CDATA[") || xml.includes("<!DOCTYPE")) return null;
  const sections: string[] = [];
  const scanned = xml.replace(CDATA_OR_SKIPPED, (match, content: string | undefined) => (content === undefined ? match : `<![CDATA[${sections.push(content) - 1}]]>`));
  return { xml: scanned, sections };
}

/** Thrown from a handler to stop at the first sign that xml2js would read the document differently. */
const GIVE_UP = Symbol("left to xml2js");

/**
 * Reads XML text into exactly the tree rss-parser's xml2js would make of it,
 * with saxes, a conformant parser about twice as fast as sax beneath xml2js.
 * Returns null whenever the two could differ: a document saxes refuses (sax is
 * more lenient, and xml2js owns every error message), an XML 1.1 document,
 * line ends or attribute whitespace that saxes would normalize, or an element
 * named like xml2js's own keys, or one nested deeper than `maxDepth`. The
 * caller then asks xml2js, so this is only ever a shortcut to the same answer.
 */
export function readXmlTree(text: string, maxDepth = MAX_XML_DEPTH): XmlTree | null {
  // xml2js: an empty document has no tree, and a byte order mark is not part of the text.
  if (!/\S/.test(text)) return null;
  const xml = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (NORMALIZED_BY_SAXES.test(xml)) return null;
  const setAside = setAsideCdata(xml);

  const parser = new SaxesParser({ xmlns: false });
  parser.ENTITIES = ENTITIES;
  const stack: OpenElement[] = [];
  let tree: XmlTree | null = null;

  parser.on("xmldecl", (declaration) => {
    if (declaration.version !== undefined && declaration.version !== "1.0") throw GIVE_UP;
  });
  parser.on("opentag", (tag: SaxesTagPlain) => {
    // sax makes an attribute named __proto__ the prototype of its attributes, so xml2js never sees it.
    if (stack.length >= maxDepth || RESERVED_NAMES.has(tag.name) || Object.hasOwn(tag.attributes, "__proto__")) throw GIVE_UP;
    stack.push(new OpenElement(tag.attributes));
  });
  parser.on("text", (chars) => {
    const top = stack[stack.length - 1];
    if (top) top.text += chars;
  });
  parser.on("cdata", (held) => {
    const chars = setAside ? setAside.sections[Number(held)]! : held;
    const top = stack[stack.length - 1];
    // sax reports no empty CDATA section, so one marks nothing.
    if (!top || chars === "") return;
    top.text += chars;
    top.cdata = true;
  });
  parser.on("closetag", (tag) => {
    const value = stack.pop()!.close();
    const parent = stack[stack.length - 1];
    if (parent) {
      parent.append(tag.name, value);
      return;
    }
    tree = Object.create(null) as XmlTree;
    tree[tag.name] = value;
  });

  // xml2js stops reading at the root's close tag, so what follows cannot change its tree, but
  // saxes reads on: a document it then refuses (trailing text, a stray close tag) goes to xml2js.
  try {
    parser.write(setAside ? setAside.xml : xml).close();
  } catch {
    return null;
  }
  return tree;
}

/** An element between its open and close tags: what xml2js gathers for it, kept apart until the close builds its value. */
class OpenElement {
  text = "";
  cdata = false;
  /** Child values by name, names in the order their first child closed (xml2js's key order). */
  private children: Map<string, unknown[]> | null = null;

  constructor(private readonly attributes: Record<string, string>) {}

  append(name: string, value: unknown): void {
    this.children ??= new Map();
    const siblings = this.children.get(name);
    if (siblings) siblings.push(value);
    else this.children.set(name, [value]);
  }

  /**
   * xml2js's value for the element: whitespace-only text is dropped unless it
   * was CDATA, text alone stands for its element, and an element with nothing
   * left is its whitespace ("" when it had none).
   */
  close(): unknown {
    const keepText = this.cdata || /\S/.test(this.text);
    let hasAttributes = false;
    for (const _name in this.attributes) {
      hasAttributes = true;
      break;
    }
    if (!hasAttributes && this.children === null) return this.text;
    // Keys in xml2js's order: text, attributes, children.
    const element = Object.create(null) as Record<string, unknown>;
    if (keepText) element._ = this.text;
    if (hasAttributes) element.$ = Object.assign(Object.create(null) as object, this.attributes);
    if (this.children) for (const [name, values] of this.children) element[name] = values;
    return element;
  }
}
