import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StructType } from '../protocol/schema.js';
import { assignColumnMapping } from './column-mapping.js';
import { computeStats, truncateMax, truncateMin, withWideBounds } from './stats.js';
import { parseStatsColumns } from './stats-columns.js';
import { batchOf, testField as f } from './test-data.js';

const schema: StructType = {
  type: 'struct',
  fields: [
    f('a', { type: 'long' }),
    f('s', { type: 'struct', fields: [f('x', { type: 'double' }), f('y', { type: 'boolean' })] }),
    f('arr', { type: 'array', elementType: { type: 'integer' }, containsNull: true }),
    f('t', { type: 'string' }),
    f('p', { type: 'integer' }),
  ],
};
const rows = [
  { a: 2n ** 60n + 1n, s: { x: 1.5, y: true }, arr: [1], t: 'b', p: 1 },
  { a: -3n, s: null, arr: null, t: null, p: 1 },
  { a: null, s: { x: Number.NaN, y: null }, arr: [], t: 'a', p: 1 },
];
const stats = (configuration: Record<string, string> = {}, s: StructType = schema) =>
  computeStats([batchOf(s, rows)], s, { mode: 'name', partitionColumns: ['p'], configuration });

describe('computeStats', () => {
  it('writes exact longs, nested null counts (struct nulls included), no max after NaN, no bounds for booleans and arrays', () => {
    expect(stats()).toBe(
      '{"numRecords":3,"minValues":{"a":-3,"s":{"x":1.5},"t":"a"},"maxValues":{"a":1152921504606846977,"t":"b"},' +
        '"nullCount":{"a":1,"s":{"x":1,"y":2},"arr":1,"t":1}}',
    );
  });

  it('indexes the first N leaves (partition columns never) or the listed columns', () => {
    expect(JSON.parse(stats({ 'delta.dataSkippingNumIndexedCols': '2' })).nullCount).toEqual({
      a: 1,
      s: { x: 1 },
    });
    expect(JSON.parse(stats({ 'delta.dataSkippingNumIndexedCols': '0' }))).toEqual({
      numRecords: 3,
      minValues: {},
      maxValues: {},
      nullCount: {},
    });
    expect(JSON.parse(stats({ 'delta.dataSkippingStatsColumns': 's.y, `t`, p' })).nullCount).toEqual({
      s: { y: 2 },
      t: 1,
    });
    expect(() => stats({ 'delta.dataSkippingNumIndexedCols': 'many' })).toThrow(/dataSkippingNumIndexedCols/);
    expect(parseStatsColumns('a, `b.c`.d ,`x``y`')).toEqual([['a'], ['b.c', 'd'], ['x`y']]);
  });

  it('keys statistics by physical names under column mapping', () => {
    const mapped = assignColumnMapping(schema, { mode: 'name', maxColumnId: 0 }).schema;
    const physical = (i: number) => String(mapped.fields[i]?.metadata['delta.columnMapping.physicalName']);
    const json = JSON.parse(stats({}, mapped).replace(/:(-?\d{16,})/g, ':"$1"')) as {
      nullCount: Record<string, unknown>;
    };
    expect(Object.keys(json.nullCount)).toEqual([physical(0), physical(1), physical(2), physical(3)]);
  });

  it('truncates string bounds soundly', () => {
    const long = 'x'.repeat(40);
    expect(truncateMin(long)).toBe('x'.repeat(32));
    expect(truncateMax(long)).toBe(`${'x'.repeat(31)}y`);
    expect(truncateMax(`${'x'.repeat(31)}\u{10FFFF}zz`)).toBe(`${'x'.repeat(30)}y`);
    expect(truncateMax(`${'x'.repeat(31)}\uD7FF!`)).toBe(`${'x'.repeat(31)}\uE000`);
    expect(truncateMax('\u{10FFFF}'.repeat(33))).toBeUndefined();
    expect(truncateMax('short')).toBe('short');
  });
});

