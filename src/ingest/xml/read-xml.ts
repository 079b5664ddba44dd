import { QuoteType, Tokenizer, type TokenizerCallbacks } from "htmlparser2";
import { IngestError } from "../ingest-error.ts";
import { CONVENTIONAL_PREFIXES, namespaceOf, type Namespace } from "./namespaces.ts";
import { EntityDecoder, takeDoctype } from "./xml-entities.ts";

/** Deeper nesting than this is refused: no real feed needs it, and it overflows parsers' stacks. */
export const MAX_XML_DEPTH = 256;
/** Faults of one document worth naming; the rest are counted. */
const MAX_PROBLEMS = 8;

/** A node of the document in the order it was written: an element, or a run of text. */
export type XmlNode = XmlElement | string;

export interface XmlElement {
  /** The namespace, from the URI the document declares (see namespaces.ts), never from its prefix. */
  readonly ns: Namespace;
  readonly local: string;
  /** The prefix as written: the name of an element in a namespace not known here. */
  readonly prefix: string | null;
  /**
   * Attributes by name: the local name for attributes without a namespace,
   * `short:local` for a known namespace (`xml:lang`, `rdf:about`, `thr:count`),
   * as written otherwise. Namespace declarations are not attributes.
   */
  readonly attributes: Readonly<Record<string, string>>;
  /** Child elements and text (entities decoded, CDATA unwrapped), in document order. */
  readonly children: XmlNode[];
  /** Some of its text came from a CDATA section. */
  cdata: boolean;
  /**
   * How it ended: its own end tag (or `/>`); an ancestor's end tag, as a
   * lenient reader closes an element a writer forgot to; or the end of the
   * document, when the document was cut off inside it.
   */
  end: "tag" | "ancestor" | "eof";
}

export interface XmlDocument {
  root: XmlElement | null;
  /** How the document departs from well-formed XML; empty when it is well-formed as far as a lenient reader can tell. */
  problems: string[];
}

/** Characters XML 1.0 does not allow anywhere in a document. */
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/**
 * Reads XML as lenient feed readers do, keeping what a tree in xml2js's shape
 * cannot: the order of text and elements (mixed content such as Atom's
 * `type="xhtml"`, or HTML a writer left unescaped in a description) and the
 * namespace URI of every name. Faults are recovered the way ordinary readers
 * recover them and reported in `problems`: an element left open is closed by
 * its ancestor's end tag, a stray end tag is skipped, a bare `&` stays text,
 * a document cut off is closed where it ends (its unfinished elements marked
 * so). Only nesting deeper than `maxDepth` is refused.
 */
export function readXml(text: string, maxDepth = MAX_XML_DEPTH): XmlDocument {
  let xml = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const problems: string[] = [];
  if (FORBIDDEN_CHARACTERS.test(xml)) {
    problems.push("control characters XML does not allow (dropped)");
    xml = xml.replace(FORBIDDEN_CHARACTERS, "");
  }
  const { xml: body, declared } = takeDoctype(xml);
  const reader = new DocumentReader(body, new EntityDecoder(declared, (problem) => reader.problem(problem)), maxDepth, problems);
  const tokenizer = new Tokenizer({ xmlMode: true, decodeEntities: false }, reader);
  tokenizer.write(body);
  tokenizer.end();
  // A document cut off inside its last tag (`</rss`) can look complete to the tokenizer.
  if (reader.root && body.trimEnd().slice(-1) !== ">") reader.problem("the document ends inside a tag, or with text after its root");
  if (reader.more > 0) problems.push(`and ${reader.more} more`);
  return { root: reader.root, problems };
}

/** Prefix → URI declarations in force, each element's on top of its parent's. */
class NamespaceScope {
  constructor(
    private readonly parent: NamespaceScope | null,
    private readonly declared: ReadonlyMap<string, string>,
  ) {}

  lookup(prefix: string): string | undefined {
    for (let scope: NamespaceScope | null = this; scope; scope = scope.parent) {
      const uri = scope.declared.get(prefix);
      if (uri !== undefined) return uri;
    }
    return undefined;
  }
}

interface OpenElement {
  element: XmlElement;
  /** The name as written, which its end tag must repeat. */
  qname: string;
  scope: NamespaceScope;
}

