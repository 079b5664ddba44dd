import {
  getNamedType,
  getNullableType,
  getOperationAST,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromAST,
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";

/** The most a query may cost (see `measureQueryCost`): about that many objects. The article-page example costs under 50. */
export const DEFAULT_MAX_COST = 5000;
/** Items counted for a field with `first`/`last` when neither is given nor has a schema default (the API's page size). */
export const DEFAULT_PAGE_SIZE = 20;
/** A larger `first`/`last` counts as this many: the API refuses more (with `BAD_USER_INPUT`), so it never does more work. */
export const MAX_COUNTED_PAGE_SIZE = 100;
/** Items counted for an object list without paging arguments (`sections`, `sources`, `Article.sources`). */
export const DEFAULT_UNPAGED_LIST_SIZE = 10;

export interface QueryCostOptions {
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  /** @default DEFAULT_PAGE_SIZE */
  defaultPageSize?: number;
  /** @default MAX_COUNTED_PAGE_SIZE */
  maxPageSize?: number;
  /** @default DEFAULT_UNPAGED_LIST_SIZE */
  unpagedListSize?: number;
}

const PAGING_ARGUMENTS = ["first", "last"];

/**
 * An estimate of the work a query asks for, before any of it is done: the
 * number of objects it can return, as GitHub and Shopify count. Each object
 * counts 1 plus its selection, once per item of the list it comes in; scalar
 * fields are free. A field with `first`/`last` returns that many (else the
 * argument's schema default, e.g. `related(first: Int = 5)`, else
 * `defaultPageSize`); on a connection the count applies to its `edges`, so
 * `pageInfo` counts once. `nodes(ids:)` returns as many as it is given ids. Fragments are
 * expanded where they are spread, each measured once (so a fragment bomb costs
 * linear time to measure, not exponential). Abstract selections add up every
 * type's branch, which can only overestimate. Introspection (`__schema`,
 * `__type`, `__typename`) is free: its size is bounded by the schema, not data.
 *
 * Pure: the same document, schema and variables always cost the same.
 */
export function measureQueryCost(schema: GraphQLSchema, document: DocumentNode, options: QueryCostOptions = {}): number {
  const {
    operationName,
    variables,
    defaultPageSize = DEFAULT_PAGE_SIZE,
    maxPageSize = MAX_COUNTED_PAGE_SIZE,
    unpagedListSize = DEFAULT_UNPAGED_LIST_SIZE,
  } = options;
  const operation = getOperationAST(document, operationName);
  const rootType = operation && schema.getRootType(operation.operation);
  if (!operation || !rootType) return 0;

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fragmentCosts = new Map<string, number>();
  // Validation rejects fragment cycles, but this may run on a document nobody validated.
  const expanding = new Set<string>();

  const count = (value: unknown, fallback: number): number =>
    typeof value === "number" && Number.isFinite(value) ? Math.min(Math.max(Math.trunc(value), 0), maxPageSize) : fallback;

  const argumentValue = (field: GraphQLField<unknown, unknown>, nodes: readonly ArgumentNode[] | undefined, name: string): unknown => {
    const definition = field.args.find((arg) => arg.name === name);
    const node = nodes?.find((arg) => arg.name.value === name);
    if (!definition) return undefined;
    if (!node) return definition.defaultValue;
    return valueFromAST(node.value, definition.type, variables ?? undefined);
  };

  /** `pageSize` is the count a connection hands down to its `edges`. */
  const selectionCost = (selectionSet: SelectionSetNode, parentType: GraphQLNamedType, pageSize: number | undefined): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        if (type) total += selectionCost(selection.selectionSet, type, pageSize);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        total += fragmentCost(selection.name.value, pageSize);
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith("__")) continue;
      const field = isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[name] : undefined;
      if (!field) continue;
      const childType = getNamedType(field.type);
      const paging = PAGING_ARGUMENTS.some((arg) => field.args.some((a) => a.name === arg));
      const pageCount = paging
        ? count(argumentValue(field, selection.arguments, "first") ?? argumentValue(field, selection.arguments, "last"), defaultPageSize)
        : undefined;
      let items = 1;
      let childPageSize: number | undefined;
      if (isListType(getNullableType(field.type))) {
        const ids = field.args.some((a) => a.name === "ids") ? argumentValue(field, selection.arguments, "ids") : undefined;
        if (pageCount !== undefined) items = pageCount;
        else if (Array.isArray(ids)) items = ids.length;
        else if (pageSize !== undefined && (name === "edges" || name === "nodes")) items = pageSize;
        else if (isCompositeType(childType)) items = unpagedListSize;
      } else if (pageCount !== undefined) {
        // A connection: its edges carry the items.
        childPageSize = pageCount;
      }
      // Leaves (scalars, enums) are free: reading a value is no work. An object counts 1 plus its selection.
      if (!selection.selectionSet) continue;
      total += items * (1 + selectionCost(selection.selectionSet, childType, childPageSize));
    }
    return total;
  };

  const fragmentCost = (name: string, pageSize: number | undefined): number => {
    const key = `${name}:${pageSize ?? ""}`;
    const known = fragmentCosts.get(key);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    const type = fragment && schema.getType(fragment.typeCondition.name.value);
    if (!fragment || !type || expanding.has(name)) return 0;
    expanding.add(name);
    const cost = selectionCost(fragment.selectionSet, type, pageSize);
    expanding.delete(name);
    fragmentCosts.set(key, cost);
    return cost;
  };

  return selectionCost(operation.selectionSet, rootType, undefined);
}
