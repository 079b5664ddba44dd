import type { GraphQLScalarType } from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "../../src/graphql/schema.ts";

const DateTime = schema.getType("DateTime") as GraphQLScalarType;

describe("DateTime on output", () => {
  it("writes a Date as its ISO string in UTC, the same each time it is asked", () => {
    const date = new Date(Date.UTC(2026, 10, 3, 14, 20, 0, 7));
    expect(DateTime.serialize(date)).toBe("2026-11-03T14:20:00.007Z");
    expect(DateTime.serialize(date)).toBe("2026-11-03T14:20:00.007Z");
    expect(DateTime.serialize(new Date(date.getTime()))).toBe("2026-11-03T14:20:00.007Z");
  });

  it("writes a Date changed since it was last written with its new time", () => {
    const date = new Date(Date.UTC(2026, 10, 3));
    expect(DateTime.serialize(date)).toBe("2026-11-03T00:00:00.000Z");
    date.setTime(Date.UTC(2027, 0, 1, 8));
    expect(DateTime.serialize(date)).toBe("2027-01-01T08:00:00.000Z");
  });

  it("still refuses an invalid Date, every time", () => {
    const invalid = new Date(Number.NaN);
    expect(() => DateTime.serialize(invalid)).toThrow(RangeError);
    expect(() => DateTime.serialize(invalid)).toThrow(RangeError);
    expect(DateTime.serialize("2026-11-03T14:20:00+02:00")).toBe("2026-11-03T12:20:00.000Z");
  });
});
