/**
 * Calendar arithmetic for Delta's `date`, `timestamp` and `timestamp_ntz` values.
 *
 * Dates are days since 1970-01-01 and timestamps microseconds since 1970-01-01 00:00 UTC (for
 * `timestamp_ntz`: since that wall-clock instant, no zone). We do the arithmetic ourselves on the
 * proleptic Gregorian calendar instead of going through `Date`, because `Date` is millisecond-precise,
 * stops at year ±275760 and formats years below 1000 or below zero inconsistently — and the canonical
 * row form needs exact microseconds and four-digit years.
 */

const MICROS_PER_DAY = 86_400_000_000n;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  // Shift the year to start in March so the leap day is the last day of the "year".
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The inverse of {@link daysFromCivil}: `[year, month, day]`. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return [year, month, day];
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const DATE_RE = /^([+-]?\d{4,6})-(\d{1,2})-(\d{1,2})$/;

/** Parses `YYYY-MM-DD` (optionally signed, more year digits) into days; `undefined` if invalid. */
export function parseDate(text: string): number | undefined {
  const m = DATE_RE.exec(text.trim());
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
}

const TIMESTAMP_RE =
  /^([+-]?\d{4,6})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;

/** A parsed timestamp: microseconds, and whether the text carried a zone or offset. */
export interface ParsedTimestamp {
  readonly micros: bigint;
  readonly hasZone: boolean;
}

/**
 * Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z|UTC|±HH[:MM]]`. Without a zone the wall clock is
 * taken as UTC (the caller decides whether that is right for its type). Fractions beyond
 * microseconds are truncated, as Delta stores microseconds.
 */
export function parseTimestamp(text: string): ParsedTimestamp | undefined {
  const m = TIMESTAMP_RE.exec(text.trim());
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = BigInt(((m[7] ?? '') + '000000').slice(0, 6));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z' && zone.toUpperCase() !== 'UTC') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2) || '0');
    if (hours > 18 || minutes > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const days = BigInt(daysFromCivil(year, month, day));
  const seconds = BigInt(hour * 3600 + minute * 60 + second - offsetMinutes * 60);
  return { micros: days * MICROS_PER_DAY + seconds * 1_000_000n + fraction, hasZone: zone !== undefined };
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Formats a year as at least four digits, negative years as `-YYYY`. */
function formatYear(year: number): string {
  return year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
}

/** Formats days since the epoch as `YYYY-MM-DD`. */
export function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${formatYear(y)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/**
 * Formats microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffff`, with a trailing `Z` when
 * `utc` (a `timestamp`) and without it for `timestamp_ntz`.
 */
export function formatTimestamp(micros: bigint, utc: boolean): string {
  let days = micros / MICROS_PER_DAY;
  let rest = micros % MICROS_PER_DAY;
  if (rest < 0n) {
    rest += MICROS_PER_DAY;
    days -= 1n;
  }
  const inDay = Number(rest);
  const fraction = inDay % 1_000_000;
  const secondsOfDay = Math.floor(inDay / 1_000_000);
  const hh = Math.floor(secondsOfDay / 3600);
  const mm = Math.floor((secondsOfDay % 3600) / 60);
  const ss = secondsOfDay % 60;
  const date = formatDate(Number(days));
  return `${date}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}.${pad(fraction, 6)}${utc ? 'Z' : ''}`;
}

/** Microseconds at midnight (UTC) of a date, for comparing dates with timestamps. */
export function dateToMicros(days: number): bigint {
  return BigInt(days) * MICROS_PER_DAY;
}