describe('withWideBounds', () => {
  it('marks stats of files with deleted rows as wide, keeping every digit', () => {
    const exact = '{"numRecords":2,"minValues":{"a":1152921504606846977}}';
    expect(withWideBounds(exact, 0)).toBe(exact);
    expect(withWideBounds(exact, 1)).toBe(
      '{"tightBounds":false,"numRecords":2,"minValues":{"a":1152921504606846977}}',
    );
    expect(withWideBounds('{"numRecords":2,"tightBounds":true}', 1)).toBe(
      '{"numRecords":2,"tightBounds":false}',
    );
    expect(withWideBounds('{"minValues":{"s":"\\"tightBounds\\":true"},"tightBounds": true}', 1)).toBe(
      '{"minValues":{"s":"\\"tightBounds\\":true"},"tightBounds": false}',
    );
    expect(withWideBounds('{}', 3)).toBe('{"tightBounds":false}');
    expect(withWideBounds(undefined, 3)).toBeUndefined();
  });
});

describe('computeStats: column loops', () => {
  it('bounds null-free numeric columns (one loop per column) exactly as the row-by-row path does', () => {
    const numeric: StructType = {
      type: 'struct',
      fields: [
        f('l', { type: 'long' }),
        f('ts', { type: 'timestamp' }),
        f('i', { type: 'integer' }),
        f('d', { type: 'double' }),
        f('r', { type: 'float' }),
        f('dt', { type: 'date' }),
      ],
    };
    const double = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, -0, 0));
    const row = fc.record({
      l: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      ts: fc.bigInt({ min: -(2n ** 50n), max: 2n ** 50n }),
      i: fc.integer(),
      d: double,
      r: double.map(Math.fround),
      dt: fc.integer({ min: -100_000, max: 100_000 }),
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 30 }), fc.nat(5), (values, skip) => {
        const nullRow = { l: null, ts: null, i: null, d: null, r: null, dt: null };
        const options = { mode: 'none' as const, partitionColumns: [], configuration: {} };
        // Without nulls the loop path runs; one null row forces the row-by-row path.
        const fast = JSON.parse(computeStats([batchOf(numeric, values)], numeric, options));
        const slow = JSON.parse(computeStats([batchOf(numeric, [...values, nullRow])], numeric, options));
        expect(fast.minValues).toEqual(slow.minValues);
        expect(fast.maxValues).toEqual(slow.maxValues);
        // A sliced batch reads from its offset.
        const sliced = batchOf(numeric, values).slice(Math.min(skip, values.length - 1));
        const rest = values.slice(Math.min(skip, values.length - 1));
        expect(computeStats([sliced], numeric, options)).toEqual(
          computeStats([batchOf(numeric, rest)], numeric, options),
        );
      }),
    );
  });

  it('bounds strings by unsigned UTF-8 bytes, nulls counted, from sliced batches too', () => {
    const strings: StructType = { type: 'struct', fields: [f('s', { type: 'string' })] };
    const utf8 = new TextEncoder();
    const byBytes = (a: string, b: string): number => {
      const x = utf8.encode(a);
      const y = utf8.encode(b);
      for (let k = 0; k < Math.min(x.length, y.length); k++)
        if (x[k] !== y[k]) return (x[k] ?? 0) - (y[k] ?? 0);
      return x.length - y.length;
    };
    const value = fc.option(fc.string({ unit: 'binary', maxLength: 12 }), { nil: null });
    const options = { mode: 'none' as const, partitionColumns: [], configuration: {} };
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), fc.nat(), (values, cut) => {
        const from = cut % values.length;
        const batch = batchOf(
          strings,
          values.map((s) => ({ s })),
        ).slice(from);
        const kept = values.slice(from);
        const got = JSON.parse(computeStats([batch], strings, options));
        const present = kept.filter((v): v is string => v !== null).sort(byBytes);
        expect(got.nullCount).toEqual({ s: kept.length - present.length });
        // Bounds are truncated at 32 characters; these values (at most 12 code points) never are.
        expect(got.minValues.s).toBe(present[0]);
        expect(got.maxValues.s).toBe(present.at(-1));
      }),
    );
  });
});
