import { GraphQLError } from "graphql";
import type { GraphQLParams, Plugin } from "graphql-yoga";

/**
 * How deeply the JSON of `variables` and of `extensions` may nest (objects
 * and arrays; the `variables` object itself is level 1). This schema takes no
 * input objects, so real variables are 1 or 2 levels deep and extensions
 * (`persistedQuery`) 2; 64 leaves room for any client's habits. What it
 * guards: every walk of these values that recurses — the variables' sorted
 * copy and `JSON.stringify` in cache keys and entity tags, the cost memo's
 * key, graphql-js's coercion — and `JSON.stringify` overflows V8's stack
 * near 4,000 levels (a 10 KB GET or a 100 KB POST nests far deeper), which
 * answered 500. `JSON.parse` itself is iterative: it parses a million levels.
 */
export const MAX_PARAMS_JSON_DEPTH = 64;

/** The `extensions.code` of a request whose variables or extensions nest deeper than `MAX_PARAMS_JSON_DEPTH`. */
export const PARAMETERS_TOO_DEEP = "PARAMETERS_TOO_DEEP";

/** A request Yoga must not run: HTTP 400 whatever the client accepts, with `extensions.code`. */
export function createBadRequestError(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

/**
 * Whether `value` nests objects and arrays deeper than `limit` levels
 * (a scalar is 0 levels, `{}` and `[]` 1). It recurses at most `limit`
 * levels whatever the value's depth (it stops at the first level over the
 * limit), so no value can overflow the stack, and it allocates nothing: it
 * runs on every request's variables.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (limit < 1) return true;
  if (Array.isArray(value)) {
    for (const child of value) if (nestsDeeperThan(child, limit - 1)) return true;
    return false;
  }
  for (const key in value)
    if (Object.hasOwn(value, key) && nestsDeeperThan((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
}

/** The error for variables or extensions over the depth limit, or null when both are within it. */
export function paramsDepthError(params: { variables?: unknown; extensions?: unknown }): GraphQLError | null {
  for (const name of ["variables", "extensions"] as const) {
    if (nestsDeeperThan(params[name], MAX_PARAMS_JSON_DEPTH)) {
      return createBadRequestError(
        PARAMETERS_TOO_DEEP,
        `"${name}" nests objects and arrays more than ${MAX_PARAMS_JSON_DEPTH} levels deep: send flatter JSON.`,
      );
    }
  }
  return null;
}

/** The part of a URL after `?` (and before any `#`); empty when there is none. */
export function searchOf(url: string): string {
  const start = url.indexOf("?");
  if (start < 0) return "";
  const end = url.indexOf("#", start);
  return url.slice(start + 1, end < 0 ? undefined : end);
}

/**
 * The GraphQL parameters of a query string (a GET's, or a form-encoded
 * body), read as Yoga reads them (the first of a repeated name; an empty value
 * is absent), but strictly: a `%` not followed by two hex digits, or escapes
 * that do not decode to UTF-8, and `variables` or `extensions` that are not
 * JSON or nest too deep, throw a coded 400 instead of parsing into something
 * else (URLSearchParams keeps `%ZZ` as is and turns bad UTF-8 into U+FFFD) or
 * throwing a bare SyntaxError (which Yoga answered with 500).
 * `where` names the source in messages ("query string", "form body").
 */
export function parseSearchParams(search: string, where: string): GraphQLParams {
  const values = new Map<string, string>();
  for (const pair of search.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = decodeComponent(eq < 0 ? pair : pair.slice(0, eq), where, null);
    const value = eq < 0 ? "" : decodeComponent(pair.slice(eq + 1), where, name);
    if (!values.has(name)) values.set(name, value);
  }
  const json = (name: "variables" | "extensions"): unknown => {
    const text = values.get(name);
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw createBadRequestError("BAD_REQUEST", `The ${where}'s "${name}" is not valid JSON: send a JSON object, percent-encoded.`);
    }
  };
  const params = {
    operationName: values.get("operationName") || undefined,
    query: values.get("query") || undefined,
    variables: json("variables") as GraphQLParams["variables"],
    extensions: json("extensions") as GraphQLParams["extensions"],
  };
  const tooDeep = paramsDepthError(params);
  if (tooDeep) throw tooDeep;
  return params;
}

