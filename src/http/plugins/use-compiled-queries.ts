import { BREAK, Kind, visit, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import type { Plugin } from "graphql-yoga";

/**
 * Executions of a document before it is compiled. Compiling costs several
 * executions' worth of CPU, so a document sent once (or a stream of unique
 * documents, which anyone can send) is never compiled; the queries a site
 * repeats, with whatever variables, are.
 */
export const DEFAULT_COMPILE_AFTER_EXECUTIONS = 2;

export interface UseCompiledQueriesOptions {
  /** @default DEFAULT_COMPILE_AFTER_EXECUTIONS */
  compileAfterExecutions?: number;
  /** Told of each document compiled, with its operation's name (tests, diagnostics). @default none */
  onCompiled?: (operationName: string | undefined) => void;
}

/** A document's state: executions counted so far, then its compiled form (null when it may not or could not be compiled). */
type Compilation = { executions: number } | { compiled: CompiledQuery | null; operationName: string | undefined };

/**
 * Runs repeated queries with graphql-jit: a document is compiled once into a
 * function, which then runs with each request's variables, far cheaper than
 * interpreting the document on every request (the bench's cache misses are
 * such repeats with new variables).
 *
 * Only where the compiled function answers as graphql-js does; everything
 * else runs as before:
 * - queries only (subscriptions and their iterators stay with Yoga's executor),
 *   in documents with one operation and no `@defer` or `@stream`;
 * - answers without errors only: graphql-jit words variable errors otherwise,
 *   leaves out error locations and the HTTP status of request errors, so an
 *   answer with any error is thrown away and the request is interpreted
 *   again (reads only: the request's loaders already hold what it read).
 * Documents are the objects of Yoga's bounded parse cache, so what is kept per
 * document is bounded with it.
 */
export function useCompiledQueries(options: UseCompiledQueriesOptions = {}): Plugin {
  return createQueryCompiler(options).plugin;
}

/** The compiled queries of one app: its Yoga plugin, and a look-up for direct execution (see `compiledFor`). */
export interface QueryCompiler {
  /** Compiles repeated queries and runs them compiled within Yoga (see `useCompiledQueries`). */
  plugin: Plugin;
  /**
   * The compiled form of a document for a request naming `operationName`
   * (none: the document's one operation), once the plugin has compiled it;
   * null before then, and for documents it may not or could not compile.
   * Never compiles nor counts an execution.
   */
  compiledFor(document: DocumentNode, operationName: string | null | undefined): CompiledQuery | null;
}

/** `useCompiledQueries`, with a look-up of what it compiled for other callers that execute (direct execution). */
export function createQueryCompiler({
  compileAfterExecutions = DEFAULT_COMPILE_AFTER_EXECUTIONS,
  onCompiled,
}: UseCompiledQueriesOptions = {}): QueryCompiler {
  const compilations = new WeakMap<DocumentNode, Compilation>();

  const compilationOf = (schema: GraphQLSchema, document: DocumentNode): Compilation => {
    const state = compilations.get(document) ?? { executions: 0 };
    if ("compiled" in state) return state;
    if (state.executions < compileAfterExecutions) {
      const counted = { executions: state.executions + 1 };
      compilations.set(document, counted);
      return counted;
    }
    const operation = compilableOperation(document);
    const result = operation ? compileQuery(schema, document, operation.name?.value, { customJSONSerializer: false }) : null;
    const compiled = { compiled: result && isCompiledQuery(result) ? result : null, operationName: operation?.name?.value };
    compilations.set(document, compiled);
    if (compiled.compiled) onCompiled?.(compiled.operationName);
    return compiled;
  };

  /** One compilation per document: a request naming another operation is left to the interpreter (which refuses it). */
  const usable = (state: Compilation | undefined, operationName: string | null | undefined): CompiledQuery | null =>
    state && "compiled" in state && (operationName == null || operationName === state.operationName) ? state.compiled : null;

  return {
    plugin: {
      onExecute({ args, executeFn, setExecuteFn }) {
        const compiled = usable(compilationOf(args.schema, args.document), args.operationName);
        if (!compiled) return;
        setExecuteFn((executionArgs) => {
          const keep = (result: ExecutionResult) => (result.errors?.length ? executeFn(executionArgs) : result);
          const result = compiled.query(executionArgs.rootValue, executionArgs.contextValue, executionArgs.variableValues);
          return result instanceof Promise ? result.then(keep) : keep(result);
        });
      },
    },
    compiledFor: (document, operationName) => usable(compilations.get(document), operationName),
  };
}

/** The document's one query operation when it may be compiled, else null. */
function compilableOperation(document: DocumentNode): OperationDefinitionNode | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || operations[0]!.operation !== "query") return null;
  let incremental = false;
  visit(document, {
    Directive(node) {
      if (node.name.value !== "defer" && node.name.value !== "stream") return undefined;
      incremental = true;
      return BREAK;
    },
  });
  return incremental ? null : operations[0]!;
}