/** Builds the document from the tokenizer's events (htmlparser2's, in XML mode, entities left to us). */
class DocumentReader implements TokenizerCallbacks {
  root: XmlElement | null = null;
  private readonly stack: OpenElement[] = [];
  private rootClosed = false;
  /** The open tag being read: its name and raw attributes. */
  private tagName = "";
  private attributeName = "";
  private attributeValue = "";
  private rawAttributes: [name: string, value: string][] = [];
  /** Atom documents (a `feed` root) put elements without a namespace in Atom's. */
  private homeNamespace: Namespace = "";
  /** Problems named so far, and how many more faults were found past the first MAX_PROBLEMS (not kept: a hostile document could name a million). */
  private readonly named = new Set<string>();
  more = 0;

  constructor(
    private readonly xml: string,
    private readonly entities: EntityDecoder,
    private readonly maxDepth: number,
    private readonly problems: string[],
  ) {}

  problem(problem: string): void {
    if (this.named.has(problem)) return;
    if (this.problems.length >= MAX_PROBLEMS) {
      this.more++;
      return;
    }
    this.named.add(problem);
    this.problems.push(problem);
  }

  onopentagname(start: number, end: number): void {
    this.tagName = this.xml.slice(start, end);
    this.rawAttributes = [];
  }
  onattribname(start: number, end: number): void {
    this.attributeName = this.xml.slice(start, end);
    this.attributeValue = "";
  }
  onattribdata(start: number, end: number): void {
    this.attributeValue += this.xml.slice(start, end);
  }
  onattribentity(): void {
    // Not called: entities are decoded here, not by the tokenizer.
  }
  onattribend(quote: QuoteType): void {
    if (quote === QuoteType.NoValue) this.problem(`attribute ${this.attributeName} without a value`);
    else if (quote === QuoteType.Unquoted) this.problem(`attribute ${this.attributeName} without quotes`);
    this.rawAttributes.push([this.attributeName, this.attributeValue]);
  }
  onopentagend(): void {
    this.open();
  }
  onselfclosingtag(): void {
    this.open();
    this.close(this.stack.length - 1);
  }
  onclosetag(start: number, end: number): void {
    const qname = this.xml.slice(start, end);
    for (let index = this.stack.length - 1; index >= 0; index--) {
      if (this.stack[index]!.qname === qname) {
        this.close(index);
        return;
      }
    }
    this.problem(`end tag </${qname}> closes nothing open`);
  }
  ontext(start: number, end: number): void {
    const raw = this.xml.slice(start, end);
    if (raw.charCodeAt(0) === 60 /* < */) this.problem("a < that starts no tag");
    this.text(this.entities.decode(raw), false);
  }
  ontextentity(): void {
    // Not called: entities are decoded here, not by the tokenizer.
  }
  oncdata(start: number, end: number, endOffset: number): void {
    if (endOffset === 0) this.problem("a CDATA section that never ends");
    this.text(this.xml.slice(start, end - endOffset), true);
  }
  oncomment(): void {}
  ondeclaration(): void {}
  onprocessinginstruction(): void {}
  onend(): void {
    if (this.stack.length > 0) this.problem(`the document ends inside <${this.stack[this.stack.length - 1]!.qname}>`);
    while (this.stack.length > 0) this.stack.pop()!.element.end = "eof";
  }

