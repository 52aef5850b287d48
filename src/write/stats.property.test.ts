import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePredicate } from '../expr/evaluate.js';
import { parsePredicate } from '../expr/parse.js';
import { mayMatchFile, parseFileStats } from '../expr/skipping.js';
import { compareBytes } from '../expr/numbers.js';
import { formatDate, formatTimestamp, parseDate, parseTimestamp } from '../expr/temporal.js';
import { formatDecimal } from '../protocol/partition.js';
import type { StructType } from '../protocol/schema.js';
import { computeStats } from './stats.js';
import { batchOf, testField as f } from './test-data.js';

/**
 * Property: statistics written by the writer never make our reader skip a file that holds a
 * matching row. Random files over every type with bounds (long strings sharing prefixes, code
 * points at the top of Unicode, NaN and infinities, sub-millisecond timestamps, exact longs beyond
 * 2^53, nested fields), random predicates; whenever a row matches, `mayMatchFile` must say maybe.
 */

const schema: StructType = {
  type: 'struct',
  fields: [
    f('i', { type: 'integer' }),
    f('l', { type: 'long' }),
    f('s', { type: 'string' }),
    f('x', { type: 'double' }),
    f('r', { type: 'float' }),
    f('d', { type: 'date' }),
    f('t', { type: 'timestamp' }),
    f('n', { type: 'timestamp_ntz' }),
    f('m', { type: 'decimal', precision: 10, scale: 2 }),
    f('st', { type: 'struct', fields: [f('a', { type: 'integer' }), f('b', { type: 'string' })] }),
  ],
};

const LONG_A = 'a'.repeat(31);
const POOLS = {
  i: [-5, -1, 0, 1, 7, 100],
  l: [-(2n ** 62n), -1n, 0n, 2n ** 53n + 1n, 2n ** 53n + 2n, 2n ** 62n],
  s: [
    '',
    'a',
    LONG_A,
    `${LONG_A}b`,
    `${LONG_A}bc`,
    `${LONG_A}c`,
    `${LONG_A}\u{10FFFF}x`,
    `${LONG_A}\u{10FFFF}\u{10FFFF}`,
    `${LONG_A}\uFFFFz`,
    `${LONG_A}\u{1F600}yy`,
    '\u{10FFFF}'.repeat(40),
    'é'.repeat(33),
    'z',
  ],
  x: [-1.5, -0, 0, 0.1, 2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
  r: [Math.fround(0.1), Math.fround(-2.7), 0, Math.fround(1e20)],
  d: [-400, -1, 0, 18262],
  t: [-1_500n, -1n, 0n, 999n, 1_000n, 1_001n, 1_577_872_800_123_456n],
  n: [-1_001n, 0n, 1n, 86_399_999_999n],
  m: [-12_345n, -1n, 0n, 150n, 99_999_999n],
} as const;

type Column = keyof typeof POOLS;
const nullable = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { nil: null, freq: 4 });
const value = (c: Column) => nullable(fc.constantFrom<unknown>(...POOLS[c]));
const rowArb = fc.record({
  i: value('i'),
  l: value('l'),
  s: value('s'),
  x: value('x'),
  r: value('r'),
  d: value('d'),
  t: value('t'),
  n: value('n'),
  m: value('m'),
  st: nullable(fc.record({ a: value('i'), b: value('s') })),
});

function literal(c: Column, v: unknown): string {
  switch (c) {
    case 's':
      return `'${String(v)}'`;
    case 'x':
    case 'r':
      return Number.isFinite(v as number) ? String(v) : `'${String(v)}'`;
    case 'd':
      return `DATE '${formatDate(v as number)}'`;
    case 't':
      return `TIMESTAMP '${formatTimestamp(v as bigint, true)}'`;
    case 'n':
      return `TIMESTAMP_NTZ '${formatTimestamp(v as bigint, false)}'`;
    case 'm':
      return formatDecimal(v as bigint, 2);
    default:
      return String(v);
  }
}

