import { describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import type { DataType, StructType } from '../protocol/schema.js';
import { parsePredicate } from './parse.js';
import { type FileStats, mayMatchFile, parseFileStats } from './skipping.js';

function f(name: string, type: DataType, metadata: Record<string, unknown> = {}) {
  return { name, type, nullable: true, metadata };
}

const schema: StructType = {
  type: 'struct',
  fields: [
    f('id', { type: 'long' }),
    f('name', { type: 'string' }),
    f('x', { type: 'double' }),
    f('fl', { type: 'float' }),
    f('ts', { type: 'timestamp' }),
    f('d', { type: 'date' }),
    f('price', { type: 'decimal', precision: 10, scale: 2 }),
    f('part', { type: 'integer' }),
    f('s', { type: 'struct', fields: [f('c', { type: 'integer' })] }),
  ],
};

const stats: FileStats = {
  numRecords: 10,
  minValues: {
    id: 10,
    name: 'banana',
    x: 1.5,
    fl: 1.1,
    ts: '2021-01-01T00:00:00.000Z',
    d: '2021-01-01',
    price: 1.5,
    s: { c: 5 },
  },
  maxValues: {
    id: 20,
    name: 'cherry',
    x: 2.5,
    fl: 2.2,
    ts: '2021-01-01T10:00:00.123Z',
    d: '2021-12-31',
    price: '99.99',
    s: { c: 9 },
  },
  nullCount: { id: 0, name: 2, x: 0, fl: 0, ts: 0, d: 0, price: 0, s: { c: 10 } },
};

function may(
  where: string,
  file: { partitionValues?: Record<string, unknown>; stats?: FileStats } = {},
): boolean {
  return mayMatchFile(
    parsePredicate(where, schema),
    { partitionValues: file.partitionValues ?? { part: 3 }, stats: 'stats' in file ? file.stats : stats },
    schema,
  );
}

describe('mayMatchFile with statistics', () => {
  it('skips files whose ranges exclude the predicate', () => {
    expect(may('id = 15')).toBe(true);
    expect(may('id = 21')).toBe(false);
    expect(may('id < 10')).toBe(false);
    expect(may('id <= 10')).toBe(true);
    expect(may('id > 20')).toBe(false);
    expect(may('id >= 20')).toBe(true);
    expect(may('id IN (1, 2, 30)')).toBe(false);
    expect(may('id IN (1, 15)')).toBe(true);
    expect(may('id BETWEEN 21 AND 30 OR id = 5')).toBe(false);
    expect(may('id = 15 AND id = 25')).toBe(false);
  });

  it('reasons with null counts', () => {
    expect(may('id IS NULL')).toBe(false);
    expect(may('name IS NULL')).toBe(true);
    expect(may('s.c IS NOT NULL')).toBe(false);
    expect(may('s.c = 7')).toBe(false);
    expect(may('NOT (s.c = 7)')).toBe(false);
    expect(may('s.c IS NULL')).toBe(true);
  });

  it('uses NOT and != only when all values are known equal', () => {
    const single: FileStats = {
      numRecords: 3,
      minValues: { id: 7 },
      maxValues: { id: 7 },
      nullCount: { id: 0 },
    };
    expect(may('id != 7', { stats: single })).toBe(false);
    expect(may('NOT (id = 7)', { stats: single })).toBe(false);
    expect(may('id != 8', { stats: single })).toBe(true);
    expect(may('NOT (id = 15)')).toBe(true);
    expect(may('NOT (id > 5)')).toBe(false);
  });

  it('treats string maxima as possibly truncated prefixes', () => {
    expect(may("name = 'apple'")).toBe(false);
    expect(may("name = 'cherry pie'")).toBe(true);
    expect(may("name > 'cherry'")).toBe(true);
    expect(may("name >= 'cherrz'")).toBe(false);
    expect(may("name < 'banana'")).toBe(false);
  });

  it('widens timestamp bounds by a millisecond', () => {
    expect(may("ts = TIMESTAMP '2021-01-01 10:00:00.123999'")).toBe(true);
    expect(may("ts > TIMESTAMP '2021-01-01 10:00:00.123456'")).toBe(true);
    expect(may("ts > TIMESTAMP '2021-01-01 10:00:00.125'")).toBe(false);
    expect(may("ts < TIMESTAMP '2020-12-31 23:59:59.999'")).toBe(false);
    expect(may("ts < TIMESTAMP '2021-01-01 01:00:00+02:00'")).toBe(false);
    expect(may("ts < TIMESTAMP '2021-01-01 01:00:00-02:00'")).toBe(true);
  });

  it('handles dates, decimals given as numbers or strings, and floats', () => {
    expect(may("d = '2022-01-01'")).toBe(false);
    expect(may("d >= '2021-06-01'")).toBe(true);
    expect(may('price > 99.99')).toBe(false);
    expect(may('price < 1.50')).toBe(false);
    expect(may('price = 50')).toBe(true);
    expect(may('fl = 1.1')).toBe(true);
    expect(may('fl = 2.2')).toBe(true);
    expect(may('fl < 1.1')).toBe(false);
    expect(may('x < 1')).toBe(false);
    // NaN may hide above the maximum, and NaN > anything.
    expect(may('x > 100')).toBe(true);
    expect(may('x = 100')).toBe(false);
  });

  it('keeps every file when statistics are missing or unusable', () => {
    expect(may('id = 999', { stats: undefined })).toBe(true);
    expect(may('id = 999', { stats: { numRecords: 5 } })).toBe(true);
    expect(may('id = 999', { stats: { minValues: { id: 'garbage' }, maxValues: {} } })).toBe(true);
    expect(may('id = 999', { stats: { numRecords: 0 } })).toBe(false);
  });

  it('does not trust longs that JSON numbers cannot hold exactly', () => {
    const big: FileStats = { minValues: { id: 2 ** 60 }, maxValues: { id: 2 ** 60 }, nullCount: { id: 0 } };
    expect(may('id = 1152921504606846977', { stats: big })).toBe(true);
  });
});

describe('mayMatchFile with partition values', () => {
  it('evaluates partition predicates exactly', () => {
    expect(may('part = 3')).toBe(true);
    expect(may('part = 4')).toBe(false);
    expect(may('part != 3')).toBe(false);
    expect(may('part IS NULL')).toBe(false);
    expect(may('part IS NULL', { partitionValues: { part: null } })).toBe(true);
    expect(may('part = 3', { partitionValues: { part: null } })).toBe(false);
    expect(may('part > 2 AND id = 15')).toBe(true);
    expect(may('part > 3 OR id = 15')).toBe(true);
    expect(may('part > 3 OR id = 99')).toBe(false);
  });
});

describe('parseFileStats', () => {
  const mapped: StructType = {
    type: 'struct',
    fields: [
      f('id', { type: 'long' }, { 'delta.columnMapping.physicalName': 'col-1' }),
      f(
        's',
        {
          type: 'struct',
          fields: [f('c', { type: 'integer' }, { 'delta.columnMapping.physicalName': 'col-3' })],
        },
        {
          'delta.columnMapping.physicalName': 'col-2',
        },
      ),
    ],
  };
  const physical = (path: readonly string[]): string[] => {
    const names: Record<string, string> = { id: 'col-1', s: 'col-2', 's.c': 'col-3' };
    return path.map((_, i) => names[path.slice(0, i + 1).join('.')] ?? '?');
  };

  it('re-keys physical names to logical names', () => {
    const json = JSON.stringify({
      numRecords: 4,
      minValues: { 'col-1': 1, 'col-2': { 'col-3': 5 } },
      maxValues: { 'col-1': 9, 'col-2': { 'col-3': 6 } },
      nullCount: { 'col-1': 0, 'col-2': { 'col-3': 1 } },
      tightBounds: false,
    });
    expect(parseFileStats(json, mapped, physical)).toEqual({
      numRecords: 4,
      minValues: { id: 1, s: { c: 5 } },
      maxValues: { id: 9, s: { c: 6 } },
      nullCount: { id: 0, s: { c: 1 } },
      tightBounds: false,
    });
    const parsed = parseFileStats(json, mapped, physical);
    expect(
      mayMatchFile(parsePredicate('s.c = 7', mapped), { partitionValues: {}, stats: parsed }, mapped),
    ).toBe(false);
  });

  it('returns undefined for missing stats and rejects malformed ones', () => {
    expect(parseFileStats(undefined, schema)).toBeUndefined();
    expect(parseFileStats('', schema)).toBeUndefined();
    for (const bad of ['{', '[1]', '{"numRecords": -1}', '{"minValues": 3}']) {
      let error: unknown;
      try {
        parseFileStats(bad, schema, undefined, 'part-0.parquet');
      } catch (err) {
        error = err;
      }
      expect(isDeltaError(error, 'CorruptLog'), bad).toBe(true);
      expect(String(error)).toMatch(/part-0\.parquet/);
    }
  });
});