  private text(chars: string, cdata: boolean): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      if (/\S/.test(chars)) this.problem(this.root ? "text after the root element" : "text before the root element");
      return;
    }
    if (chars === "") return;
    const children = top.element.children;
    const last = children.length - 1;
    if (last >= 0 && typeof children[last] === "string") children[last] += chars;
    else children.push(chars);
    if (cdata) top.element.cdata = true;
  }

  private open(): void {
    if (this.stack.length >= this.maxDepth) throw new IngestError("PARSE_ERROR", `XML nests deeper than ${this.maxDepth} elements`);
    const parent = this.stack[this.stack.length - 1];
    const scope = this.scopeOf(parent?.scope ?? null);
    const qname = this.tagName;
    const { prefix, local } = splitName(qname);
    let ns = this.namespace(prefix, scope, qname);
    if (!parent && !this.root && local === "feed" && (ns === "atom" || ns === "")) this.homeNamespace = "atom";
    if (ns === "") ns = this.homeNamespace;
    this.closeForgottenAround(ns, local);

    const attributes: Record<string, string> = {};
    for (const [name, value] of this.rawAttributes) {
      if (name === "xmlns" || name.startsWith("xmlns:")) continue;
      const split = splitName(name);
      // An attribute without a prefix is in no namespace, whatever the element's default.
      const attributeNs = split.prefix === null ? "" : this.namespace(split.prefix, scope, name);
      const key =
        attributeNs === "" || attributeNs === "rss" ? split.local : isShortName(attributeNs) ? `${attributeNs}:${split.local}` : name;
      if (Object.hasOwn(attributes, key)) {
        this.problem(`attribute ${name} repeated`);
        continue;
      }
      attributes[key] = this.entities.decode(value);
    }

    const element: XmlElement = { ns, local, prefix, attributes, children: [], cdata: false, end: "tag" };
    const container = this.stack[this.stack.length - 1];
    if (container) container.element.children.push(element);
    else if (!this.root) this.root = element;
    else this.problem(this.rootClosed ? "an element after the root element" : "a second root element");
    this.stack.push({ element, qname, scope });
  }

  /**
   * An item or entry that opens inside an element its writer forgot to close
   * (`<itunes:category text="Technology">` with no end, items after it) is
   * not part of that element: what is still open above its channel or feed
   * is closed first, as a reader that looks for items by name reads them.
   */
  private closeForgottenAround(ns: Namespace, local: string): void {
    if ((local !== "item" && local !== "entry") || this.stack.length === 0) return;
    const containers = ITEM_CONTAINERS.get(`${ns} ${local}`);
    if (!containers) return;
    const top = this.stack[this.stack.length - 1]!.element;
    if (containers.has(`${top.ns} ${top.local}`)) return;
    for (let index = this.stack.length - 2; index >= 0; index--) {
      const element = this.stack[index]!.element;
      if (containers.has(`${element.ns} ${element.local}`)) {
        this.closeAbove(index);
        return;
      }
    }
  }

  /** Closes the elements above `index`, as their ancestor's end tag would. */
  private closeAbove(index: number): void {
    while (this.stack.length - 1 > index) {
      const open = this.stack.pop()!;
      open.element.end = "ancestor";
      this.problem(`<${open.qname}> is not closed`);
    }
  }

  /** Closes the element at `index` by its end tag, and those above it as their ancestor's end tag closes them. */
  private close(index: number): void {
    this.closeAbove(index);
    this.stack.pop();
    if (this.stack.length === 0) this.rootClosed = true;
  }

  /** The element's scope: its parent's, with the namespaces its own attributes declare. */
  private scopeOf(parent: NamespaceScope | null): NamespaceScope {
    let declared: Map<string, string> | null = null;
    for (const [name, value] of this.rawAttributes) {
      if (name === "xmlns" || name.startsWith("xmlns:"))
        (declared ??= new Map()).set(name === "xmlns" ? "" : name.slice(6), this.entities.decode(value).trim());
    }
    if (declared) return new NamespaceScope(parent, declared);
    return parent ?? NO_DECLARATIONS;
  }

  private namespace(prefix: string | null, scope: NamespaceScope, name: string): Namespace {
    const uri = scope.lookup(prefix ?? "");
    if (uri !== undefined) return normalized(namespaceOf(uri));
    if (prefix === null) return "";
    const conventional = CONVENTIONAL_PREFIXES.get(prefix);
    if (conventional) return normalized(conventional);
    this.problem(`undeclared namespace prefix in ${name}`);
    return `undeclared:${prefix}`;
  }
}

const NO_DECLARATIONS = new NamespaceScope(null, new Map());

/** Where items and entries stand (namespace and local name, as resolved): RSS's channel (or root), RSS 1.0's root, Atom's feed. */
const ITEM_CONTAINERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [" item", new Set([" channel", " rss", "rdf RDF"])],
  ["atom entry", new Set(["atom feed"])],
]);

/** RSS 1.0's and 0.90's namespaces are read as RSS 2.0's: none. */
function normalized(ns: Namespace): Namespace {
  return ns === "rss" ? "" : ns;
}

/** A known namespace's short name, as opposed to a URI (which holds a colon) or none. */
export function isShortName(ns: Namespace): boolean {
  return ns !== "" && !ns.includes(":");
}

function splitName(name: string): { prefix: string | null; local: string } {
  const colon = name.indexOf(":");
  return colon > 0 && colon < name.length - 1
    ? { prefix: name.slice(0, colon), local: name.slice(colon + 1) }
    : { prefix: null, local: name };
}
