import type { DocumentNode, GraphQLError, GraphQLSchema } from "graphql";
import type { Plugin } from "graphql-yoga";
import { DEFAULT_MAX_COST, DEFAULT_PAGE_SIZE, type QueryCostOptions } from "./query-cost.ts";
import { createQueryCostMemo } from "./query-cost-memo.ts";
import { createRefusalError } from "./refusal-error.ts";

export interface UseQueryCostOptions extends Pick<QueryCostOptions, "defaultPageSize" | "maxPageSize" | "unpagedListSize"> {
  /** @default DEFAULT_MAX_COST */
  maxCost?: number;
}

/**
 * Refuses a query whose estimated cost (see `measureQueryCost`) is over
 * `maxCost`, with `QUERY_TOO_COSTLY`, before any resolver runs.
 *
 * It checks at execution, not as a validation rule: a page size is often a
 * variable, and Yoga caches validation results per document, so a rule would
 * judge `$first: 100` by whatever `$first` the document was first sent with.
 * Costs are remembered per document and the values of the variables a cost
 * reads (see `createQueryCostMemo`), so `$first: 100` is still judged as 100.
 */
export function useQueryCost(options: UseQueryCostOptions = {}): Plugin {
  return createQueryCostLimit(options).plugin;
}

/** The cost limit of one app: its Yoga plugin, and the same judgement for callers that execute without Yoga (direct execution). */
export interface QueryCostLimit {
  /** Refuses costly operations within Yoga (see `useQueryCost`). */
  plugin: Plugin;
  /** Whether the plugin would let this operation run, with the same remembered costs. */
  allows(
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
  ): boolean;
}

/** `useQueryCost`, with its judgement (`allows`) for other callers. */
export function createQueryCostLimit({ maxCost = DEFAULT_MAX_COST, ...costOptions }: UseQueryCostOptions = {}): QueryCostLimit {
  const measure = createQueryCostMemo(costOptions);
  // Subscriptions never execute as a whole (each event runs the selection again), so they are checked on subscribe.
  const check = ({ args, setResultAndStopExecution }: CostCheck) => {
    const cost = measure(args.schema, args.document, args.operationName, args.variableValues);
    if (cost > maxCost) {
      setResultAndStopExecution({
        errors: [
          createRefusalError(
            "QUERY_TOO_COSTLY",
            `Query cost limit of ${maxCost} exceeded, found ${cost}. The cost is the number of objects a query can return: each list ` +
              `counts its \`first\`/\`last\` (else ${costOptions.defaultPageSize ?? DEFAULT_PAGE_SIZE}) items, scalars are free; ask for fewer items or fewer nested lists.`,
          ),
        ],
      });
    }
  };
  return {
    plugin: { onExecute: check, onSubscribe: check },
    allows: (schema, document, operationName, variables) => measure(schema, document, operationName, variables) <= maxCost,
  };
}

interface CostCheck {
  args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null };
  setResultAndStopExecution: (result: { errors: GraphQLError[] }) => void;
}
