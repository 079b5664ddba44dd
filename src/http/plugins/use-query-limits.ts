import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesPlugin } from "@escape.tech/graphql-armor-max-directives";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import { GraphQLError, Lexer, Source, TokenKind, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";
import { createRefusalError } from "./refusal-error.ts";

/** Nesting of fields (fragments do not add a level); the article page with its related block is 7 deep. */
export const DEFAULT_MAX_DEPTH = 12;
/** Aliased fields in one operation, fragments expanded (`__typename` aliases are free). */
export const DEFAULT_MAX_ALIASES = 15;
/** Lexical tokens in one document (a name, a brace, a string each count 1); GraphiQL's introspection query has under 200. */
export const DEFAULT_MAX_TOKENS = 2000;
/** Directives (`@include`, `@skip`, `@defer`, …) in one operation, fragments expanded. */
export const DEFAULT_MAX_DIRECTIVES = 20;

export interface UseQueryLimitsOptions {
  /** @default DEFAULT_MAX_DEPTH */
  maxDepth?: number;
  /** @default DEFAULT_MAX_ALIASES */
  maxAliases?: number;
  /** @default DEFAULT_MAX_TOKENS */
  maxTokens?: number;
  /** @default DEFAULT_MAX_DIRECTIVES */
  maxDirectives?: number;
}

/**
 * graphql-armor's limits on a document's shape, with our error contract: each
 * refusal has an `extensions.code` (`QUERY_TOO_DEEP`, `TOO_MANY_ALIASES`,
 * `TOO_MANY_TOKENS`, `TOO_MANY_DIRECTIVES`), a message with the limit and the
 * measured value, and HTTP 400 for `application/graphql-response+json`.
 *
 * Armor throws a bare `GraphQLError` ("Syntax Error: …", no code), which Yoga
 * answers with 200. The shape limits are told not to throw but to hand us the
 * error, which we report on the validation context as a validation error; the
 * token limit has to throw (it stops the parser), so its error is replaced
 * after parsing.
 */
export function useQueryLimits({
  maxDepth = DEFAULT_MAX_DEPTH,
  maxAliases = DEFAULT_MAX_ALIASES,
  maxTokens = DEFAULT_MAX_TOKENS,
  maxDirectives = DEFAULT_MAX_DIRECTIVES,
}: UseQueryLimitsOptions = {}): Plugin {
  const report = (code: string) => ({
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(createRefusalError(code, withoutArmorPrefix(error.message))),
    ],
  });
  const tokenRejections = new WeakSet<GraphQLError>();
  return {
    onPluginInit({ addPlugin }) {
      // flattenFragments: depth is the nesting of fields, whatever fragments a client uses to organize them.
      addPlugin(maxDepthPlugin({ n: maxDepth, flattenFragments: true, ...report("QUERY_TOO_DEEP") }));
      addPlugin(maxAliasesPlugin({ n: maxAliases, ...report("TOO_MANY_ALIASES") }));
      addPlugin(maxDirectivesPlugin({ n: maxDirectives, ...report("TOO_MANY_DIRECTIVES") }));
      addPlugin(maxTokensPlugin({ n: maxTokens, onReject: [(_context, error) => tokenRejections.add(error)] }));
    },
    onParse({ params }) {
      return ({ result, replaceParseResult }) => {
        // graphql-js parses nested values recursively: a few thousand `[` overflow the stack before the
        // token limit is reached, and the RangeError would be answered as a masked 500.
        if (result instanceof RangeError) {
          replaceParseResult(createRefusalError("QUERY_TOO_DEEP", "Document is nested too deeply to parse."));
          return;
        }
        if (!(result instanceof GraphQLError) || !tokenRejections.has(result)) return;
        // Armor stops at the first token over the limit; the client is told the document's real size.
        const found = countTokens(typeof params.source === "string" ? params.source : params.source.body);
        const measured = found === null ? "" : `, found ${found}`;
        replaceParseResult(createRefusalError("TOO_MANY_TOKENS", `Token limit of ${maxTokens} exceeded${measured}.`));
      };
    },
  };
}

/** Armor prefixes its messages with "Syntax Error: ", which these are not. */
function withoutArmorPrefix(message: string): string {
  return message.replace(/^Syntax Error: /, "");
}

/** Tokens in a document, as armor counts them (comments and EOF excluded); null when it does not lex. */
function countTokens(body: string): number | null {
  const lexer = new Lexer(new Source(body));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) count++;
  } catch {
    return null;
  }
  return count;
}
