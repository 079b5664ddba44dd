import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientAddress } from "../../src/partners/client-address.ts";

const from = (remoteAddress: string | undefined) => ({ socket: { remoteAddress } }) as unknown as IncomingMessage;

describe("the address an anonymous budget is counted against", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002:ffff::1", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
  ])("counts %s as %s", (address, expected) => {
    expect(clientAddress(from(address))).toBe(expected);
  });

  it("gives every host of one IPv6 /64 one budget, and other networks their own", () => {
    expect(clientAddress(from("2001:db8:1:2::a"))).toBe(clientAddress(from("2001:db8:1:2:ffff:ffff:ffff:ffff")));
    expect(clientAddress(from("2001:db8:1:3::a"))).not.toBe(clientAddress(from("2001:db8:1:2::a")));
  });
});
