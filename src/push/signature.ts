import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The `X-Hub-Signature` methods accepted. sha1, which the spec also lists, is
 * refused as too weak; the hub is asked for nothing in particular (WebSub has
 * no way to), and the spec's hubs sign with sha256 or stronger in practice.
 */
export const SIGNATURE_ALGORITHMS = ["sha256", "sha384", "sha512"] as const;
/** Longest `X-Hub-Signature` read: a sha512 hex digest and its method name, with room to spare. */
export const MAX_SIGNATURE_HEADER_LENGTH = 200;

export type SignatureCheck = { ok: true; algorithm: string } | { ok: false; reason: "unsigned" | "unsupported" | "malformed" | "mismatch" };

/**
 * Checks a pushed body against `X-Hub-Signature: <method>=<hex HMAC>` with the
 * subscription's secret, in constant time once the lengths agree.
 */
export function checkSignature(header: string | null | undefined, body: Uint8Array, secret: string): SignatureCheck {
  if (!header) return { ok: false, reason: "unsigned" };
  if (header.length > MAX_SIGNATURE_HEADER_LENGTH) return { ok: false, reason: "malformed" };
  const match = /^\s*([A-Za-z0-9]+)=([0-9A-Fa-f]+)\s*$/.exec(header);
  if (!match) return { ok: false, reason: "malformed" };
  const algorithm = match[1]!.toLowerCase();
  if (!(SIGNATURE_ALGORITHMS as readonly string[]).includes(algorithm)) return { ok: false, reason: "unsupported" };
  const expected = createHmac(algorithm, secret).update(body).digest();
  const given = Buffer.from(match[2]!, "hex");
  if (given.length !== expected.length) return { ok: false, reason: "mismatch" };
  return timingSafeEqual(given, expected) ? { ok: true, algorithm } : { ok: false, reason: "mismatch" };
}
