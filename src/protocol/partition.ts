import { DeltaError } from '../errors.js';
import { wallTimeToUtcMs } from './time-zone.js';
import type { DataType } from './schema.js';

/**
 * Partition values: the strings in `add.partitionValues` (PROTOCOL.md "Partition Value
 * Serialization") and the Hive-style `column=value` directory names writers put files under.
 *
 * Parsed values have one JavaScript representation per Delta type, so that scans, predicates and
 * writers agree without conversions:
 *
 * | Delta type               | value                                        |
 * | ------------------------ | -------------------------------------------- |
 * | string                   | `string`                                     |
 * | byte, short, integer     | `number`                                     |
 * | long                     | `bigint` (exact beyond 2^53)                 |
 * | float, double            | `number` (float rounded to 32 bits)          |
 * | boolean                  | `boolean`                                    |
 * | binary                   | `Uint8Array` (the UTF-8 bytes of the string) |
 * | date                     | `number` of days since 1970-01-01            |
 * | timestamp, timestamp_ntz | `bigint` microseconds since 1970-01-01 00:00 |
 * | decimal(p,s)             | `bigint` unscaled value (value * 10^s)       |
 */

/** The directory name Hive-style writers use for a null partition value. */
export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

const INTEGER_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  byte: [-128n, 127n],
  short: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  long: [-9223372036854775808n, 9223372036854775807n],
};

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Options of {@link parsePartitionValue}. */
export interface PartitionParseOptions {
  /**
   * IANA time zone of `timestamp` partition values written without a zone. PROTOCOL.md puts them in
   * the writer's zone, which the log does not record; Spark uses its session zone. Default UTC.
   */
  readonly timeZone?: string;
}

/**
 * Parses one serialised partition value of column `column` into the representation above.
 *
 * `null`, the empty string (PROTOCOL.md: "an empty string for any type translates to a null") and
 * `__HIVE_DEFAULT_PARTITION__` (which some writers put in the log instead of `null`) are null.
 * Timestamps without a zone are in `options.timeZone` (default UTC; see {@link PartitionParseOptions}). A value that does not fit its type is `CorruptData` naming the
 * column and the value: a wrong partition value would silently put rows in the wrong place.
 */
export function parsePartitionValue(
  raw: string | null,
  type: DataType,
  column: string,
  options: PartitionParseOptions = {},
): unknown {
  if (raw === null || raw === '' || raw === HIVE_DEFAULT_PARTITION) return null;
  const bad = (why: string): DeltaError =>
    new DeltaError(
      'CorruptData',
      `partition column ${column}: value ${JSON.stringify(raw)} is not a valid ${describeType(type)}: ${why}`,
      { context: { field: column, value: raw } },
    );
  switch (type.type) {
    case 'string':
      return raw;
    case 'byte':
    case 'short':
    case 'integer':
    case 'long': {
      const text = raw.trim();
      if (!/^[+-]?\d+$/.test(text)) throw bad('not an integer');
      const value = BigInt(text);
      const range = INTEGER_RANGES[type.type];
      if (range === undefined || value < range[0] || value > range[1]) throw bad('out of range');
      return type.type === 'long' ? value : Number(value);
    }
    case 'float':
    case 'double': {
      const value = parseFloatingPoint(raw.trim());
      if (value === undefined) throw bad('not a number');
      return type.type === 'float' ? Math.fround(value) : value;
    }
    case 'boolean': {
      const text = raw.trim().toLowerCase();
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw bad('expected true or false');
    }
    case 'binary':
      return new TextEncoder().encode(raw);
    case 'date': {
      const days = parseDate(raw.trim());
      if (typeof days === 'string') throw bad(days);
      return days;
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      const micros = parseTimestamp(raw.trim(), type.type === 'timestamp', options.timeZone);
      if (typeof micros === 'string') throw bad(micros);
      return micros;
    }
    case 'decimal': {
      const unscaled = parseDecimal(raw.trim(), type.precision, type.scale);
      if (typeof unscaled === 'string') throw bad(unscaled);
      return unscaled;
    }
    case 'void':
      throw bad('a void column has no values');
    default:
      throw new DeltaError(
        'InvalidSchema',
        `partition column ${column} has type ${describeType(type)}; only primitive types can partition a table`,
        { context: { field: column } },
      );
  }
}

