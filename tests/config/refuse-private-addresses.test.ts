import { describe, expect, it } from "vitest";
import { readCheckSettings } from "../../src/config/check-settings.ts";
import { readSettings } from "../../src/config/settings.ts";

describe("--refuse-private-addresses / NEWSGATE_REFUSE_PRIVATE_ADDRESSES", () => {
  it("is off by default, on by the flag whatever the variable says, and reads the variable's yes and no", () => {
    expect(readSettings([], {}).refusePrivateAddresses).toBe(false);
    expect(readSettings(["--refuse-private-addresses"], {}).refusePrivateAddresses).toBe(true);
    expect(readSettings(["--refuse-private-addresses"], { NEWSGATE_REFUSE_PRIVATE_ADDRESSES: "0" }).refusePrivateAddresses).toBe(true);
    for (const on of ["1", "true", "YES", " yes "])
      expect(readSettings([], { NEWSGATE_REFUSE_PRIVATE_ADDRESSES: on }).refusePrivateAddresses).toBe(true);
    for (const off of ["", "0", "false", "No"])
      expect(readSettings([], { NEWSGATE_REFUSE_PRIVATE_ADDRESSES: off }).refusePrivateAddresses).toBe(false);
  });

  it("stops start-up on a value it does not know, rather than leave the gateway unprotected", () => {
    expect(() => readSettings([], { NEWSGATE_REFUSE_PRIVATE_ADDRESSES: "on please" })).toThrow(
      'NEWSGATE_REFUSE_PRIVATE_ADDRESSES "on please" must be 1, true, yes, 0, false or no',
    );
  });

  it("is read the same way by npm run check", () => {
    expect(readCheckSettings([], {}).refusePrivateAddresses).toBe(false);
    expect(readCheckSettings(["--refuse-private-addresses"], {}).refusePrivateAddresses).toBe(true);
    expect(readCheckSettings([], { NEWSGATE_REFUSE_PRIVATE_ADDRESSES: "1" }).refusePrivateAddresses).toBe(true);
  });
});