const columns: [string, Column][] = [
  ['i', 'i'],
  ['l', 'l'],
  ['s', 's'],
  ['x', 'x'],
  ['r', 'r'],
  ['d', 'd'],
  ['t', 't'],
  ['n', 'n'],
  ['m', 'm'],
  ['st.a', 'i'],
  ['st.b', 's'],
];
const atomArb = fc.constantFrom(...columns).chain(([name, pool]) =>
  fc.oneof(
    fc
      .tuple(fc.constantFrom('=', '!=', '<', '<=', '>', '>='), fc.constantFrom<unknown>(...POOLS[pool]))
      .map(([op, v]) => `${name} ${op} ${literal(pool, v)}`),
    fc.boolean().map((neg) => `${name} IS ${neg ? 'NOT ' : ''}NULL`),
  ),
);
const predicateArb = fc.oneof(
  atomArb,
  fc.tuple(atomArb, fc.constantFrom('AND', 'OR'), atomArb).map(([a, op, b]) => `(${a}) ${op} (${b})`),
);

describe('writer statistics and data skipping', () => {
  it('never let a file with a matching row be skipped', () => {
    fc.assert(
      fc.property(
        fc.array(rowArb, { minLength: 1, maxLength: 6 }),
        predicateArb,
        fc.constantFrom('-1', '3', '11'),
        (rows, predicate, indexed) => {
          const batch = batchOf(schema, rows);
          const stats = computeStats([batch], schema, {
            mode: 'none',
            partitionColumns: [],
            configuration: { 'delta.dataSkippingNumIndexedCols': indexed },
          });
          const expr = parsePredicate(predicate, schema);
          const matches = evaluatePredicate(expr, batch).some((v) => v === 1);
          if (!matches) return;
          const parsed = parseFileStats(stats, schema);
          expect(
            mayMatchFile(expr, { partitionValues: {}, stats: parsed }, schema),
            `${predicate}\n${stats}`,
          ).toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('bound every value exactly, for readers that compare without slack', () => {
    const utf8 = new TextEncoder();
    // Comparable form of a value and of a bound from the JSON (numbers kept as their text).
    const key = (column: Column, v: unknown): number | bigint | Uint8Array => {
      switch (column) {
        case 's':
          return utf8.encode(String(v));
        case 'l':
        case 'm':
          return typeof v === 'bigint' ? v : BigInt(String(v).replace('.', ''));
        case 'd':
          return typeof v === 'number' ? v : (parseDate(String(v)) ?? Number.NaN);
        case 't':
        case 'n':
          return typeof v === 'bigint' ? v : (parseTimestamp(String(v))?.micros ?? 0n);
        default:
          return Number(v);
      }
    };
    const cmp = (a: number | bigint | Uint8Array, b: number | bigint | Uint8Array): number =>
      a instanceof Uint8Array && b instanceof Uint8Array ? compareBytes(a, b) : a < b ? -1 : a > b ? 1 : 0;
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 6 }), (rows) => {
        const stats = computeStats([batchOf(schema, rows)], schema, {
          mode: 'none',
          partitionColumns: [],
          configuration: {},
        });
        // Every JSON number as a string, so longs and decimals keep their digits.
        const json = JSON.parse(stats.replace(/:(-?\d[\d.eE+-]*)(?=[,}])/g, ':"$1"')) as Record<
          string,
          Record<string, unknown>
        >;
        for (const [name, column] of columns) {
          const path = name.split('.');
          const at = (section: unknown): unknown =>
            path.reduce<unknown>((node, p) => (node as Record<string, unknown> | undefined)?.[p], section);
          const min = at(json.minValues);
          const max = at(json.maxValues);
          for (const row of rows) {
            const v = path.reduce<unknown>(
              (node, p) => (node as Record<string, unknown> | null)?.[p] ?? null,
              row,
            );
            if (v === null || (typeof v === 'number' && Number.isNaN(v))) continue;
            if (min !== undefined)
              expect(cmp(key(column, min), key(column, v)), `${name} min ${String(min)}`).toBeLessThanOrEqual(
                0,
              );
            if (max !== undefined)
              expect(
                cmp(key(column, max), key(column, v)),
                `${name} max ${String(max)}`,
              ).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
