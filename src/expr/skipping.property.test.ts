import {
  type Data,
  DateDay,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
  type DataType as ArrowType,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DataType, StructType } from '../protocol/schema.js';
import { evaluatePredicate } from './evaluate.js';
import { compareBytes } from './numbers.js';
import { parsePredicate } from './parse.js';
import { printExpr } from './print.js';
import { mayMatchFile, parseFileStats } from './skipping.js';
import { formatDate, formatTimestamp } from './temporal.js';

/**
 * Property: data skipping never drops a file holding a matching row. Random small files, exact
 * statistics computed from their rows (written the way writers write them: strings possibly
 * truncated, timestamps cut to milliseconds, NaN left out, longs as lossy JSON numbers), random
 * predicates; whenever the evaluator selects a row, `mayMatchFile` must say "maybe".
 */

type Row = {
  i: number | null;
  l: bigint | null;
  s: string | null;
  x: number | null;
  d: number | null;
  t: bigint | null;
};

const INTS = [-5, -1, 0, 1, 2, 3, 7, 100];
const LONGS = [-(2n ** 62n), -1n, 0n, 1n, 5n, 2n ** 53n + 1n, 2n ** 62n];
const STRINGS = ['', 'a', 'ab', 'abc', 'abd', 'b', 'ba', 'z', '€', 'é', '\u{1F600}', 'a\u{FFFF}'];
const DOUBLES = [-1.5, -0, 0, 0.1, 1.5, 2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const DATES = [-400, -1, 0, 1, 18262, 18263];
const TIMESTAMPS = [-1_500n, -1n, 0n, 999n, 1_000n, 1_001n, 1_577_872_800_123_456n];

const field = (name: string, type: DataType) => ({ name, type, nullable: true, metadata: {} });
const schema: StructType = {
  type: 'struct',
  fields: [
    field('i', { type: 'integer' }),
    field('l', { type: 'long' }),
    field('s', { type: 'string' }),
    field('x', { type: 'double' }),
    field('d', { type: 'date' }),
    field('t', { type: 'timestamp' }),
    field('p', { type: 'integer' }),
  ],
};

const nullable = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { nil: null, freq: 4 });
const rowArb: fc.Arbitrary<Row> = fc.record({
  i: nullable(fc.constantFrom(...INTS)),
  l: nullable(fc.constantFrom(...LONGS)),
  s: nullable(fc.constantFrom(...STRINGS)),
  x: nullable(fc.constantFrom(...DOUBLES)),
  d: nullable(fc.constantFrom(...DATES)),
  t: nullable(fc.constantFrom(...TIMESTAMPS)),
});
const fileArb = fc.record({
  rows: fc.array(rowArb, { minLength: 0, maxLength: 8 }),
  p: nullable(fc.constantFrom(1, 2, 3)),
  truncate: fc.integer({ min: 0, max: 3 }),
});

function literalArb(column: string): fc.Arbitrary<string> {
  switch (column) {
    case 'i':
    case 'p':
      return fc.constantFrom(...INTS, 2.5, -0.5).map(String);
    case 'l':
      return fc.constantFrom(...LONGS).map(String);
    case 's':
      return fc.constantFrom(...STRINGS, 'abcd', 'aa').map((s) => `'${s}'`);
    case 'x':
      return fc.constantFrom(...DOUBLES).map((v) => (Number.isFinite(v) ? String(v) : `'${v}'`));
    case 'd':
      return fc.constantFrom(...DATES).map((v) => `DATE '${formatDate(v)}'`);
    default:
      return fc.constantFrom(...TIMESTAMPS, 500n).map((v) => `TIMESTAMP '${formatTimestamp(v, true)}'`);
  }
}

const columnArb = fc.constantFrom('i', 'l', 's', 'x', 'd', 't', 'p');
const atomArb: fc.Arbitrary<string> = columnArb.chain((c) =>
  fc.oneof(
    fc
      .tuple(fc.constantFrom('=', '!=', '<', '<=', '>', '>='), literalArb(c))
      .map(([op, v]) => `${c} ${op} ${v}`),
    fc.boolean().map((neg) => `${c} IS ${neg ? 'NOT ' : ''}NULL`),
    fc
      .tuple(fc.boolean(), fc.array(literalArb(c), { minLength: 1, maxLength: 3 }), fc.boolean())
      .map(
        ([neg, items, withNull]) =>
          `${c} ${neg ? 'NOT ' : ''}IN (${[...items, ...(withNull ? ['NULL'] : [])].join(', ')})`,
      ),
  ),
);
const predicateArb: fc.Arbitrary<string> = fc.letrec<{ p: string }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atomArb,
    fc.tuple(tie('p'), fc.constantFrom('AND', 'OR'), tie('p')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
    tie('p').map((a) => `NOT (${a})`),
  ),
})).p;

