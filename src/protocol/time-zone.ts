import { DeltaError } from '../errors.js';

/**
 * Wall-clock time in a named time zone, for zone-less timestamp partition values.
 *
 * PROTOCOL.md ("Partition Value Serialization") says a timestamp partition value written without a
 * zone is in the time zone of the writer, which the log does not record. Spark writes them in its
 * session zone, so a table written by a Spark job in `America/Los_Angeles` needs that zone to read
 * its partition values right. Callers pass it explicitly; UTC is the default.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch (err) {
      throw new DeltaError('InvalidArgument', `unknown time zone ${JSON.stringify(zone)}`, {
        cause: err,
        help: 'use an IANA zone name such as UTC, Europe/Berlin or America/Los_Angeles',
      });
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Checks that `zone` is a time zone this runtime knows; throws `InvalidArgument` otherwise. */
export function assertTimeZone(zone: string): void {
  formatter(zone);
}

/** The offset of `zone` from UTC at the instant `utcMs`, in milliseconds (east positive). */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  const parts = formatter(zone).formatToParts(new Date(utcMs));
  const get = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - (utcMs - (((utcMs % 1000) + 1000) % 1000));
}

/**
 * The UTC instant of a wall-clock time in `zone`, given as milliseconds "as if UTC". Around
 * daylight-saving changes it behaves like Java's `LocalDateTime.atZone`, which is how Spark wrote
 * the value: a repeated wall time takes the earlier instant, and a skipped one is moved later by the
 * length of the gap (read with the offset in force before the change).
 */
export function wallTimeToUtcMs(zone: string, wallMs: number): number {
  const first = zoneOffsetMs(zone, wallMs);
  const second = zoneOffsetMs(zone, wallMs - first);
  const candidates = [wallMs - first, wallMs - second].filter(
    (utc) => wallMs - zoneOffsetMs(zone, utc) === utc,
  );
  if (candidates.length > 0) return Math.min(...candidates);
  const before = zoneOffsetMs(zone, Math.min(wallMs - first, wallMs - second) - GAP_LOOKBACK_MS);
  return wallMs - before;
}

/** How far before a skipped wall time to look for the offset in force before the change. */
const GAP_LOOKBACK_MS = 6 * 3600_000;
