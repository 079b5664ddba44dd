/** A publication date further ahead than this is treated as a publisher's clock error. */
export const MAX_FUTURE_MS = 24 * 3600 * 1000;
/** Dates before this are placeholders (`1970-01-01`, `0001-01-01`), not news. */
const EARLIEST = Date.UTC(1990, 0, 1);

// Zone abbreviations real feeds write (RFC 822 names only the US ones and UT/GMT/Z).
// Each is its standard offset; a name read two ways takes the reading feeds mean most:
// - IST is India Standard Time (+05:30): Indian publishers write it far more than
//   Irish (+01:00) or Israel (+02:00) Standard Time.
// - CST is US Central (-06:00), as RFC 822 and feedparser read it, not China (+08:00).
// - BST is British Summer Time (+01:00), not Bangladesh.
// - AST/ADT are Atlantic (-04:00/-03:00), as feedparser reads them, not Arabia.
// - ET/CT/MT/PT (no standard/daylight mark) are taken as standard time, as feedparser does.
// MEZ/MESZ are the German names of CET/CEST.
const ZONES: Record<string, string> = {
  UT: "+0000",
  UTC: "+0000",
  GMT: "+0000",
  Z: "+0000",
  // Europe
  WET: "+0000",
  WEST: "+0100",
  BST: "+0100",
  IST: "+0530",
  CET: "+0100",
  CEST: "+0200",
  MET: "+0100",
  MEST: "+0200",
  MEZ: "+0100",
  MESZ: "+0200",
  EET: "+0200",
  EEST: "+0300",
  MSK: "+0300",
  TRT: "+0300",
  // Africa
  WAT: "+0100",
  CAT: "+0200",
  SAST: "+0200",
  EAT: "+0300",
  // Asia
  GST: "+0400",
  PKT: "+0500",
  NPT: "+0545",
  ICT: "+0700",
  WIB: "+0700",
  HKT: "+0800",
  SGT: "+0800",
  MYT: "+0800",
  PHT: "+0800",
  AWST: "+0800",
  JST: "+0900",
  KST: "+0900",
  // Australia, New Zealand
  ACST: "+0930",
  ACDT: "+1030",
  AEST: "+1000",
  AEDT: "+1100",
  NZST: "+1200",
  NZDT: "+1300",
  // The Americas
  NST: "-0330",
  NDT: "-0230",
  AST: "-0400",
  ADT: "-0300",
  EST: "-0500",
  EDT: "-0400",
  ET: "-0500",
  CST: "-0600",
  CDT: "-0500",
  CT: "-0600",
  MST: "-0700",
  MDT: "-0600",
  MT: "-0700",
  PST: "-0800",
  PDT: "-0700",
  PT: "-0800",
  AKST: "-0900",
  AKDT: "-0800",
  HST: "-1000",
  BRT: "-0300",
  ART: "-0300",
};

/**
 * Parses RFC 822 (with named zones and 12-hour times), ISO 8601 (a missing zone
 * means UTC, one-digit fields allowed) and common broken forms. Returns null
 * rather than a wrong date.
 */
export function parseFeedDate(text: string | null | undefined): Date | null {
  if (!text) return null;
  const value = text.trim().replace(/\s+/g, " ");
  if (!value) return null;
  const iso = isoTime(value);
  if (iso !== undefined) return iso !== null && iso >= EARLIEST ? new Date(iso) : null;
  for (const candidate of candidates(value)) {
    const time = Date.parse(candidate);
    if (Number.isFinite(time) && time >= EARLIEST) return new Date(time);
  }
  return null;
}

// ISO 8601 / RFC 3339, leniently: one-digit month, day, hour, minute or second
// ("2006-01-17T12:35:9+01:00"), a space for the T, a comma for the decimal point.
const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?)? ?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * The time of an ISO 8601 date computed from its fields (the JS parser refuses
 * one-digit fields and reads a zoneless time as local), null for impossible
 * fields, undefined when the text is not of that form.
 */
function isoTime(value: string): number | null | undefined {
  const m = ISO.exec(value);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  if (month < 1 || month > 12 || day < 1 || hour > 24 || minute > 59 || second > 60) return null;
  // 24:00 is the end of a day (ISO 8601); 24:30 is no time at all.
  if (hour === 24 && (minute > 0 || second > 0 || ms > 0)) return null;
  // Day 31 of a 30-day month rolls over in Date.UTC: refuse it rather than move the date.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null;
  const time = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const zone = m[8];
  if (!zone || /^z$/i.test(zone)) return time;
  const digits = zone.replace(":", "");
  const [offsetHours, offsetMinutes] = [Number(digits.slice(1, 3)), Number(digits.slice(3, 5) || 0)];
  // Offsets run from -12:00 to +14:00; anything else is a typing slip, not a zone.
  if (offsetHours > 14 || offsetMinutes > 59) return null;
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
  return zone[0] === "+" ? time - offset : time + offset;
}

// A zone at the end: Z, an offset, GMT±h, or a name of letters.
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2}|\b[A-Z]{1,5}([+-]\d{1,2})?|\([A-Z]{2,5}\))$/i;
// A 12-hour time: "8:19 pm", "08:19:33 PM", "8:19p.m.".
const TWELVE_HOUR = /\b(\d{1,2}):(\d{2})(:\d{2})? ?([ap])\.?m\b\.?/i;

function candidates(input: string): string[] {
  const list: string[] = [];
  // ISO 8601 basic form: 20261106T101010Z.
  const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z|[+-]\d{4})?$/.exec(input);
  let value = basic ? `${basic[1]}-${basic[2]}-${basic[3]}T${basic[4]}:${basic[5]}:${basic[6]}${basic[7] ?? "Z"}` : input;
  // A 12-hour time in 24-hour form, so that "PM" is never taken for a zone.
  value = value.replace(TWELVE_HOUR, (_, h: string, min: string, sec: string | undefined, half: string) => {
    const hour = Number(h);
    if (hour < 1 || hour > 12) return _;
    const h24 = (hour % 12) + (half.toLowerCase() === "p" ? 12 : 0);
    return `${String(h24).padStart(2, "0")}:${min}${sec ?? ""}`;
  });
  // A time written without its colon: "03 Apr 02 1500 GMT".
  value = value.replace(/ (\d{2})(\d{2})( [A-Z]{1,5}| [+-]\d{4})$/i, " $1:$2$3");
  const withoutWeekday = value.replace(/^[A-Za-z]{2,9},? /, "");
  const zone = / ([A-Za-z]{1,5})$/.exec(withoutWeekday);
  if (zone && ZONES[zone[1]!.toUpperCase()]) {
    list.push(`${withoutWeekday.slice(0, zone.index)} ${ZONES[zone[1]!.toUpperCase()]}`);
  }
  list.push(value, withoutWeekday);
  // No zone at all: the JS parser would use the server's local time; feeds mean UTC.
  return list.map((candidate) =>
    HAS_ZONE.test(candidate) || /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(candidate) ? candidate : `${candidate} GMT`,
  );
}

/** A date more than a day ahead of `now` is clamped to `now`, so it cannot sort first forever. */
export function clampFuture(date: Date | null, now: number): Date | null {
  if (!date) return null;
  return date.getTime() > now + MAX_FUTURE_MS ? new Date(now) : date;
}
