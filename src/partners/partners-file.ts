import { readFile } from "node:fs/promises";
import path from "node:path";
import { FileError } from "../config/file-error.ts";

/** Requests per minute an anonymous client address may make when a partners file is configured. */
export const DEFAULT_ANONYMOUS_REQUESTS_PER_MINUTE = 60;
/** Requests per minute one client address may make with a publishable key, unless the partner sets its own. */
export const DEFAULT_PUBLISHABLE_REQUESTS_PER_MINUTE_PER_ADDRESS = 60;
/** Highest per-minute budget a partner (or anonymous use) may be given. */
export const MAX_REQUESTS_PER_MINUTE = 1_000_000;
/** Bound on the partners file itself: it is read whole at start-up. */
export const MAX_PARTNERS_FILE_BYTES = 1024 * 1024;

export interface Partner {
  name: string;
  /** Lowercase hex sha256 of the partner's key; the key itself is never stored. */
  keyHash: string;
  /** Browser origins (`https://site.example`) that may use the key; empty for server-to-server use only. */
  allowedOrigins: string[];
  requestsPerMinute: number;
  /**
   * Set for a key published in the partner's pages (the widget): anyone can
   * read it there. Such a key is refused without one of `allowedOrigins`, and
   * each client address may spend only `requestsPerMinutePerAddress` of the
   * key's budget. Null for a key kept on the partner's servers.
   */
  publishable: { requestsPerMinutePerAddress: number } | null;
}

export interface PartnersConfig {
  /** Absolute path of the file this was read from. */
  file: string;
  partners: Partner[];
  /** Budget of each anonymous client address, or null when anonymous use is refused. */
  anonymous: { requestsPerMinute: number } | null;
}

/** An invalid partners file: the message names the file, the partner and the field. */
export class PartnersFileError extends FileError {
  readonly code = "PARTNERS_INVALID";
}

const KEY_HASH = /^[0-9a-f]{64}$/;
const PARTNER_FIELDS = ["name", "keyHash", "allowedOrigins", "requestsPerMinute", "publishable", "requestsPerMinutePerAddress"];

export async function loadPartnersFile(file: string): Promise<PartnersConfig> {
  const absolute = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    throw new PartnersFileError(absolute, "file", `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (bytes.length > MAX_PARTNERS_FILE_BYTES) {
    throw new PartnersFileError(absolute, "file", `is ${bytes.length} bytes, more than the ${MAX_PARTNERS_FILE_BYTES} allowed`);
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new PartnersFileError(absolute, "file", `is not valid JSON (${(error as Error).message})`);
  }
  return parsePartnersConfig(json, absolute);
}

/**
 * Validates a parsed partners file:
 * `{ "anonymous": { "requestsPerMinute": 60 } | false, "partners": [{ name, keyHash, allowedOrigins, requestsPerMinute, publishable?, requestsPerMinutePerAddress? }] }`.
 */
export function parsePartnersConfig(json: unknown, file: string): PartnersConfig {
  const fail = (where: string, problem: string): never => {
    throw new PartnersFileError(file, where, problem);
  };
  if (!isObject(json)) fail("file", "must hold a JSON object with `partners`");
  const top = json as Record<string, unknown>;
  for (const key of Object.keys(top))
    if (key !== "partners" && key !== "anonymous") fail(key, "is not a known field (known: partners, anonymous)");
  if (!Array.isArray(top.partners)) fail("partners", "must be an array");

  let anonymous: PartnersConfig["anonymous"] = { requestsPerMinute: DEFAULT_ANONYMOUS_REQUESTS_PER_MINUTE };
  if (top.anonymous === false) anonymous = null;
  else if (top.anonymous !== undefined) {
    if (!isObject(top.anonymous)) fail("anonymous", "must be false (refuse requests without a key) or an object with `requestsPerMinute`");
    const entry = top.anonymous as Record<string, unknown>;
    for (const key of Object.keys(entry))
      if (key !== "requestsPerMinute") fail(`anonymous.${key}`, "is not a known field (known: requestsPerMinute)");
    anonymous = {
      requestsPerMinute: perMinute(entry.requestsPerMinute, DEFAULT_ANONYMOUS_REQUESTS_PER_MINUTE, (p) =>
        fail("anonymous.requestsPerMinute", p),
      ),
    };
  }

  const partners: Partner[] = [];
  (top.partners as unknown[]).forEach((raw, index) => {
    const label = isObject(raw) && typeof raw.name === "string" && raw.name.trim() ? `partner "${raw.name.trim()}"` : `partners[${index}]`;
    const at = (field: string) => `${label}, field \`${field}\``;
    if (!isObject(raw)) fail(label, "must be an object with `name`, `keyHash`, `allowedOrigins` and `requestsPerMinute`");
    const entry = raw as Record<string, unknown>;
    // A key written in clear would be readable by anyone who reads the file or its backups.
    if ("key" in entry || "apiKey" in entry)
      fail(at("key" in entry ? "key" : "apiKey"), "keys are never stored; write `keyHash`, the lowercase hex sha256 of the key");
    for (const key of Object.keys(entry))
      if (!PARTNER_FIELDS.includes(key)) fail(at(key), `is not a known field (known: ${PARTNER_FIELDS.join(", ")})`);
    if (typeof entry.name !== "string" || entry.name.trim() === "") fail(at("name"), "must be a non-empty string");
    const name = (entry.name as string).trim();
    if (partners.some((p) => p.name === name)) fail(at("name"), "is used by another partner");
    if (typeof entry.keyHash !== "string" || !KEY_HASH.test(entry.keyHash)) {
      fail(at("keyHash"), 'must be the lowercase hex sha256 of the key (64 characters 0-9a-f), e.g. from `printf %s "$KEY" | sha256sum`');
    }
    const keyHash = entry.keyHash as string;
    const twin = partners.find((p) => p.keyHash === keyHash);
    if (twin) fail(at("keyHash"), `is the same key as partner "${twin.name}"'s; every partner needs its own key`);
    if (!Array.isArray(entry.allowedOrigins))
      fail(at("allowedOrigins"), 'must be an array of origins such as "https://news.example" (empty for server-to-server use)');
    const allowedOrigins = (entry.allowedOrigins as unknown[]).map((origin, i) =>
      parseOrigin(origin, (p) => fail(at(`allowedOrigins[${i}]`), p)),
    );
    if (entry.requestsPerMinute === undefined) fail(at("requestsPerMinute"), "is required: a whole number of requests per minute");
    const requestsPerMinute = perMinute(entry.requestsPerMinute, 0, (p) => fail(at("requestsPerMinute"), p));
    const publishable = readPublishable(entry, allowedOrigins, requestsPerMinute, (field, p) => fail(at(field), p));
    partners.push({ name, keyHash, allowedOrigins: [...new Set(allowedOrigins)], requestsPerMinute, publishable });
  });
  return { file, partners, anonymous };
}

