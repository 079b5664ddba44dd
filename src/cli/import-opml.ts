import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_IMPORT_SECTION, importOpml, MAX_OPML_BYTES, OpmlError, slugify } from "../config/opml-import.ts";
import { ConfigError, parseSourcesConfig } from "../config/sources-file.ts";

const USAGE = `usage: npm run import-opml -- FILE.opml [--out sources.json] [--section slug]

Turns a feed reader's OPML export into a Newsgate sources file: folders become
sections, feeds become sources. Feeds outside any folder go to --section
(default "${DEFAULT_IMPORT_SECTION.slug}"). Without --out the file is printed.`;

/** Exit codes: 0 written, 1 the OPML could not be turned into a valid sources file, 2 wrong usage. */
async function main(argv: string[]): Promise<number> {
  let values: { out?: string; section?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { out: { type: "string", short: "o" }, section: { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  // `npm run` starts us in the package's folder; paths are meant from where the person typed them.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const file = path.resolve(cwd, positionals[0]!);
  let defaultSection = DEFAULT_IMPORT_SECTION;
  if (values.section !== undefined) {
    const slug = values.section;
    if (slugify(slug, "", 63) !== slug) {
      console.error(`--section "${slug}" is not a section slug (lower-case letters, digits and dashes)`);
      return 2;
    }
    defaultSection = {
      slug,
      name: slug
        .split("-")
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(" "),
    };
  }

  let text: string;
  try {
    const { size } = await stat(file);
    if (size > MAX_OPML_BYTES) throw new OpmlError(`is ${size} bytes, more than the ${MAX_OPML_BYTES} allowed`);
    text = await readFile(file, "utf8");
  } catch (error) {
    console.error(
      `${file}: ${error instanceof OpmlError ? error.message : `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`}`,
    );
    return 1;
  }

  const out = values.out ? path.resolve(cwd, values.out) : null;
  try {
    const { file: sources, skipped } = await importOpml(text, { defaultSection });
    for (const reason of skipped) console.error(`skipped ${reason}`);
    // The project's own validation: what is written is a file `npm start -- --sources` accepts.
    parseSourcesConfig(sources, out ?? path.resolve(cwd, "sources.json"));
    const json = `${JSON.stringify(sources, null, 2)}\n`;
    if (out) {
      await writeFile(out, json);
      console.error(`Wrote ${sources.sources.length} sources in ${sources.sections.length} sections to ${out}`);
    } else {
      process.stdout.write(json);
    }
    return 0;
  } catch (error) {
    if (error instanceof OpmlError) console.error(`${file}: ${error.message}`);
    else if (error instanceof ConfigError)
      console.error(`${file}: the sources file it would make is invalid: ${error.where}: ${error.problem}`);
    else console.error(`${file}: ${(error as Error).message}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
