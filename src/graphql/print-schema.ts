import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "./schema.ts";

export const SCHEMA_FILE = fileURLToPath(new URL("../../schema/schema.graphql", import.meta.url));

/** The SDL as committed in `schema/schema.graphql`: sorted, so diffs show real changes. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

// `npm run schema` rewrites the file; `npm run schema -- --print` prints it.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--print")) process.stdout.write(printedSchema());
  else {
    await writeFile(SCHEMA_FILE, printedSchema());
    console.log(`wrote ${SCHEMA_FILE}`);
  }
}
