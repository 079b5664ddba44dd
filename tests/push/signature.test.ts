import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkSignature } from "../../src/push/signature.ts";

const body = Buffer.from("<rss/>");
const sign = (algorithm: string, secret = "s3cret") => `${algorithm}=${createHmac(algorithm, secret).update(body).digest("hex")}`;

describe("X-Hub-Signature", () => {
  it("accepts sha256, sha384 and sha512 HMACs made with the secret", () => {
    for (const algorithm of ["sha256", "sha384", "sha512"])
      expect(checkSignature(sign(algorithm), body, "s3cret")).toEqual({ ok: true, algorithm });
    expect(checkSignature(sign("sha256").toUpperCase().replace("SHA256", "sha256"), body, "s3cret").ok).toBe(true);
  });

  it("refuses unsigned, sha1, malformed, truncated and wrongly keyed signatures", () => {
    expect(checkSignature(null, body, "s3cret")).toEqual({ ok: false, reason: "unsigned" });
    expect(checkSignature(sign("sha1"), body, "s3cret")).toEqual({ ok: false, reason: "unsupported" });
    expect(checkSignature("sha256:abc", body, "s3cret")).toEqual({ ok: false, reason: "malformed" });
    expect(checkSignature(sign("sha256").slice(0, -2), body, "s3cret")).toEqual({ ok: false, reason: "mismatch" });
    expect(checkSignature(sign("sha256", "other"), body, "s3cret")).toEqual({ ok: false, reason: "mismatch" });
    expect(checkSignature(`sha256=${"0".repeat(500)}`, body, "s3cret")).toEqual({ ok: false, reason: "malformed" });
  });
});
