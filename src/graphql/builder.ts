import SchemaBuilder from "@pothos/core";
import RelayPlugin from "@pothos/plugin-relay";
import type { GraphQLContext } from "./context.ts";
import { decodeGlobalId, encodeGlobalId } from "./global-id.ts";

/** The builder and its options only; every type lives in its own file under `types/`. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: { DateTime: { Input: Date; Output: Date }; ID: { Input: string; Output: string } };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Connection: { totalCount: number };
}>({
  plugins: [RelayPlugin],
  // Fields are non-null unless they say otherwise: clients of the core schema (docs/architecture.md) rely on it.
  defaultFieldNullability: false,
  relay: {
    firstArgOptions: { description: "Page size from the start (0 to 100; 20 when neither `first` nor `last` is given)." },
    afterArgOptions: { description: "Cursor of the edge to start after." },
    lastArgOptions: { description: "Page size from the end (0 to 100)." },
    beforeArgOptions: { description: "Cursor of the edge to end before." },
    cursorFieldOptions: { description: "Opaque position of this edge (date and id), stable while the catalog refreshes." },
    nodeFieldOptions: { nullable: false, description: "The article." },
    edgesFieldOptions: { nullable: false, description: "The page's articles with their cursors." },
    pageInfoFieldOptions: { description: "Whether more pages exist, and the cursors of this page's ends." },
    hasNextPageFieldOptions: { description: "Whether more items follow this page." },
    hasPreviousPageFieldOptions: { description: "Whether items precede this page." },
    startCursorFieldOptions: { description: "Cursor of the first edge of the page." },
    endCursorFieldOptions: { description: "Cursor of the last edge of the page." },
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: decodeGlobalId,
    nodeTypeOptions: { description: "An object with a global id, loadable with `node(id:)`." },
    pageInfoTypeOptions: { description: "Where a page sits in its connection." },
    nodeQueryOptions: {
      description: "Any object by its global id.",
      args: { id: { description: "A global id, as any object's `id` field gives it." } },
    },
    // `nodes(ids:)` is ours (types/nodes.ts): one malformed id must cost only its own item.
    nodesQueryOptions: false,
    idFieldOptions: { description: "Global id: opaque, stable while the object exists; pass it unchanged to `node(id:)`." },
  },
});

builder.queryType({ description: "Entry points for reading the aggregated news." });

builder.globalConnectionField("totalCount", (t) =>
  t.int({ description: "How many items match, across all pages.", resolve: (parent) => parent.totalCount }),
);