function parseFloatingPoint(text: string): number | undefined {
  switch (text.toLowerCase()) {
    case 'nan':
      return NaN;
    case 'infinity':
    case '+infinity':
    case 'inf':
      return Infinity;
    case '-infinity':
    case '-inf':
      return -Infinity;
  }
  return FLOAT_RE.test(text) ? Number(text) : undefined;
}

/** Parses a decimal literal exactly into its unscaled value at `scale`; returns a reason on failure. */
function parseDecimal(text: string, precision: number, scale: number): bigint | string {
  const m = DECIMAL_RE.exec(text);
  if (m === null) return 'not a decimal number';
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  if (whole === '' && fraction === '') return 'not a decimal number';
  // value = digits * 10^(exp - fraction length); rescale to `scale` fraction digits.
  if (Math.abs(Number(exponent)) > 100) return 'exponent out of range';
  const digits = BigInt(`${whole}${fraction}` || '0');
  const shift = Number(exponent) - fraction.length + scale;
  let unscaled: bigint;
  if (shift >= 0) {
    unscaled = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    if (digits % divisor !== 0n) return `has more than ${scale} fraction digits`;
    unscaled = digits / divisor;
  }
  if (unscaled !== 0n && unscaled.toString().length > precision)
    return `needs more than ${precision} digits of precision`;
  return sign === '-' ? -unscaled : unscaled;
}

/**
 * Serialises a partition value (in the representation of {@link parsePartitionValue}) to the string
 * stored in `add.partitionValues`; the inverse of the parser.
 *
 * `null` and the empty string become `null`, because the protocol reads an empty string as null.
 * Timestamps are written in ISO-8601 UTC (`1970-01-01T00:00:00.000000Z`) as PROTOCOL.md recommends
 * for modern writers; `timestamp_ntz` as `1970-01-01 00:00:00.000000`. A value of the wrong
 * JavaScript type, or binary that is not valid UTF-8 (it could not survive the JSON string), is an
 * `InvalidArgument` error.
 */
export function serializePartitionValue(value: unknown, type: DataType): string | null {
  if (value === null || value === undefined) return null;
  const wrong = (): DeltaError =>
    new DeltaError(
      'InvalidArgument',
      `cannot serialise ${typeof value} ${safeString(value)} as a ${describeType(type)} partition value`,
    );
  switch (type.type) {
    case 'string':
      if (typeof value !== 'string') throw wrong();
      return value === '' ? null : value;
    case 'byte':
    case 'short':
    case 'integer':
    case 'long': {
      if (typeof value !== 'bigint' && (typeof value !== 'number' || !Number.isInteger(value))) throw wrong();
      const range = INTEGER_RANGES[type.type];
      const big = BigInt(value);
      if (range === undefined || big < range[0] || big > range[1]) throw wrong();
      return big.toString();
    }
    case 'float':
    case 'double':
      if (typeof value !== 'number') throw wrong();
      if (Number.isNaN(value)) return 'NaN';
      if (Object.is(value, -0)) return '-0.0';
      return value === Infinity ? 'Infinity' : value === -Infinity ? '-Infinity' : String(value);
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong();
      return value ? 'true' : 'false';
    case 'binary': {
      if (!(value instanceof Uint8Array)) throw wrong();
      try {
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(value) || null;
      } catch {
        throw wrong();
      }
    }
    case 'date':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrong();
      return formatDate(value);
    case 'timestamp':
    case 'timestamp_ntz':
      if (typeof value !== 'bigint') throw wrong();
      return formatTimestamp(value, type.type === 'timestamp');
    case 'decimal': {
      if (typeof value !== 'bigint') throw wrong();
      if (value !== 0n && (value < 0n ? -value : value).toString().length > type.precision) throw wrong();
      return formatDecimal(value, type.scale);
    }
    default:
      throw wrong();
  }
}

/** Renders an unscaled decimal with exactly `scale` fraction digits. */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

