import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  civilFromDays,
  daysFromCivil,
  escapePartitionPathSegment,
  formatDecimal,
  parsePartitionValue,
  serializePartitionValue,
  unescapePartitionPathSegment,
} from './partition.js';
import type { DataType } from './schema.js';
import { isDeltaError } from '../errors.js';

const t = (name: string): DataType => ({ type: name }) as DataType;
const dec = (precision: number, scale: number): DataType => ({ type: 'decimal', precision, scale });

describe('parsePartitionValue', () => {
  it('reads null, the empty string and the Hive default partition as null for every type', () => {
    for (const type of ['string', 'long', 'integer', 'date', 'timestamp', 'boolean', 'binary']) {
      expect(parsePartitionValue(null, t(type), 'c')).toBeNull();
      expect(parsePartitionValue('', t(type), 'c')).toBeNull();
      expect(parsePartitionValue('__HIVE_DEFAULT_PARTITION__', t(type), 'c')).toBeNull();
    }
    expect(parsePartitionValue('null', t('string'), 'c')).toBe('null');
  });

  it('parses integers by width, long exactly as bigint', () => {
    expect(parsePartitionValue('-128', t('byte'), 'c')).toBe(-128);
    expect(parsePartitionValue('32767', t('short'), 'c')).toBe(32767);
    expect(parsePartitionValue('-2147483648', t('integer'), 'c')).toBe(-2147483648);
    expect(parsePartitionValue('9223372036854775807', t('long'), 'c')).toBe(9223372036854775807n);
    expect(parsePartitionValue('1', t('long'), 'c')).toBe(1n);
  });

  it('refuses out-of-range and malformed numbers with CorruptData naming column and value', () => {
    for (const [raw, type] of [
      ['128', 'byte'],
      ['1.5', 'integer'],
      ['9223372036854775808', 'long'],
      ['abc', 'double'],
      ['yes', 'boolean'],
      ['2021-02-30', 'date'],
      ['2021-01-01 25:00:00', 'timestamp'],
      ['2021-01-01 10:00:00Z', 'timestamp_ntz'],
    ] as const) {
      let caught: unknown;
      try {
        parsePartitionValue(raw, t(type), 'my_col');
      } catch (err) {
        caught = err;
      }
      expect(isDeltaError(caught, 'CorruptData')).toBe(true);
      expect(String((caught as Error).message)).toContain('my_col');
      expect(String((caught as Error).message)).toContain(raw);
    }
  });

  it('parses floats, doubles and their special values', () => {
    expect(parsePartitionValue('1.0', t('double'), 'c')).toBe(1);
    expect(parsePartitionValue('0.1', t('float'), 'c')).toBe(Math.fround(0.1));
    expect(parsePartitionValue('NaN', t('double'), 'c')).toBeNaN();
    expect(parsePartitionValue('-Infinity', t('float'), 'c')).toBe(-Infinity);
    expect(parsePartitionValue('1e-7', t('double'), 'c')).toBe(1e-7);
  });

  it('parses decimals exactly as unscaled bigints, including scientific notation', () => {
    expect(parsePartitionValue('-2342342.23423', dec(12, 5), 'c')).toBe(-234234223423n);
    expect(parsePartitionValue('0.00004', dec(12, 5), 'c')).toBe(4n);
    expect(parsePartitionValue('234', dec(12, 5), 'c')).toBe(23400000n);
    expect(parsePartitionValue('1E-5', dec(12, 5), 'c')).toBe(1n);
    expect(parsePartitionValue('12345678901234567890123456789012345678', dec(38, 0), 'c')).toBe(
      12345678901234567890123456789012345678n,
    );
    expect(() => parsePartitionValue('0.000001', dec(12, 5), 'c')).toThrow(/fraction digits/);
    expect(() => parsePartitionValue('1000', dec(3, 0), 'c')).toThrow(/precision/);
  });

  it('parses dates and timestamps as UTC unless a zone is given', () => {
    expect(parsePartitionValue('1970-01-01', t('date'), 'c')).toBe(0);
    expect(parsePartitionValue('2021-09-08', t('date'), 'c')).toBe(18878);
    expect(parsePartitionValue('1969-12-31', t('date'), 'c')).toBe(-1);
    expect(parsePartitionValue('2021-09-08 11:11:11', t('timestamp'), 'c')).toBe(1631099471000000n);
    expect(parsePartitionValue('2021-09-08T11:11:11.5Z', t('timestamp'), 'c')).toBe(1631099471500000n);
    expect(parsePartitionValue('2021-09-08T13:11:11.000001+02:00', t('timestamp'), 'c')).toBe(
      1631099471000001n,
    );
    expect(parsePartitionValue('1969-01-01 00:00:00', t('timestamp'), 'c')).toBe(-31536000000000n);
    expect(parsePartitionValue('2013-07-05 17:01:00.123456', t('timestamp_ntz'), 'c')).toBe(
      1373043660123456n,
    );
  });

  it('parses booleans and binary', () => {
    expect(parsePartitionValue('true', t('boolean'), 'c')).toBe(true);
    expect(parsePartitionValue('FALSE', t('boolean'), 'c')).toBe(false);
    expect(parsePartitionValue('\u0001\u0002\u0003', t('binary'), 'c')).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('refuses complex partition types with InvalidSchema', () => {
    const struct: DataType = { type: 'struct', fields: [] };
    expect(() => parsePartitionValue('x', struct, 'c')).toThrow(/only primitive types/);
  });
});

describe('civil date arithmetic', () => {
  it('agrees with Date.UTC on a range of days', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), (days) => {
        const { year, month, day } = civilFromDays(days);
        expect(daysFromCivil(year, month, day)).toBe(days);
        const d = new Date(days * 86_400_000);
        expect([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]).toEqual([year, month, day]);
      }),
    );
  });
});

