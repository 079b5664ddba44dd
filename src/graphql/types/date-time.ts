import { builder } from "../builder.ts";
import { badUserInput } from "../errors.ts";

/** ISO 8601 in UTC on output; input must name its zone so nothing depends on the server's. */
export const DateTime = builder.scalarType("DateTime", {
  description: "A date and time as an ISO 8601 string in UTC, e.g. `2026-11-03T14:20:00.000Z`.",
  serialize: (value) => (value instanceof Date ? isoString(value) : new Date(value as string).toISOString()),
  parseValue: (value) => parseDateTime(value),
});

/**
 * An article's dates are written on every answer that shows them: each Date's
 * ISO string is made once. Held weakly (as long as the Date lives) and checked
 * against the Date's time, so a Date changed since is written anew.
 */
const isoStrings = new WeakMap<Date, { time: number; iso: string }>();

function isoString(date: Date): string {
  const time = date.getTime();
  const known = isoStrings.get(date);
  if (known && known.time === time) return known.iso;
  // toISOString throws a RangeError on an invalid date, as it did before: nothing is remembered then.
  const iso = date.toISOString();
  isoStrings.set(date, { time, iso });
  return iso;
}

function parseDateTime(value: unknown): Date {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(value)) {
    throw badUserInput(`"${String(value).slice(0, 40)}" is not a DateTime; use ISO 8601 such as 2026-11-03 or 2026-11-03T14:20:00Z`);
  }
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) throw badUserInput(`"${value}" is not a real date`);
  return date;
}