function describeType(type: DataType): string {
  return type.type === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.type;
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

/** Characters Spark percent-escapes in partition directory names (Hive's path escaping). */
const ESCAPED = new Set<number>([
  ...Array.from({ length: 0x20 }, (_, i) => i),
  ...Array.from('"#%\'*/:=?\\{[]^', (c) => c.charCodeAt(0)),
  0x7f,
]);

/**
 * Escapes a value for a Hive-style `column=value` directory name the way Spark does: control
 * characters and `" # % ' * / : = ? \ { [ ] ^` become `%XX` (upper-case hex); everything else, including spaces
 * and non-ASCII characters, stays as is. Writers use it so other engines find the files where
 * they expect them.
 */
export function escapePartitionPathSegment(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    out += ch.length === 1 && ESCAPED.has(code) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out;
}

/**
 * Reverses {@link escapePartitionPathSegment}: every `%XX` with two hex digits becomes that
 * character; a `%` not followed by two hex digits is kept, as Hive does, so directory names written
 * by tools that did not escape still round-trip.
 */
export function unescapePartitionPathSegment(segment: string): string {
  return segment.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

// ---- dates and timestamps (proleptic Gregorian, as Spark 3+ and the protocol use) ----

const MICROS_PER_DAY = 86_400_000_000n;
const DATE_RE = /^([+-]?\d{4,})-(\d{1,2})-(\d{1,2})$/;
const TIMESTAMP_RE =
  /^([+-]?\d{4,})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Days since 1970-01-01 of a proleptic Gregorian date (no `Date`: it mangles years 0–99). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The inverse of {@link daysFromCivil}. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function validDays(year: number, month: number, day: number): number | string {
  if (month < 1 || month > 12) return `month ${month} out of range`;
  const days = daysFromCivil(year, month, day);
  const back = civilFromDays(days);
  if (day < 1 || back.day !== day || back.month !== month) return `day ${day} out of range`;
  return days;
}

function parseDate(text: string): number | string {
  const m = DATE_RE.exec(text);
  if (m === null) return 'expected YYYY-MM-DD';
  return validDays(Number(m[1]), Number(m[2]), Number(m[3]));
}

function parseTimestamp(text: string, withZone: boolean, timeZone: string | undefined): bigint | string {
  const m = TIMESTAMP_RE.exec(text);
  if (m === null) return 'expected YYYY-MM-DD HH:MM:SS[.ffffff]';
  const [, y = '', mo = '', d = '', h = '0', mi = '0', s = '0', fraction = '', zone] = m;
  const days = validDays(Number(y), Number(mo), Number(d));
  if (typeof days === 'string') return days;
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (hour > 23 || minute > 59 || second > 59) return 'time of day out of range';
  let offsetMinutes = 0;
  if (zone !== undefined && !/^(Z|UTC|GMT)$/i.test(zone)) {
    const digits = zone.slice(1).replace(':', '');
    const hh = Number(digits.slice(0, 2));
    const mm = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hh > 18 || mm > 59) return `zone offset ${zone} out of range`;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hh * 60 + mm);
  }
  if (zone !== undefined && !withZone) return 'a timestamp without time zone cannot carry a zone';
  // Digits beyond microseconds are truncated: Delta timestamps have microsecond precision.
  const micros = BigInt(fraction.padEnd(6, '0').slice(0, 6));
  if (zone === undefined && withZone && timeZone !== undefined) {
    const wallMs = days * 86_400_000 + (hour * 3600 + minute * 60 + second) * 1000;
    return BigInt(wallTimeToUtcMs(timeZone, wallMs)) * 1000n + micros;
  }
  const seconds = BigInt(hour * 3600 + minute * 60 + second - offsetMinutes * 60);
  return BigInt(days) * MICROS_PER_DAY + seconds * 1_000_000n + micros;
}

function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  const yearText = year < 0 ? `-${String(-year).padStart(4, '0')}` : String(year).padStart(4, '0');
  return `${yearText}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function formatTimestamp(micros: bigint, utc: boolean): string {
  const days = micros / MICROS_PER_DAY - (micros % MICROS_PER_DAY < 0n ? 1n : 0n);
  const ofDay = micros - days * MICROS_PER_DAY;
  const secondsOfDay = Number(ofDay / 1_000_000n);
  const fraction = String(ofDay % 1_000_000n).padStart(6, '0');
  const hh = String(Math.floor(secondsOfDay / 3600)).padStart(2, '0');
  const mm = String(Math.floor((secondsOfDay % 3600) / 60)).padStart(2, '0');
  const ss = String(secondsOfDay % 60).padStart(2, '0');
  const time = `${hh}:${mm}:${ss}.${fraction}`;
  return utc ? `${formatDate(Number(days))}T${time}Z` : `${formatDate(Number(days))} ${time}`;
}
