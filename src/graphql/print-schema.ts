import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { GraphQLDeferDirective, GraphQLStreamDirective } from "@graphql-tools/utils";
import { GraphQLSchema, lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "./schema.ts";

export const SCHEMA_FILE = fileURLToPath(new URL("../../schema/schema.graphql", import.meta.url));

/**
 * The schema the server accepts operations against: Pothos's, with the
 * `@defer` and `@stream` directives Yoga's defer-stream plugin adds when it
 * serves it (the same definitions, from the library the plugin takes them
 * from), so codegen and Relay pipelines validating against the committed SDL
 * accept every operation the server runs.
 */
export function servedSchema(): GraphQLSchema {
  const config = schema.toConfig();
  const known = new Set(config.directives.map((directive) => directive.name));
  const added = [GraphQLDeferDirective, GraphQLStreamDirective].filter((directive) => !known.has(directive.name));
  return new GraphQLSchema({ ...config, directives: [...config.directives, ...added] });
}

/** The SDL as committed in `schema/schema.graphql`: sorted, so diffs show real changes. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(servedSchema()))}\n`;
}

// `npm run schema` rewrites the file; `npm run schema -- --print` prints it.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--print")) process.stdout.write(printedSchema());
  else {
    await writeFile(SCHEMA_FILE, printedSchema());
    console.log(`wrote ${SCHEMA_FILE}`);
  }
}
