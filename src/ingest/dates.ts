/** A publication date further ahead than this is treated as a publisher's clock error. */
export const MAX_FUTURE_MS = 24 * 3600 * 1000;
/** Dates before this are placeholders (`1970-01-01`, `0001-01-01`), not news. */
const EARLIEST = Date.UTC(1990, 0, 1);

// Named zones seen in RFC 822 dates beyond the US ones the JS parser knows.
const ZONES: Record<string, string> = {
  UT: "+0000", UTC: "+0000", GMT: "+0000", Z: "+0000", WET: "+0000", BST: "+0100", IST: "+0530", CET: "+0100",
  CEST: "+0200", MET: "+0100", MEST: "+0200", EET: "+0200", EEST: "+0300", MSK: "+0300", JST: "+0900",
  KST: "+0900", HKT: "+0800", SGT: "+0800", AEST: "+1000", AEDT: "+1100", ACST: "+0930", AWST: "+0800",
  NZST: "+1200", NZDT: "+1300", EST: "-0500", EDT: "-0400", CST: "-0600", CDT: "-0500", MST: "-0700",
  MDT: "-0600", PST: "-0800", PDT: "-0700", AKST: "-0900", AKDT: "-0800", HST: "-1000",
};

/**
 * Parses RFC 822 (with named zones), ISO 8601 (a missing zone means UTC) and
 * common broken forms. Returns null rather than a wrong date.
 */
export function parseFeedDate(text: string | null | undefined): Date | null {
  if (!text) return null;
  const value = text.trim().replace(/\s+/g, " ");
  if (!value) return null;
  for (const candidate of candidates(value)) {
    const time = Date.parse(candidate);
    if (Number.isFinite(time) && time >= EARLIEST) return new Date(time);
  }
  return null;
}

// A zone at the end: Z, an offset, GMT±h, or a name of letters.
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2}|\b[A-Z]{1,5}([+-]\d{1,2})?|\([A-Z]{2,5}\))$/i;

function candidates(input: string): string[] {
  const list: string[] = [];
  // ISO 8601 basic form: 20261106T101010Z.
  const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z|[+-]\d{4})?$/.exec(input);
  let value = basic ? `${basic[1]}-${basic[2]}-${basic[3]}T${basic[4]}:${basic[5]}:${basic[6]}${basic[7] ?? "Z"}` : input;
  // A time written without its colon: "03 Apr 02 1500 GMT".
  value = value.replace(/ (\d{2})(\d{2})( [A-Z]{1,5}| [+-]\d{4})$/i, " $1:$2$3");
  // ISO 8601 without a zone: JS reads it as local time; feeds mean UTC.
  const iso = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$/.exec(value);
  if (iso) list.push(`${iso[1]}T${iso[2]}Z`);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) list.push(`${value}T00:00:00Z`);
  const withoutWeekday = value.replace(/^[A-Za-z]{2,9},? /, "");
  const zone = / ([A-Za-z]{1,5})$/.exec(withoutWeekday);
  if (zone && ZONES[zone[1]!.toUpperCase()]) {
    list.push(withoutWeekday.slice(0, zone.index) + " " + ZONES[zone[1]!.toUpperCase()]);
  }
  list.push(value, withoutWeekday);
  // No zone at all: the JS parser would use the server's local time; feeds mean UTC.
  return list.map((candidate) => (HAS_ZONE.test(candidate) || /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(candidate) ? candidate : `${candidate} GMT`));
}

/** A date more than a day ahead of `now` is clamped to `now`, so it cannot sort first forever. */
export function clampFuture(date: Date | null, now: number): Date | null {
  if (!date) return null;
  return date.getTime() > now + MAX_FUTURE_MS ? new Date(now) : date;
}
