/**
 * Retention periods of a table: how long removed data files stay (`delta.deletedFileRetentionDuration`,
 * which bounds both the tombstones a checkpoint keeps and what VACUUM may delete) and how long log
 * files stay (`delta.logRetentionDuration`, which bounds metadata cleanup).
 *
 * Both properties hold interval strings in the form Spark's `CalendarInterval` parser accepts and
 * writers put in the log: `interval 1 week`, `interval 30 days`, `1 day 12 hours`, `interval 7
 * days 1 hour`. Months and years are refused because their length in milliseconds is not fixed and
 * a retention that is shorter than the user meant deletes data that was still needed.
 */
import { DeltaError } from '../errors.js';
import type { Metadata } from '../protocol/actions.js';

/** The table property bounding tombstones and VACUUM. */
export const DELETED_FILE_RETENTION_KEY = 'delta.deletedFileRetentionDuration';
/** The table property bounding metadata cleanup. */
export const LOG_RETENTION_KEY = 'delta.logRetentionDuration';
/** Default of {@link DELETED_FILE_RETENTION_KEY}: one week. */
export const DEFAULT_DELETED_FILE_RETENTION = 'interval 1 week';
/** Default of {@link LOG_RETENTION_KEY}: thirty days. */
export const DEFAULT_LOG_RETENTION = 'interval 30 days';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Milliseconds per unit; sub-millisecond units are fractions, rounded at the end. */
const UNIT_MS: Readonly<Record<string, number>> = {
  week: 7 * DAY_MS,
  day: DAY_MS,
  hour: HOUR_MS,
  minute: 60_000,
  second: 1000,
  millisecond: 1,
  microsecond: 1e-3,
  nanosecond: 1e-6,
};

/** Unit spellings accepted (singular, plural, and the short forms Spark also accepts). */
function unitOf(word: string): string | undefined {
  const w = word.toLowerCase();
  const aliases: Readonly<Record<string, string>> = {
    ms: 'millisecond',
    us: 'microsecond',
    ns: 'nanosecond',
  };
  const alias = aliases[w];
  if (alias !== undefined) return alias;
  const singular = w.endsWith('s') ? w.slice(0, -1) : w;
  return singular in UNIT_MS ? singular : undefined;
}

/**
 * Parses a Delta interval string into milliseconds.
 *
 * @param property the table property (or option) the text came from, named in errors.
 * @throws DeltaError `InvalidArgument` naming the property and the text when it is not a sequence
 *   of `<integer> <unit>` pairs (optionally after `interval`), uses months or years, or is negative.
 */
export function parseInterval(text: string, property: string): number {
  const fail = (why: string): never => {
    throw new DeltaError(
      'InvalidArgument',
      `${property} = ${JSON.stringify(text)} is not a valid interval: ${why}`,
      {
        context: { field: property, value: text },
        help: "write it as e.g. 'interval 7 days' or 'interval 1 week 12 hours' (units: week, day, hour, minute, second, millisecond, microsecond, nanosecond)",
      },
    );
  };
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (words[0]?.toLowerCase() === 'interval') words.shift();
  if (words.length === 0 || words.length % 2 !== 0) return fail('expected pairs of a number and a unit');
  let total = 0;
  for (let i = 0; i < words.length; i += 2) {
    const amount = words[i] ?? '';
    const word = words[i + 1] ?? '';
    if (!/^[+-]?\d+$/.test(amount)) return fail(`${JSON.stringify(amount)} is not an integer`);
    const unit = unitOf(word);
    if (unit === undefined) {
      const calendar = /^(month|year)s?$/i.test(word);
      return fail(
        calendar ? `${word} has no fixed length; use days or weeks` : `unknown unit ${JSON.stringify(word)}`,
      );
    }
    total += Number(amount) * (UNIT_MS[unit] ?? 0);
  }
  if (total < 0) return fail('a retention cannot be negative');
  return Math.round(total);
}

function propertyMs(metadata: Metadata, key: string, fallback: string): number {
  const raw = metadata.configuration[key];
  return parseInterval(typeof raw === 'string' ? raw : fallback, key);
}

/** `delta.deletedFileRetentionDuration` of the table in ms (default one week). */
export function deletedFileRetentionMs(metadata: Metadata): number {
  return propertyMs(metadata, DELETED_FILE_RETENTION_KEY, DEFAULT_DELETED_FILE_RETENTION);
}

/** `delta.logRetentionDuration` of the table in ms (default thirty days). */
export function logRetentionMs(metadata: Metadata): number {
  return propertyMs(metadata, LOG_RETENTION_KEY, DEFAULT_LOG_RETENTION);
}

/** Whether a boolean table property is set to true (case-insensitively), else `fallback`. */
export function booleanProperty(metadata: Metadata, key: string, fallback: boolean): boolean {
  const raw = metadata.configuration[key];
  if (typeof raw !== 'string') return fallback;
  const v = raw.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : fallback;
}
