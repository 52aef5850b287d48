import type { RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StructField, StructType } from '../protocol/schema.js';
import { splitByPartition } from './partition-split.js';
import { batchOf, testField } from './test-data.js';

const schema: StructType = {
  type: 'struct',
  fields: [
    testField('id', { type: 'long' }),
    testField('country', { type: 'string' }),
    testField('n', { type: 'integer' }),
  ],
};
const field = (name: string): StructField[] => schema.fields.filter((f) => f.name === name);

/** Each slice as [partition value, ids], the way a reader of the written files would see them. */
function slices(
  batch: RecordBatch,
  fields: StructField[],
): [Record<string, string | null>, string, unknown[]][] {
  return splitByPartition(batch, schema, fields, 'none').map((s) => [
    s.partitionValues,
    s.directory,
    s.batch.getChild('id')?.toArray() ? Array.from(s.batch.getChild('id')?.toArray() as BigInt64Array) : [],
  ]);
}

/** The grouping spelled out row by row, in first-appearance order ('' is the partition value null). */
function naive(rows: { id: bigint; country: string | null }[]): [string | null, bigint[]][] {
  const groups = new Map<string | null, bigint[]>();
  for (const r of rows) {
    const value = r.country === '' ? null : r.country;
    groups.set(value, [...(groups.get(value) ?? []), r.id]);
  }
  return [...groups];
}

describe('splitByPartition', () => {
  it('groups a string partition column by value: null and empty together (both are null), multi-byte and long values apart', () => {
    const long = 'x'.repeat(70);
    const values = ['DE', null, '', 'DE', 'Zürich', long, null, `${long}y`, 'Zürich', ''];
    const batch = batchOf(
      schema,
      values.map((country, i) => ({ id: BigInt(i), country, n: i })),
    );
    expect(slices(batch, field('country'))).toEqual([
      [{ country: 'DE' }, 'country=DE', [0n, 3n]],
      [{ country: null }, 'country=__HIVE_DEFAULT_PARTITION__', [1n, 2n, 6n, 9n]],
      [{ country: 'Zürich' }, 'country=Zürich', [4n, 8n]],
      [{ country: long }, `country=${long}`, [5n]],
      [{ country: `${long}y` }, `country=${long}y`, [7n]],
    ]);
  });

  it('gathers the other columns of each slice and leaves its partition columns null', () => {
    const batch = batchOf(
      schema,
      ['a', 'b', 'a'].map((country, i) => ({ id: BigInt(i), country, n: i * 10 })),
    );
    const out = splitByPartition(batch, schema, field('country'), 'none');
    expect(out.map((s) => s.batch.getChild('n')?.toArray())).toEqual([
      Int32Array.of(0, 20),
      Int32Array.of(10),
    ]);
    for (const s of out) {
      expect(s.batch.schema.fields).toEqual(batch.schema.fields);
      expect(s.batch.getChild('country')?.nullCount).toBe(s.batch.numRows);
    }
  });

  it('reads the right rows of a sliced batch', () => {
    const batch = batchOf(
      schema,
      ['a', 'b', 'a', 'c', 'b'].map((country, i) => ({ id: BigInt(i), country, n: i })),
    ).slice(2, 5);
    expect(slices(batch, field('country'))).toEqual([
      [{ country: 'a' }, 'country=a', [2n]],
      [{ country: 'c' }, 'country=c', [3n]],
      [{ country: 'b' }, 'country=b', [4n]],
    ]);
  });

  it('groups by several columns and by non-string columns', () => {
    const batch = batchOf(schema, [
      { id: 0n, country: 'a', n: 1 },
      { id: 1n, country: 'a', n: 2 },
      { id: 2n, country: 'a', n: 1 },
      { id: 3n, country: 'b', n: null },
    ]);
    expect(slices(batch, [...field('country'), ...field('n')])).toEqual([
      [{ country: 'a', n: '1' }, 'country=a/n=1', [0n, 2n]],
      [{ country: 'a', n: '2' }, 'country=a/n=2', [1n]],
      [{ country: 'b', n: null }, 'country=b/n=__HIVE_DEFAULT_PARTITION__', [3n]],
    ]);
    expect(slices(batch, field('n')).map((s) => s[2])).toEqual([[0n, 2n], [1n], [3n]]);
  });

  it('groups any strings exactly as a row-by-row grouping does (enough distinct values to grow the hash table)', () => {
    const country = fc.option(
      fc.oneof(fc.constantFrom('DE', 'FR', '', 'é'), fc.string({ unit: 'grapheme', maxLength: 80 })),
    );
    fc.assert(
      fc.property(fc.array(country, { minLength: 1, maxLength: 200 }), (values) => {
        const rows = values.map((c, i) => ({ id: BigInt(i), country: c }));
        const batch = batchOf(
          schema,
          rows.map((r) => ({ ...r, n: 0 })),
        );
        const got = slices(batch, field('country')).map(([pv, , ids]) => [pv['country'] ?? null, ids]);
        expect(got).toEqual(naive(rows));
      }),
    );
  });
});
