import { resolveNodes } from "@pothos/plugin-relay";
import { builder } from "../builder.ts";
import { decodeGlobalId } from "../global-id.ts";

/**
 * `nodes(ids:)`, item by item: an id this API did not issue is null at its
 * place in the list, with a BAD_USER_INPUT error at that item's path, and the
 * other items are still answered (the relay plugin's own field decodes the
 * whole list as its argument, so one bad id nulled every item).
 */
builder.queryField("nodes", (t) =>
  t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description:
      "Several objects by their global ids, in the order asked: an id that names nothing is null at its place, and an id this API did not issue is null with an error at its place.",
    args: { ids: t.arg.idList({ required: true, description: "Global ids, as objects' `id` fields give them." }) },
    resolve: async (_root, args, context, info) => {
      const decoded = args.ids.map((id) => {
        try {
          return decodeGlobalId(String(id));
        } catch (error) {
          return error as Error;
        }
      });
      const found = await resolveNodes(
        builder,
        context,
        info,
        decoded.map((id) => (id instanceof Error ? null : id)),
      );
      // An Error as a list item is how graphql-js puts an error at that item's path, the item null.
      return decoded.map((id, index) => (id instanceof Error ? id : found[index])) as never;
    },
  }),
);
