import { builder } from "../builder.ts";
import type { DetectedFormat, IngestErrorCode } from "../../model/source-snapshot.ts";

/** Every code a source's status can carry, described; `satisfies` keeps the list complete when a code is added. */
const ERROR_CODES = {
  TIMEOUT: "No complete answer within the source's time limit.",
  TOO_LARGE: "The body grew past the source's byte limit (counted after decompression).",
  HTTP_STATUS: "The upstream answered an HTTP error, or redirected to a scheme that is not http(s).",
  TOO_MANY_REDIRECTS: "More redirects than allowed (a loop, most often).",
  INSECURE_REDIRECT:
    "A source with credentials (configured headers, a URL's user:password) was redirected from https to plain http: refused.",
  PRIVATE_ADDRESS:
    "The read reached a loopback, private, link-local or reserved address after a public one (or at all, with --refuse-private-addresses).",
  NETWORK: "The connection failed (refused, reset, name not found).",
  NOT_FOUND: "A bundled file that does not exist.",
  FORBIDDEN_PATH: "A file path outside the sources file's folder.",
  PARSE_ERROR: "The body could not be read as the format it claims (empty, not JSON, XML nested past the limit).",
  UNSUPPORTED_FORMAT: "The body is no feed Newsgate reads (an HTML page, an unknown XML root).",
  NOT_HTML: "Full text only: an item's page is not an HTML document.",
  NOT_EXTRACTABLE:
    "Full text only: no article was found on an item's page (not an article, too little text, or no longer than the feed's own).",
} satisfies Record<IngestErrorCode, string>;

export const SourceErrorCode = builder.enumType("SourceErrorCode", {
  description: "Why a source's last read failed. Stable: clients may switch on it.",
  values: Object.fromEntries(
    Object.entries(ERROR_CODES).map(([code, description]) => [code, { value: code as IngestErrorCode, description }]),
  ) as Record<IngestErrorCode, { value: IngestErrorCode; description: string }>,
});

const FORMATS = {
  RSS: { value: "rss", description: "RSS 0.9x or 2.0." },
  ATOM: { value: "atom", description: "Atom 0.3 or 1.0." },
  RDF: { value: "rdf", description: "RSS 1.0 (RDF)." },
  JSONFEED: { value: "jsonfeed", description: "JSON Feed 1.0 or 1.1." },
  JSON: { value: "json", description: "A plain JSON API read through the source's field map." },
} as const satisfies Record<string, { value: DetectedFormat; description: string }>;

export const SourceFormat = builder.enumType("SourceFormat", {
  description: "The format a source's body was read as.",
  values: FORMATS,
});
