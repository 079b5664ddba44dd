import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { type GraphQLError, parse, validate, type GraphQLSchema } from "graphql";
import { FileError } from "../../config/file-error.ts";

/** Bound on the allow-list file: it is read whole at start-up. */
export const MAX_PERSISTED_OPERATIONS_FILE_BYTES = 5 * 1024 * 1024;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The allow-list: each document by the lowercase hex sha256 of its UTF-8 text. */
export interface PersistedOperations {
  /** Absolute path of the file this was read from, for messages. */
  file: string;
  documents: ReadonlyMap<string, string>;
  /** Where a hash missing from `documents` is looked for: the cluster's list in Redis (see sharePersistedOperations). @default none */
  lookup?: (hash: string) => Promise<string | null>;
}

/** A start-up error that names the file, the entry and what is wrong with it. */
export class PersistedOperationsError extends FileError {
  readonly code = "PERSISTED_OPERATIONS_INVALID";
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Reads `{ "<sha256>": "<document>", … }`; see `parsePersistedOperations` for what is checked. */
export async function loadPersistedOperations(file: string): Promise<PersistedOperations> {
  const absolute = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    throw new PersistedOperationsError(absolute, "file", `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (bytes.length > MAX_PERSISTED_OPERATIONS_FILE_BYTES) {
    throw new PersistedOperationsError(
      absolute,
      "file",
      `is ${bytes.length} bytes, more than the ${MAX_PERSISTED_OPERATIONS_FILE_BYTES} allowed`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new PersistedOperationsError(absolute, "file", `is not valid JSON (${(error as Error).message})`);
  }
  return parsePersistedOperations(json, absolute);
}

/**
 * Checks the parsed file: an object of at least one entry, each key the
 * lowercase hex sha256 of its value, each value a GraphQL document that parses.
 * Pure. A wrong hash is refused rather than fixed: it means the client was
 * built from a different document than the server allows.
 */
export function parsePersistedOperations(json: unknown, file: string): PersistedOperations {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new PersistedOperationsError(file, "file", 'must be an object of { "<sha256 of the document>": "<document>" }');
  }
  const entries = Object.entries(json);
  if (entries.length === 0) throw new PersistedOperationsError(file, "file", "lists no operations, so every request would be refused");
  const documents = new Map<string, string>();
  for (const [hash, document] of entries) {
    const where = `entry "${hash}"`;
    if (!SHA256_HEX.test(hash)) throw new PersistedOperationsError(file, where, "the key must be a sha256 as 64 lowercase hex digits");
    if (typeof document !== "string" || document.trim() === "") {
      throw new PersistedOperationsError(file, where, "the value must be the operation's GraphQL document, as a string");
    }
    const actual = sha256Hex(document);
    if (actual !== hash) throw new PersistedOperationsError(file, where, `is not the sha256 of its document (that is ${actual})`);
    try {
      parse(document);
    } catch (error) {
      throw new PersistedOperationsError(file, where, `does not parse: ${(error as GraphQLError).message}`);
    }
    documents.set(hash, document);
  }
  return { file, documents };
}

/** Validates every listed document against the schema the server serves, so a stale list fails at start-up, not per request. */
export function checkPersistedOperations(operations: PersistedOperations, schema: GraphQLSchema): void {
  for (const [hash, document] of operations.documents) {
    const errors = validate(schema, parse(document));
    if (errors.length > 0) {
      throw new PersistedOperationsError(
        operations.file,
        `entry "${hash}"`,
        `does not validate: ${errors.map((e) => e.message).join("; ")}`,
      );
    }
  }
}
