import { describe, expect, it } from "vitest";
import { credentialsOf, credentialStep, withoutUserinfo } from "../../src/ingest/credentials.ts";
import { checkedLookup } from "../../src/ingest/http-transport.ts";
import { DEFAULT_NETWORK_POLICY, isPublicHop, mustBePublic, nonPublicRange, PrivateAddressError } from "../../src/ingest/network-policy.ts";
import type { LookupFunction } from "node:net";

describe("nonPublicRange", () => {
  it.each([
    // IPv4: the ranges the issue names, their edges, and their neighbours outside.
    ["0.0.0.0", "unspecified"],
    ["0.255.255.255", "unspecified"],
    ["1.0.0.0", null],
    ["9.255.255.255", null],
    ["10.0.0.0", "private"],
    ["10.255.255.255", "private"],
    ["11.0.0.0", null],
    ["100.63.255.255", null],
    ["100.64.0.0", "shared (CGNAT)"],
    ["100.127.255.255", "shared (CGNAT)"],
    ["100.128.0.0", null],
    ["126.255.255.255", null],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["128.0.0.0", null],
    ["169.253.255.255", null],
    ["169.254.0.1", "link-local"],
    ["169.254.169.254", "link-local"],
    ["169.255.0.0", null],
    ["172.15.255.255", null],
    ["172.16.0.0", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.0", null],
    ["192.0.0.8", "reserved"],
    ["192.0.2.1", "documentation"],
    ["192.167.255.255", null],
    ["192.168.0.1", "private"],
    ["192.168.255.255", "private"],
    ["192.169.0.0", null],
    ["198.18.0.1", "benchmarking"],
    ["198.19.255.255", "benchmarking"],
    ["198.20.0.0", null],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.255", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["8.8.8.8", null],
    ["1.1.1.1", null],
    ["93.184.215.14", null],
    // IPv6.
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["::7f00:1", "reserved"],
    ["fc00::1", "private"],
    ["fd12:3456:789a::1", "private"],
    ["fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "private"],
    ["fe00::1", null],
    ["fe80::1", "link-local"],
    ["febf:ffff::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["fec0::1", "private"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["100::1", "reserved"],
    ["2606:4700:4700::1111", null],
    ["2001:4860:4860::8888", null],
    ["2a00:1450:4001:82b::200e", null],
    // IPv4-mapped IPv6, in both spellings: classed by the IPv4 address inside.
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "link-local"],
    ["::ffff:a9fe:a9fe", "link-local"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:c0a8:101", "private"],
    ["::ffff:100.64.0.1", "shared (CGNAT)"],
    ["::ffff:0.0.0.0", "unspecified"],
    ["::ffff:8.8.8.8", null],
    ["::ffff:808:808", null],
    // NAT64 (public on an IPv6-only network) and 6to4: by the IPv4 address inside.
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b::169.254.169.254", "link-local"],
    ["64:ff9b::a00:1", "private"],
    ["64:ff9b::808:808", null],
    ["64:ff9b:1::1", "private"],
    ["2002:7f00:1::", "loopback"],
    ["2002:a9fe:a9fe::1", "link-local"],
    ["2002:c0a8:101::", "private"],
    ["2002:808:808::1", null],
    // Not an address at all: never public.
    ["localhost", "unparsable"],
    ["", "unparsable"],
    ["127.1", "unparsable"],
  ] as [string, string | null][])("%s → %s", (address, range) => {
    expect(nonPublicRange(address)).toBe(range);
  });
});

describe("the policy's rules", () => {
  it("requires public addresses after a public hop, or always when refusing private addresses", () => {
    const on = { ...DEFAULT_NETWORK_POLICY, refusePrivateAddresses: true };
    expect([
      mustBePublic(DEFAULT_NETWORK_POLICY, false),
      mustBePublic(DEFAULT_NETWORK_POLICY, true),
      mustBePublic(on, false),
      mustBePublic(on, true),
    ]).toEqual([false, true, true, true]);
  });

  it("counts a hop from an unknown address as public, the side that restricts", () => {
    expect([
      isPublicHop(DEFAULT_NETWORK_POLICY, "8.8.8.8"),
      isPublicHop(DEFAULT_NETWORK_POLICY, "10.0.0.1"),
      isPublicHop(DEFAULT_NETWORK_POLICY, null),
      isPublicHop(DEFAULT_NETWORK_POLICY, undefined),
    ]).toEqual([true, false, true, true]);
  });

  it("refuses a name when any of its addresses is not public, in both shapes of lookup answers", async () => {
    const answering = (addresses: string[]): LookupFunction =>
      ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
        options.all
          ? callback(
              null,
              addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
            )
          : callback(null, addresses[0], 4)) as unknown as LookupFunction;
    const ask = (addresses: string[], all: boolean) =>
      new Promise<unknown>((resolve) =>
        checkedLookup(answering(addresses), nonPublicRange)("feeds.example", { all }, (error, address) => resolve(error ?? address)),
      );
    expect(await ask(["93.184.215.14", "2606:4700::1"], true)).toEqual([
      { address: "93.184.215.14", family: 4 },
      { address: "2606:4700::1", family: 6 },
    ]);
    expect(await ask(["93.184.215.14"], false)).toBe("93.184.215.14");
    const mixed = await ask(["93.184.215.14", "169.254.169.254"], true);
    expect(mixed).toBeInstanceOf(PrivateAddressError);
    expect(mixed).toMatchObject({ code: "PRIVATE_ADDRESS", hostname: "feeds.example", address: "169.254.169.254", range: "link-local" });
    expect(await ask(["10.0.0.1"], false)).toBeInstanceOf(PrivateAddressError);
  });
});

describe("credentials", () => {
  const at = (href: string) => new URL(href);

  it("are every configured header, lowercased, and a URL's user:password as Basic unless Authorization is set", () => {
    expect(credentialsOf(at("https://api.example/feed"), undefined)).toBeNull();
    expect(credentialsOf(at("https://api.example/feed"), {})).toBeNull();
    expect(credentialsOf(at("https://api.example:8443/feed"), { "X-Api-Key": "k", Accept: "application/json" })).toEqual({
      origin: "https://api.example:8443",
      headers: { "x-api-key": "k", accept: "application/json" },
    });
    expect(credentialsOf(at("https://me:p%40ss@api.example/feed"), undefined)).toEqual({
      origin: "https://api.example",
      headers: { authorization: `Basic ${Buffer.from("me:p@ss").toString("base64")}` },
    });
    expect(credentialsOf(at("https://me:pw@api.example/feed"), { Authorization: "Bearer t" })?.headers).toEqual({
      authorization: "Bearer t",
    });
    expect(credentialsOf(at("https://me@api.example/feed"), undefined)?.headers.authorization).toBe(
      `Basic ${Buffer.from("me:").toString("base64")}`,
    );
  });

  it("leave the URL that goes on the wire", () => {
    expect(withoutUserinfo(at("https://me:pw@api.example/feed?q=1")).href).toBe("https://api.example/feed?q=1");
    const bare = at("https://api.example/feed");
    expect(withoutUserinfo(bare)).toBe(bare);
  });

  // Every pair of origins a redirect can join: same, other port, other host, other scheme (both ways), default port spelled out.
  it.each([
    ["https://api.example/feed", "https://api.example/other", "keep"],
    ["https://api.example/feed", "https://api.example:443/other", "keep"],
    ["https://api.example/feed", "https://API.example/other", "keep"],
    ["https://api.example/feed", "https://api.example:8443/feed", "drop"],
    ["https://api.example/feed", "https://cdn.example/feed", "drop"],
    ["https://api.example/feed", "https://sub.api.example/feed", "drop"],
    ["https://api.example/feed", "http://api.example/feed", "refuse"],
    ["https://api.example/feed", "http://cdn.example/feed", "refuse"],
    ["http://api.example/feed", "http://api.example/other", "keep"],
    ["http://api.example/feed", "http://api.example:80/other", "keep"],
    ["http://api.example/feed", "http://api.example:8080/feed", "drop"],
    ["http://api.example/feed", "https://api.example/feed", "drop"],
    ["http://api.example/feed", "http://127.0.0.1/feed", "drop"],
  ] as const)("%s → %s: %s", (from, to, step) => {
    expect(credentialStep(credentialsOf(at(from), { "X-Api-Key": "k" }), at(from), at(to))).toBe(step);
    // Nothing in play: every redirect is followed as before, downgrades included.
    expect(credentialStep(null, at(from), at(to))).toBe("keep");
  });
});
