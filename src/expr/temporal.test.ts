import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDecimal, parseExactNumber } from './numbers.js';
import {
  civilFromDays,
  daysFromCivil,
  formatDate,
  formatTimestamp,
  parseDate,
  parseTimestamp,
} from './temporal.js';

describe('calendar arithmetic', () => {
  it('agrees with Date.UTC across a wide range of days', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), (days) => {
        const date = new Date(days * 86_400_000);
        expect(civilFromDays(days)).toEqual([
          date.getUTCFullYear(),
          date.getUTCMonth() + 1,
          date.getUTCDate(),
        ]);
        expect(daysFromCivil(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())).toBe(days);
      }),
    );
  });

  it('formats and parses dates, padding years to four digits and signing negative ones', () => {
    expect(formatDate(0)).toBe('1970-01-01');
    expect(formatDate(daysFromCivil(999, 3, 1))).toBe('0999-03-01');
    expect(formatDate(daysFromCivil(-44, 3, 15))).toBe('-0044-03-15');
    expect(parseDate('2020-02-30')).toBeUndefined();
    expect(parseDate('2020-2-3')).toBe(daysFromCivil(2020, 2, 3));
    fc.assert(
      fc.property(fc.integer({ min: -3_000_000, max: 3_000_000 }), (d) => {
        expect(parseDate(formatDate(d))).toBe(d);
      }),
    );
  });

  it('formats and parses timestamps with microseconds and offsets', () => {
    expect(formatTimestamp(-1n, true)).toBe('1969-12-31T23:59:59.999999Z');
    expect(parseTimestamp('2021-01-01T00:00:00.000Z')).toEqual({ micros: 1609459200000000n, hasZone: true });
    expect(parseTimestamp('2021-01-01 01:30:00+01:30')?.micros).toBe(1609459200000000n);
    expect(parseTimestamp('2021-01-01 00:00:00.1234567')).toEqual({
      micros: 1609459200123456n,
      hasZone: false,
    });
    expect(parseTimestamp('2021-01-01 24:00:00')).toBeUndefined();
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }), fc.boolean(), (micros, utc) => {
        expect(parseTimestamp(formatTimestamp(micros, utc))?.micros).toBe(micros);
      }),
    );
  });
});

describe('exact decimals', () => {
  it('parses decimal text exactly and formats with a fixed scale', () => {
    expect(parseExactNumber('1.50')).toEqual({ unscaled: 15n, scale: 1 });
    expect(parseExactNumber('-1e-7')).toEqual({ unscaled: -1n, scale: 7 });
    expect(parseExactNumber('2.5E3')).toEqual({ unscaled: 2500n, scale: 0 });
    expect(parseExactNumber('.5')).toEqual({ unscaled: 5n, scale: 1 });
    expect(parseExactNumber('abc')).toBeUndefined();
    expect(formatDecimal(-150n, 2)).toBe('-1.50');
    expect(formatDecimal(-5n, 3)).toBe('-0.005');
    expect(formatDecimal(7n, 0)).toBe('7');
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 38n), max: 10n ** 38n }),
        fc.integer({ min: 0, max: 38 }),
        (v, s) => {
          const back = parseExactNumber(formatDecimal(v, s));
          expect(back && back.unscaled * 10n ** BigInt(s - back.scale)).toBe(v);
        },
      ),
    );
  });
});
