import { LRUCache } from "lru-cache";
import { Kind, visit, type DocumentNode, type GraphQLSchema } from "graphql";
import { measureQueryCost, type QueryCostOptions } from "./query-cost.ts";

/** Distinct variable values remembered per document: a page size or an id list takes few values, anything else is not read. */
export const DEFAULT_COSTS_PER_DOCUMENT = 64;
/** The only arguments `measureQueryCost` evaluates, so the only places a variable can change a cost. */
const COUNTED_ARGUMENTS = new Set(["first", "last", "ids"]);

type MeasureOptions = Omit<QueryCostOptions, "operationName" | "variables">;

export interface QueryCostMemoOptions {
  /** @default DEFAULT_COSTS_PER_DOCUMENT */
  costsPerDocument?: number;
}

interface DocumentCosts {
  schema: GraphQLSchema;
  /** The variables the cost reads, in a fixed order: those used inside a `first`, `last` or `ids` argument. */
  counted: string[];
  costs: LRUCache<string, number>;
}

/**
 * `measureQueryCost` remembered per parsed document, operation name and the
 * values of the variables the cost can read. A stream of distinct queries
 * mostly sends a few documents with ever new variables (a date, an id), none
 * of which a cost reads, so each document is measured once per page size.
 *
 * Documents are held weakly: Yoga's parser cache (bounded) decides how long
 * one lives, and each keeps at most `costsPerDocument` costs.
 */
export function createQueryCostMemo(options: MeasureOptions, { costsPerDocument = DEFAULT_COSTS_PER_DOCUMENT }: QueryCostMemoOptions = {}) {
  const byDocument = new WeakMap<DocumentNode, DocumentCosts>();
  return (
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
  ): number => {
    let known = byDocument.get(document);
    if (!known || known.schema !== schema) {
      known = { schema, counted: countedVariables(document), costs: new LRUCache({ max: costsPerDocument }) };
      byDocument.set(document, known);
    }
    const key = memoKey(operationName, known.counted, variables);
    let cost = key === null ? undefined : known.costs.get(key);
    if (cost === undefined) {
      cost = measureQueryCost(schema, document, { ...options, operationName, variables });
      if (key !== null) known.costs.set(key, cost);
    }
    return cost;
  };
}

/** Names of the variables used anywhere inside a counted argument's value (in lists and objects too), each once. */
function countedVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    [Kind.ARGUMENT]: (node) => {
      if (!COUNTED_ARGUMENTS.has(node.name.value)) return false;
      visit(node.value, { [Kind.VARIABLE]: (variable) => void names.add(variable.name.value) });
      return false;
    },
  });
  return [...names];
}

/** Null when a value has no faithful JSON form (the cost is then measured, not remembered). A missing variable and a null one stay apart. */
function memoKey(
  operationName: string | null | undefined,
  counted: string[],
  variables: Record<string, unknown> | null | undefined,
): string | null {
  let key = operationName ?? "";
  for (const name of counted) {
    const value = variables?.[name];
    if (value === undefined) {
      key += "\0-";
      continue;
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      return null;
    }
    if (json === undefined) return null;
    key += `\0${json}`;
  }
  return key;
}
