import {
  Binary,
  type Data,
  Decimal,
  type DataType,
  FixedSizeBinary,
  Float64,
  Int16,
  Int64,
  Int8,
  LargeUtf8,
  TimestampMicrosecond,
  Utf8,
  makeData,
  vectorFromArray,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { takeData } from './take.js';

/** A column of `type` from arbitrary values (null where the arbitrary says so). */
function column(type: DataType, values: unknown[]): Data {
  const data = vectorFromArray(values, type).data[0];
  if (data === undefined) throw new Error('vectorFromArray gave no data');
  return data;
}

/** Row `i` of `data` through apache-arrow's own accessor: the reference the gather must match. */
function rowsOf(data: Data, indices: ArrayLike<number>): unknown[] {
  const vector = vectorFromArray([], data.type);
  const whole = vector.constructor as unknown as { new (d: Data[]): { get(i: number): unknown } };
  const v = new whole([data]);
  return Array.from(indices, (i) => normalise(v.get(i)));
}

function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array || value instanceof Uint32Array) return [...value];
  return value;
}

const bigints = fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: null });
const strings = fc.option(fc.string({ unit: 'grapheme', maxLength: 70 }), { nil: null });

/** Types with an arbitrary of their values, wide and narrow, fixed and variable width. */
const cases: Array<[string, DataType, fc.Arbitrary<unknown>]> = [
  ['int8', new Int8(), fc.option(fc.integer({ min: -128, max: 127 }), { nil: null })],
  ['int16', new Int16(), fc.option(fc.integer({ min: -32768, max: 32767 }), { nil: null })],
  ['int64', new Int64(), bigints],
  ['float64', new Float64(), fc.option(fc.double(), { nil: null })],
  ['timestamp', new TimestampMicrosecond('UTC'), fc.option(fc.integer(), { nil: null })],
  ['utf8 (short and long values)', new Utf8(), strings],
  ['large utf8', new LargeUtf8(), strings],
  ['binary', new Binary(), fc.option(fc.uint8Array({ maxLength: 50 }), { nil: null })],
];

describe('takeData', () => {
  for (const [name, type, values] of cases) {
    it(`gathers ${name} rows in any order, repeats and slices included`, () => {
      fc.assert(
        fc.property(
          fc.array(values, { minLength: 1, maxLength: 60 }),
          fc.nat(),
          fc.array(fc.nat(), { maxLength: 80 }),
          (vals, cut, picks) => {
            const whole = column(type, vals);
            const start = cut % vals.length;
            const data = whole.slice(start, vals.length - start);
            const indices = Int32Array.from(picks.map((p) => p % data.length));
            const out = takeData(data, indices);
            expect(out.length).toBe(indices.length);
            expect(rowsOf(out, [...indices.keys()])).toEqual(rowsOf(data, indices));
          },
        ),
      );
    });
  }

  it('gathers decimals (four words a value) and odd-width fixed-size binary byte for byte', () => {
    const words = Uint32Array.from({ length: 12 }, (_, i) => i * 7919);
    const decimal = makeData({ type: new Decimal(2, 38, 128), length: 3, nullCount: 0, data: words });
    const picked = takeData(decimal, Int32Array.of(2, 0, 2));
    expect([...(picked.values as Uint32Array)]).toEqual([
      ...words.subarray(8, 12),
      ...words.subarray(0, 4),
      ...words.subarray(8, 12),
    ]);
    const bytes = Uint8Array.from({ length: 15 }, (_, i) => i + 1);
    const fixed = makeData({ type: new FixedSizeBinary(5), length: 3, nullCount: 0, data: bytes });
    const out = takeData(fixed.slice(1, 2), Int32Array.of(1, 0));
    expect([...(out.values as Uint8Array)]).toEqual([11, 12, 13, 14, 15, 6, 7, 8, 9, 10]);
  });
});