function batchOf(rows: Row[], p: number | null): RecordBatch {
  const col = <T>(pick: (r: Row) => T): T[] => rows.map(pick);
  const dates = col((r) => r.d);
  const times = col((r) => r.t);
  const nullBitmap = (values: unknown[]): Uint8Array => {
    const out = new Uint8Array(Math.ceil(values.length / 8) + 1);
    values.forEach((v, k) => {
      if (v !== null) out[k >> 3] = (out[k >> 3] ?? 0) | (1 << (k & 7));
    });
    return out;
  };
  const children: Array<[string, Data]> = [
    [
      'i',
      vectorFromArray(
        col((r) => r.i),
        new Int32(),
      ).data[0] as Data,
    ],
    [
      'l',
      vectorFromArray(
        col((r) => r.l),
        new Int64(),
      ).data[0] as Data,
    ],
    [
      's',
      vectorFromArray(
        col((r) => r.s),
        new Utf8(),
      ).data[0] as Data,
    ],
    [
      'x',
      vectorFromArray(
        col((r) => r.x),
        new Float64(),
      ).data[0] as Data,
    ],
    [
      'd',
      makeData({
        type: new DateDay(),
        length: rows.length,
        nullCount: dates.filter((v) => v === null).length,
        nullBitmap: nullBitmap(dates),
        data: Int32Array.from(dates, (v) => v ?? 0),
      }),
    ],
    [
      't',
      makeData({
        type: new TimestampMicrosecond('UTC'),
        length: rows.length,
        nullCount: times.filter((v) => v === null).length,
        nullBitmap: nullBitmap(times),
        data: BigInt64Array.from(times, (v) => v ?? 0n),
      }),
    ],
    [
      'p',
      vectorFromArray(
        rows.map(() => p),
        new Int32(),
      ).data[0] as Data,
    ],
  ];
  const fields = children.map(([name, data]) => new Field(name, data.type as ArrowType, true));
  const data = makeData({
    type: new Struct(fields),
    length: rows.length,
    nullCount: 0,
    children: children.map(([, d]) => d),
  });
  return new RecordBatch(new Schema(fields), data);
}

const utf8 = new TextEncoder();
const byUtf8 = (a: string, b: string): number => compareBytes(utf8.encode(a), utf8.encode(b));

/** Statistics JSON as a writer produces it for these rows. */
function statsJson(rows: Row[], truncate: number): string {
  const minValues: Record<string, unknown> = {};
  const maxValues: Record<string, unknown> = {};
  const nullCount: Record<string, number> = {};
  const add = <T>(
    name: string,
    values: Array<T | null>,
    order: (a: T, b: T) => number,
    json: (v: T, side: 'min' | 'max') => unknown,
  ) => {
    const present = values.filter((v): v is T => v !== null);
    nullCount[name] = values.length - present.length;
    if (present.length === 0) return;
    const sorted = [...present].sort(order);
    minValues[name] = json(sorted[0] as T, 'min');
    maxValues[name] = json(sorted[sorted.length - 1] as T, 'max');
  };
  add(
    'i',
    rows.map((r) => r.i),
    (a, b) => a - b,
    (v) => v,
  );
  add(
    'l',
    rows.map((r) => r.l),
    (a, b) => (a < b ? -1 : a > b ? 1 : 0),
    (v) => Number(v),
  );
  add(
    's',
    rows.map((r) => r.s),
    byUtf8,
    (v) => (truncate > 0 ? Array.from(v).slice(0, truncate).join('') : v),
  );
  add(
    'x',
    rows.map((r) => (r.x !== null && Number.isNaN(r.x) ? null : r.x)),
    (a, b) => a - b,
    (v) => (Number.isFinite(v) ? v : String(v)),
  );
  nullCount.x = rows.filter((r) => r.x === null).length;
  add(
    'd',
    rows.map((r) => r.d),
    (a, b) => a - b,
    (v) => formatDate(v),
  );
  add(
    't',
    rows.map((r) => r.t),
    (a, b) => (a < b ? -1 : a > b ? 1 : 0),
    (v) => {
      const ms = v >= 0n ? (v / 1000n) * 1000n : ((v - 999n) / 1000n) * 1000n;
      return formatTimestamp(ms, true).replace(/(\.\d{3})\d{3}Z$/, '$1Z');
    },
  );
  return JSON.stringify({ numRecords: rows.length, minValues, maxValues, nullCount });
}

describe('data skipping (property)', () => {
  it('never skips a file that holds a matching row', () => {
    fc.assert(
      fc.property(fc.array(fileArb, { minLength: 1, maxLength: 4 }), predicateArb, (files, where) => {
        const expr = parsePredicate(where, schema);
        for (const file of files) {
          const selected = evaluatePredicate(expr, batchOf(file.rows, file.p));
          if (!selected.includes(1)) continue;
          const stats = parseFileStats(statsJson(file.rows, file.truncate), schema);
          const keep = mayMatchFile(expr, { partitionValues: { p: file.p }, stats }, schema);
          expect(keep, `${where} on ${statsJson(file.rows, file.truncate)}`).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('skips some files (the analysis is not trivially "maybe")', () => {
    let skipped = 0;
    fc.assert(
      fc.property(fileArb, atomArb, (file, where) => {
        const stats = parseFileStats(statsJson(file.rows, 0), schema);
        if (!mayMatchFile(parsePredicate(where, schema), { partitionValues: { p: file.p }, stats }, schema))
          skipped++;
      }),
      { numRuns: 300 },
    );
    expect(skipped).toBeGreaterThan(30);
  });
});

describe('printExpr (property)', () => {
  it('parse(print(e)) equals e', () => {
    fc.assert(
      fc.property(predicateArb, (where) => {
        const expr = parsePredicate(where, schema);
        expect(parsePredicate(printExpr(expr), schema)).toEqual(expr);
      }),
      { numRuns: 500 },
    );
  });
});