function decodeComponent(text: string, where: string, name: string | null): string {
  const spaced = text.includes("+") ? text.replaceAll("+", " ") : text;
  if (!spaced.includes("%")) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    const bad = /%(?![0-9a-f]{2})/i.exec(spaced);
    const what = bad ? `a malformed percent escape ("${spaced.slice(bad.index, bad.index + 3)}")` : "percent escapes that are not UTF-8";
    const param = name === null ? "a parameter name" : `parameter "${name.slice(0, 50)}"`;
    throw createBadRequestError("BAD_REQUEST", `The ${where} has ${what} in ${param}: escape "%" as %25, and text as UTF-8.`);
  }
}

/**
 * Parameters from the JSON body Yoga parsed, checked for depth, or a clean
 * error for a body that is not JSON: Yoga's own carries
 * `extensions.originalError` (the parser's message, which quotes the body).
 */
function checkedParams(params: unknown): unknown {
  for (const one of Array.isArray(params) ? params : [params]) {
    if (one !== null && typeof one === "object" && !Array.isArray(one)) {
      const tooDeep = paramsDepthError(one as GraphQLParams);
      if (tooDeep) throw tooDeep;
    }
  }
  return params;
}

function cleanParseError(error: unknown): never {
  if (error instanceof GraphQLError && error.extensions?.originalError !== undefined) {
    const { originalError: _originalError, http: _http, ...extensions } = error.extensions;
    throw new GraphQLError(error.message.replace(/\.$/, ': send one JSON object with a "query" string.'), {
      extensions: { ...extensions, code: extensions.code ?? "BAD_REQUEST", http: { status: 400 } },
    });
  }
  throw error;
}

/** Whether Yoga reads this POST as form-encoded (its own test: the first listed type, case as sent). */
function isFormPost(request: Request): boolean {
  const type = request.headers.get("content-type")?.split(",")[0] ?? "";
  return type === "application/x-www-form-urlencoded" || type.startsWith("application/x-www-form-urlencoded;");
}

/**
 * Yoga's request parsers made strict (see `parseSearchParams`): a GET's query
 * string and a form-encoded body are read here; a JSON body is read by Yoga,
 * then its variables and extensions are checked for depth, and a body that is
 * not JSON gets `BAD_REQUEST` without the parser's own message. Each refusal
 * is HTTP 400 whatever the client accepts. The edge cache checks the requests
 * it parses itself the same way (`readRequestParams`) and leaves any it
 * refuses to Yoga, so both answer alike.
 *
 * Register it among the first plugins: Yoga's body-size limit wraps whatever
 * parser is chosen here.
 */
export function useRequestParams(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!requestParser) return;
      if (request.method === "GET") {
        setRequestParser((req) => parseSearchParams(searchOf(req.url), "query string"));
      } else if (isFormPost(request)) {
        setRequestParser((req) => req.text().then((body) => parseSearchParams(body, "form body")));
      } else {
        const parse = requestParser;
        setRequestParser(async (req) => {
          let params: unknown;
          try {
            params = await parse(req);
          } catch (error) {
            cleanParseError(error);
          }
          return checkedParams(params) as Awaited<ReturnType<typeof parse>>;
        });
      }
    },
  };
}

/**
 * The parameters of a GET (its query string) or of a JSON POST body, as the
 * edge cache reads them; null when Yoga would refuse them here (not JSON, a
 * malformed query string, too deep), so the edge cache leaves the request to
 * Yoga, which answers the refusal.
 */
export function readRequestParams(
  method: string | undefined,
  url: string,
  body: string,
): { query?: unknown; variables?: unknown; operationName?: unknown; extensions?: unknown } | null {
  try {
    if (method === "POST") {
      const parsed: unknown = JSON.parse(body);
      if (parsed === null || typeof parsed !== "object") return null;
      checkedParams(parsed);
      return parsed as Record<string, unknown>;
    }
    return parseSearchParams(searchOf(url), "query string");
  } catch {
    return null;
  }
}