/**
 * `publishable` and its per-address budget. A publishable key without
 * origins could never be used (every request would be refused), and a
 * per-address budget on a server key would only cap the partner's own few
 * servers: both are mistakes in the file, said at start-up.
 */
function readPublishable(
  entry: Record<string, unknown>,
  allowedOrigins: string[],
  requestsPerMinute: number,
  fail: (field: string, problem: string) => never,
): Partner["publishable"] {
  if (entry.publishable !== undefined && typeof entry.publishable !== "boolean") {
    fail("publishable", "must be true (a key in the partner's web pages, for the widget) or false (a key kept on the partner's servers)");
  }
  if (entry.publishable !== true) {
    if (entry.requestsPerMinutePerAddress !== undefined)
      fail("requestsPerMinutePerAddress", 'applies only to publishable keys: add `"publishable": true` or remove it');
    return null;
  }
  if (allowedOrigins.length === 0)
    fail("allowedOrigins", "a publishable key is refused without one of its origins: list the sites whose pages carry it");
  const perAddress = perMinute(
    entry.requestsPerMinutePerAddress,
    Math.min(DEFAULT_PUBLISHABLE_REQUESTS_PER_MINUTE_PER_ADDRESS, requestsPerMinute),
    (p) => fail("requestsPerMinutePerAddress", p),
  );
  if (perAddress > requestsPerMinute)
    fail("requestsPerMinutePerAddress", `is ${perAddress}, more than the key's whole budget (requestsPerMinute ${requestsPerMinute})`);
  return { requestsPerMinutePerAddress: perAddress };
}

/** An origin exactly as browsers send it in `Origin`: scheme, host and port, nothing else. */
function parseOrigin(value: unknown, fail: (problem: string) => never): string {
  if (typeof value !== "string") return fail('must be a string such as "https://news.example"');
  if (value.includes("*")) return fail("wildcards are not allowed; list every origin");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`"${value}" is not an origin such as "https://news.example"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return fail(`"${value}" must use http or https`);
  if (url.origin !== value) return fail(`"${value}" is not an origin; write it as "${url.origin}" (no path, no trailing slash)`);
  return url.origin;
}

function perMinute(value: unknown, fallback: number, fail: (problem: string) => never): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_REQUESTS_PER_MINUTE) {
    return fail(`must be a whole number from 1 to ${MAX_REQUESTS_PER_MINUTE}`);
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
