import { BlockList, isIP } from "node:net";

/**
 * Says whether an IP address (v4 or v6, as a resolver or a socket gives it) is
 * on the public internet: null when it is, else the name of the range that
 * keeps it out (for the error message). Passed in wherever it is used, so
 * that tests, which can only reach loopback, may call one loopback address
 * "public".
 */
export type AddressClassifier = (address: string) => string | null;

/** How the fetcher treats addresses that are not on the public internet. */
export interface NetworkPolicy {
  /**
   * Refuse every non-public address, the sources' own included
   * (`--refuse-private-addresses`). Off, a source the operator configured may
   * be on a private network; only a redirect from a public address into one
   * is refused.
   */
  refusePrivateAddresses: boolean;
  /** @default nonPublicRange */
  classify: AddressClassifier;
}

/** An address the policy refuses; thrown by the transport before it connects. */
export class PrivateAddressError extends Error {
  readonly code = "PRIVATE_ADDRESS";

  constructor(
    /** The name asked for (the address itself for an IP literal). */
    readonly hostname: string,
    readonly address: string,
    /** What nonPublicRange (or the classifier in force) called it. */
    readonly range: string,
  ) {
    const described = `${/^[aeiou]/.test(range) ? "an" : "a"} ${range} address`;
    super(hostname === address ? `${address} is ${described}` : `${hostname} resolves to ${address}, ${described}`);
    this.name = "PrivateAddressError";
  }
}

// IPv4 ranges that are not the public internet (IANA special-purpose registry, RFC 6890 and successors).
const IPV4_RANGES: [string, number, string][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "shared (CGNAT)"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "documentation"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

// IPv6 ranges, the most specific first (::1 lies inside ::/96). IPv4-mapped
// addresses (::ffff:a.b.c.d) need no entry: BlockList checks them against the
// IPv4 ranges (the unit tests hold it to that).
const IPV6_RANGES: [string, number, string][] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  // Deprecated IPv4-compatible addresses (::a.b.c.d): nothing legitimate uses them.
  ["::", 96, "reserved"],
  ["64:ff9b:1::", 48, "private"],
  ["100::", 64, "reserved"],
  ["2001:db8::", 32, "documentation"],
  ["fc00::", 7, "private"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "private"],
  ["ff00::", 8, "multicast"],
];

/**
 * IPv6 prefixes that carry an IPv4 address, and where: NAT64 (64:ff9b::/96,
 * the last 32 bits; public on an IPv6-only network with DNS64, so only its
 * non-public IPv4 ranges are refused) and 6to4 (2002::/16, bits 16 to 48).
 */
const EMBEDDING_PREFIXES: [prefix: (high: string, low: string) => string, offset: number][] = [
  [(high, low) => `64:ff9b::${high}:${low}`, 96],
  [(high, low) => `2002:${high}:${low}::`, 16],
];

/** Every range in one list (the one check a public address costs), and one list per range name, to say which it was. */
const { ANY, RANGES } = buildRanges();

function buildRanges(): { ANY: BlockList; RANGES: [BlockList, string][] } {
  const any = new BlockList();
  const lists = new Map<string, BlockList>();
  const add = (address: string, prefix: number, type: "ipv4" | "ipv6", range: string) => {
    let list = lists.get(range);
    if (!list) lists.set(range, (list = new BlockList()));
    list.addSubnet(address, prefix, type);
    any.addSubnet(address, prefix, type);
  };
  for (const [address, prefix, range] of IPV6_RANGES) add(address, prefix, "ipv6", range);
  for (const [address, prefix, range] of IPV4_RANGES) {
    add(address, prefix, "ipv4", range);
    const [a, b, c, d] = address.split(".").map(Number) as [number, number, number, number];
    const high = ((a << 8) | b).toString(16);
    const low = ((c << 8) | d).toString(16);
    for (const [embed, offset] of EMBEDDING_PREFIXES) add(embed(high, low), offset + prefix, "ipv6", range);
  }
  // Insertion order: the IPv6 ranges' specific names (::1 "loopback") are found before ::/96's "reserved".
  return { ANY: any, RANGES: [...lists].map(([range, list]) => [list, range]) };
}

/** The default classifier: null for a public address, else its range ("loopback", "private", "link-local", ...). */
export function nonPublicRange(address: string): string | null {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  // A zone (fe80::1%eth0) names an interface: link-local by definition.
  if (bare.includes("%")) return "link-local";
  const family = isIP(bare);
  if (family === 0) return "unparsable";
  const type = family === 4 ? "ipv4" : "ipv6";
  if (!ANY.check(bare, type)) return null;
  for (const [list, range] of RANGES) if (list.check(bare, type)) return range;
  return null;
}

export const DEFAULT_NETWORK_POLICY: NetworkPolicy = { refusePrivateAddresses: false, classify: nonPublicRange };

/**
 * Whether the next hop of a read may only reach public addresses: always with
 * `refusePrivateAddresses`, and otherwise once a hop was answered from a public
 * address, since where a redirect leads is then the public host's choice, not
 * the operator's (the classic way into 169.254.169.254 and internal services).
 */
export function mustBePublic(policy: NetworkPolicy, publicHopSeen: boolean): boolean {
  return policy.refusePrivateAddresses || publicHopSeen;
}

/**
 * Whether a hop answered from `remoteAddress` was public. An address the
 * transport could not tell counts as public: the safe side, since it only
 * restricts the hops after it.
 */
export function isPublicHop(policy: NetworkPolicy, remoteAddress: string | null | undefined): boolean {
  return !remoteAddress || policy.classify(remoteAddress) === null;
}
