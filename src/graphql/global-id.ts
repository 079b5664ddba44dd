import { badUserInput } from "./errors.ts";

/**
 * Global ids are base64url("Type:localId"). Decoding failures are the client's
 * mistake (BAD_USER_INPUT), never an internal error.
 */
export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`).toString("base64url");
}

export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  const text = /^[A-Za-z0-9_-]{1,400}={0,2}$/.test(globalId) ? Buffer.from(globalId, "base64url").toString("utf8") : "";
  const match = /^([A-Za-z]+):(.+)$/.exec(text);
  if (!match) throw badUserInput(`"${globalId.slice(0, 80)}" is not an id this API issued; pass a node's \`id\` unchanged`, "id");
  return { typename: match[1]!, id: match[2]! };
}

/** A source named by its id in the sources file or by its global id (both are accepted wherever a source is an argument). */
export function sourceIdOf(value: string): string {
  try {
    const decoded = decodeGlobalId(value);
    if (decoded.typename === "Source") return decoded.id;
  } catch {
    // Not a global id: a plain source id.
  }
  return value;
}
