import { describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import { assertTimeZone, wallTimeToUtcMs, zoneOffsetMs } from './time-zone.js';

describe('time zones for zone-less partition timestamps', () => {
  it('converts wall-clock times to UTC with the offset in force', () => {
    // Pacific daylight time (UTC-7) in September, standard time (UTC-8) in January.
    expect(wallTimeToUtcMs('America/Los_Angeles', Date.UTC(2021, 8, 8, 11, 11, 11))).toBe(
      Date.UTC(2021, 8, 8, 18, 11, 11),
    );
    expect(wallTimeToUtcMs('America/Los_Angeles', Date.UTC(2021, 0, 8, 11, 0, 0))).toBe(
      Date.UTC(2021, 0, 8, 19, 0, 0),
    );
    expect(wallTimeToUtcMs('Asia/Kolkata', Date.UTC(2021, 0, 1, 5, 30))).toBe(Date.UTC(2021, 0, 1, 0, 0));
    expect(wallTimeToUtcMs('UTC', Date.UTC(2021, 0, 1, 5, 30, 1, 250))).toBe(
      Date.UTC(2021, 0, 1, 5, 30, 1, 250),
    );
  });

  it('handles the wall times a daylight-saving change skips or repeats', () => {
    // 2021-03-14 02:30 does not exist in Los Angeles; it reads with the standard offset (UTC-8).
    expect(wallTimeToUtcMs('America/Los_Angeles', Date.UTC(2021, 2, 14, 2, 30))).toBe(
      Date.UTC(2021, 2, 14, 10, 30),
    );
    // 2021-11-07 01:30 happens twice; the earlier instant (daylight time, UTC-7) wins.
    expect(wallTimeToUtcMs('America/Los_Angeles', Date.UTC(2021, 10, 7, 1, 30))).toBe(
      Date.UTC(2021, 10, 7, 8, 30),
    );
  });

  it('reports offsets and refuses unknown zones', () => {
    expect(zoneOffsetMs('Europe/Berlin', Date.UTC(2021, 6, 1))).toBe(2 * 3600_000);
    expect(() => assertTimeZone('Mars/Olympus_Mons')).toThrow(/unknown time zone/);
    try {
      assertTimeZone('Mars/Olympus_Mons');
    } catch (err) {
      expect(isDeltaError(err, 'InvalidArgument')).toBe(true);
    }
  });
});

describe('parsePartitionValue with a writer time zone', () => {
  it('reads zone-less timestamps in the given zone and leaves zoned ones alone', async () => {
    const { parsePartitionValue } = await import('./partition.js');
    const ts = { type: 'timestamp' } as const;
    const micros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;
    const la = { timeZone: 'America/Los_Angeles' };
    expect(parsePartitionValue('2021-09-08 11:11:11', ts, 'as_timestamp', la)).toBe(
      micros('2021-09-08T18:11:11Z'),
    );
    expect(parsePartitionValue('2021-09-08 11:11:11.000123', ts, 'c', la)).toBe(
      micros('2021-09-08T18:11:11Z') + 123n,
    );
    expect(parsePartitionValue('2021-09-08 11:11:11', ts, 'c')).toBe(micros('2021-09-08T11:11:11Z'));
    expect(parsePartitionValue('2021-09-08T11:11:11Z', ts, 'c', la)).toBe(micros('2021-09-08T11:11:11Z'));
    // timestamp_ntz has no zone to apply.
    expect(parsePartitionValue('2021-09-08 11:11:11', { type: 'timestamp_ntz' }, 'c', la)).toBe(
      micros('2021-09-08T11:11:11Z'),
    );
  });
});
