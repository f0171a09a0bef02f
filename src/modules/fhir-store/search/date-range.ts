/**
 * FHIR date, dateTime and instant values as closed millisecond ranges.
 * A value given to a lower precision stands for the whole interval it names
 * (https://hl7.org/fhir/R4/search.html#date): `1980` is 1980-01-01T00:00:00.000
 * to 1980-12-31T23:59:59.999. Values without a time zone are read as UTC.
 */
export interface DateRange {
  /** Epoch milliseconds, inclusive. -Infinity when unbounded. */
  low: number;
  /** Epoch milliseconds, inclusive. +Infinity when unbounded. */
  high: number;
}

// year, month, day, hour, minute, second, fraction, zone (Z or ±hh:mm)
const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * Parses a FHIR date/dateTime/instant (or a search value of that form) into
 * its implicit range. Returns undefined when the text is not a valid date.
 */
export function parseDateRange(text: string): DateRange | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  if (year < 1) return undefined; // PostgreSQL has no year 0
  const month = mo === undefined ? undefined : Number(mo);
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && (day < 1 || day > daysInMonth(year, month ?? 1))) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi ?? 0) > 59 || Number(s ?? 0) > 59)) return undefined;
  if (h !== undefined && mi === undefined) return undefined; // FHIR needs at least hh:mm with a time
  const offsetMs = zone === undefined || zone === 'Z' ? 0 : parseZone(zone);
  if (offsetMs === undefined) return undefined;

  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  const low = utc(year, (month ?? 1) - 1, day ?? 1, Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), ms) - offsetMs;
  let high: number;
  if (month === undefined) high = utc(year + 1, 0, 1) - offsetMs - 1;
  else if (day === undefined) high = utc(year, month, 1) - offsetMs - 1;
  else if (h === undefined) high = low + DAY_MS - 1;
  else if (s === undefined) high = low + 60_000 - 1;
  else if (frac === undefined) high = low + 1000 - 1;
  else high = low + precisionMs(frac) - 1;
  return { low, high: Math.max(low, high) };
}

const DAY_MS = 86_400_000;

function daysInMonth(year: number, month: number): number {
  return new Date(utc(year, month, 0)).getUTCDate();
}

function parseZone(zone: string): number | undefined {
  const sign = zone.startsWith('-') ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 14 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes) * 60_000;
}

/** Fractions finer than a millisecond collapse to one millisecond. */
function precisionMs(frac: string): number {
  return frac.length >= 3 ? 1 : 10 ** (3 - frac.length);
}

/** Date.UTC without its mapping of years 0..99 to 1900..1999. */
function utc(year: number, monthIndex: number, day: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

/** Converts an epoch-ms bound to a value PostgreSQL timestamptz accepts (including ±infinity). */
export function toSqlTimestamp(ms: number): string {
  if (ms === Infinity) return 'infinity';
  if (ms === -Infinity) return '-infinity';
  return new Date(ms).toISOString();
}
