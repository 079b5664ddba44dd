import { parseStringPromise } from "xml2js";

/** The section of feeds that sit in no folder, when `--section` does not name one. */
export const DEFAULT_IMPORT_SECTION = { slug: "general", name: "General" };
/** Bound on an OPML file: a reader's export of thousands of feeds is far smaller. */
export const MAX_OPML_BYTES = 5 * 1024 * 1024;
const MAX_ID_CHARS = 63;

export interface ImportedSources {
  /** A sources file (the format of sources-file.ts), not yet validated: the caller runs it through parseSourcesConfig. */
  file: { sections: { slug: string; name: string }[]; sources: { id: string; name: string; url: string; section: string }[] };
  /** Outlines skipped, each with the reason, for the person running the import. */
  skipped: string[];
}

/** An OPML file we cannot read: the message says what is wrong with it. */
export class OpmlError extends Error {
  readonly code = "OPML_INVALID";
}

interface Outline {
  $?: Record<string, string>;
  outline?: Outline[];
}

/**
 * A feed reader's OPML export as a sources file. Folders (outlines without an
 * `xmlUrl`) become sections, named by their path (`Tech / AI` for a nested
 * one); a feed belongs to its nearest folder, else to the first segment of its
 * `category` attribute, else to the default section. Feeds that are not
 * http(s), or repeat a URL already taken, are skipped and reported.
 */
export async function importOpml(
  text: string,
  options: { defaultSection?: { slug: string; name: string } } = {},
): Promise<ImportedSources> {
  const fallback = options.defaultSection ?? DEFAULT_IMPORT_SECTION;
  let parsed: { opml?: { body?: { outline?: Outline[] }[] } };
  try {
    parsed = (await parseStringPromise(text, { explicitArray: true, strict: true })) as typeof parsed;
  } catch (error) {
    throw new OpmlError(`is not well-formed XML (${String((error as Error).message).split("\n")[0]})`);
  }
  const body = parsed?.opml?.body?.[0];
  if (!body) throw new OpmlError("has no <opml><body>: is it an OPML file?");

  const sections = new Map<string, { slug: string; name: string }>();
  const sources: ImportedSources["file"]["sources"] = [];
  const skipped: string[] = [];
  const seenUrls = new Set<string>();
  const ids = new Set<string>();
  const sectionFor = (name: string) => {
    const slug = slugify(name, "section", MAX_ID_CHARS);
    const existing = sections.get(slug);
    if (existing) return existing.slug;
    sections.set(slug, { slug, name });
    return slug;
  };

  const walk = (outlines: Outline[], folder: string | null) => {
    for (const outline of outlines) {
      // Attribute names differ in case between readers (xmlUrl, xmlurl, XMLURL).
      const attrs = Object.fromEntries(Object.entries(outline.$ ?? {}).map(([k, v]) => [k.toLowerCase(), String(v).trim()]));
      const label = attrs.title || attrs.text || "";
      const xmlUrl = attrs.xmlurl;
      if (!xmlUrl) {
        if (outline.outline?.length) walk(outline.outline, folder ? `${folder} / ${label || "Untitled"}` : label || "Untitled");
        continue;
      }
      let url: URL;
      try {
        url = new URL(xmlUrl);
      } catch {
        skipped.push(`"${label || xmlUrl}": xmlUrl "${xmlUrl}" is not a URL`);
        continue;
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        skipped.push(`"${label || xmlUrl}": xmlUrl "${xmlUrl}" is not http(s)`);
        continue;
      }
      if (url.username || url.password) {
        skipped.push(`"${label || xmlUrl}": xmlUrl carries credentials; add the source by hand with \`headers\``);
        continue;
      }
      if (seenUrls.has(url.href)) {
        skipped.push(`"${label || xmlUrl}": ${url.href} is listed already`);
        continue;
      }
      seenUrls.add(url.href);
      const category = attrs.category
        ?.split(",")[0]
        ?.split("/")
        .find((part) => part.trim())
        ?.trim();
      let section: string;
      if (folder) section = sectionFor(folder);
      else if (category) section = sectionFor(category);
      else {
        if (!sections.has(fallback.slug)) sections.set(fallback.slug, fallback);
        section = fallback.slug;
      }
      const name = label || url.hostname;
      sources.push({ id: uniqueId(slugify(name, "feed", MAX_ID_CHARS), ids), name, url: url.href, section });
    }
  };
  walk(body.outline ?? [], null);
  if (sources.length === 0)
    throw new OpmlError(`lists no http(s) feeds (outlines with an xmlUrl)${skipped.length ? `; skipped: ${skipped.join("; ")}` : ""}`);
  const used = new Set(sources.map((s) => s.section));
  return { file: { sections: [...sections.values()].filter((s) => used.has(s.slug)), sources }, skipped };
}

/** Lower-case ASCII letters, digits and dashes: what section slugs and source ids allow. */
export function slugify(text: string, fallback: string, max: number): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/['’]/g, "")
    .replace(/&/g, " and ")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, max)
    .replace(/-+$/, "");
  return slug || fallback;
}

function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base.slice(0, MAX_ID_CHARS - String(n).length - 1)}-${n}`;
  taken.add(id);
  return id;
}
