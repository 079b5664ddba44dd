import { useDeferStream } from "@graphql-yoga/plugin-defer-stream";
import { BREAK, Kind, visit, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";

const INCREMENTAL_DIRECTIVES = new Set(["defer", "stream"]);
/** Media types (as an Accept header may name them) under which Yoga can send an incremental answer. */
const INCREMENTAL_MEDIA_TYPES = new Set(["multipart/mixed", "multipart/*", "text/event-stream", "text/*", "*/*"]);

/**
 * `@defer` and `@stream` (Yoga's plugin), so a page can render the article
 * before its related block: the answer comes as `multipart/mixed` (or
 * `text/event-stream`), the first part at once and the deferred ones as they
 * resolve.
 *
 * A client that accepts only JSON cannot read parts; Yoga would answer it with
 * an empty 406. It gets the whole answer in one JSON body instead: for its
 * request the two directives are dropped before execution, which leaves what
 * they marked in place, resolved at once.
 */
export function useIncrementalDelivery(): Plugin {
  // Yoga's parse cache hands the same document object to every request that sends the same text,
  // so what a document holds is worked out once, not on every request.
  const stripped = new WeakMap<DocumentNode, DocumentNode | null>();
  const withoutIncremental = (document: DocumentNode): DocumentNode | null => {
    let found = stripped.get(document);
    if (found === undefined) {
      found = usesIncrementalDirectives(document) ? withoutIncrementalDirectives(document) : null;
      stripped.set(document, found);
    }
    return found;
  };
  return {
    onPluginInit({ addPlugin }) {
      // Its declared context type is narrower than the hook's parameter; it reads none of the context.
      addPlugin(useDeferStream() as Plugin);
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (!request || acceptsIncremental(request.headers.get("accept"))) return;
      const document = withoutIncremental(args.document);
      if (!document) return;
      setExecuteFn((executionArgs) =>
        executeFn({
          ...executionArgs,
          document:
            executionArgs.document === args.document ? document : (withoutIncremental(executionArgs.document) ?? executionArgs.document),
        }),
      );
    },
  };
}

/** No Accept header means anything (Yoga's reading too). */
function acceptsIncremental(accept: string | null): boolean {
  if (!accept) return true;
  return accept.split(",").some((range) => INCREMENTAL_MEDIA_TYPES.has(range.split(";")[0]!.trim().toLowerCase()));
}

function usesIncrementalDirectives(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (!INCREMENTAL_DIRECTIVES.has(node.name.value)) return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}

function withoutIncrementalDirectives(document: DocumentNode): DocumentNode {
  return visit(document, {
    // Returning null from a visitor deletes the node.
    [Kind.DIRECTIVE]: (node) => (INCREMENTAL_DIRECTIVES.has(node.name.value) ? null : undefined),
  });
}