describe('serializePartitionValue', () => {
  it('writes the canonical forms', () => {
    expect(serializePartitionValue(null, t('string'))).toBeNull();
    expect(serializePartitionValue('', t('string'))).toBeNull();
    expect(serializePartitionValue(-1n, t('long'))).toBe('-1');
    expect(serializePartitionValue(-0, t('double'))).toBe('-0.0');
    expect(serializePartitionValue(-15n, dec(5, 2))).toBe('-0.15');
    expect(serializePartitionValue(18878, t('date'))).toBe('2021-09-08');
    expect(serializePartitionValue(1631099471000000n, t('timestamp'))).toBe('2021-09-08T11:11:11.000000Z');
    expect(serializePartitionValue(-1n, t('timestamp_ntz'))).toBe('1969-12-31 23:59:59.999999');
    expect(formatDecimal(7n, 0)).toBe('7');
  });

  it('refuses values of the wrong JavaScript type with InvalidArgument', () => {
    expect(() => serializePartitionValue('1', t('integer'))).toThrow(/cannot serialise/);
    expect(() => serializePartitionValue(1.5, t('long'))).toThrow(/cannot serialise/);
    expect(() => serializePartitionValue(new Uint8Array([0xff]), t('binary'))).toThrow(/cannot serialise/);
    expect(() => serializePartitionValue(1000n, dec(3, 0))).toThrow(/cannot serialise/);
  });
});

/** One arbitrary per primitive type, producing values in the parser's representation. */
const cases: ReadonlyArray<[DataType, fc.Arbitrary<unknown>]> = [
  [t('string'), fc.string({ minLength: 1 }).filter((s) => s !== '__HIVE_DEFAULT_PARTITION__')],
  [t('byte'), fc.integer({ min: -128, max: 127 })],
  [t('short'), fc.integer({ min: -32768, max: 32767 })],
  [t('integer'), fc.integer()],
  [t('long'), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })],
  [t('float'), fc.float()],
  [t('double'), fc.double()],
  [t('boolean'), fc.boolean()],
  [t('binary'), fc.string({ unit: 'binary', minLength: 1 }).map((s) => new TextEncoder().encode(s))],
  [t('date'), fc.integer({ min: -719162, max: 2932896 })],
  [t('timestamp'), fc.bigInt({ min: -62135596800000000n, max: 253402300799999999n })],
  [t('timestamp_ntz'), fc.bigInt({ min: -62135596800000000n, max: 253402300799999999n })],
  [dec(38, 10), fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n })],
  [dec(5, 0), fc.bigInt({ min: -99999n, max: 99999n })],
  [dec(4, 4), fc.bigInt({ min: -9999n, max: 9999n })],
];

describe('serialise → parse round-trip', () => {
  for (const [type, arbitrary] of cases) {
    const name = type.type === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.type;
    it(`round-trips every ${name}`, () => {
      fc.assert(
        fc.property(arbitrary, (value) => {
          const text = serializePartitionValue(value, type);
          expect(text).not.toBeNull();
          const back = parsePartitionValue(text, type, 'c');
          if (typeof value === 'number' && Number.isNaN(value)) expect(back).toBeNaN();
          else expect(Object.is(back, value) || back instanceof Uint8Array).toBe(true);
          if (back instanceof Uint8Array) expect(back).toEqual(value);
        }),
      );
    });
  }
});

describe('partition path escaping', () => {
  it('escapes what Spark escapes and nothing else', () => {
    expect(escapePartitionPathSegment('2021-11-18 02:30:00.123456')).toBe('2021-11-18 02%3A30%3A00.123456');
    expect(escapePartitionPathSegment('a=b/c%d#e')).toBe('a%3Db%2Fc%25d%23e');
    expect(escapePartitionPathSegment('\u0001é ü')).toBe('%01é ü');
    expect(unescapePartitionPathSegment('100%')).toBe('100%');
    expect(unescapePartitionPathSegment('a%3Db%2fc')).toBe('a=b/c');
  });

  it('round-trips any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const escaped = escapePartitionPathSegment(s);
        expect(escaped).not.toMatch(/[/=:]/);
        expect(unescapePartitionPathSegment(escaped)).toBe(s);
      }),
    );
  });
});
