import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readParquetBatches, readParquetSchema } from './read.js';
import { isDeltaError } from '../errors.js';
import { tableFromArrays } from 'apache-arrow';
import fc from 'fast-check';
import { DecodingFile, MAX_SLICES, materialize, planSlices } from './decode.js';
import { writeParquetBytes } from './write.js';

const FIXTURES = join(import.meta.dirname, '../../../shared/delta-fixtures');

describe('readParquetBatches', () => {
  it('decodes every row of a fixture data file', async () => {
    const dir = join(FIXTURES, 'kernel-rs-golden/table-with-columnmapping-mode-id/delta');
    const file = readdirSync(dir).find((f) => f.endsWith('.parquet'));
    expect(file).toBeDefined();
    const bytes = new Uint8Array(readFileSync(join(dir, file ?? '')));
    let rows = 0;
    for await (const batch of readParquetBatches(bytes)) rows += batch.numRows;
    expect(rows).toBe(2);
    const schema = readParquetSchema(bytes);
    expect(schema.fields[0]?.metadata.get('PARQUET:field_id')).toMatch(/^\d+$/);
  });

  it('reads only the requested top-level columns, in file order, nested ones whole', async () => {
    const dir = join(FIXTURES, 'kernel-rs-golden/table-with-columnmapping-mode-id/delta');
    const file = readdirSync(dir).find((f) => f.endsWith('.parquet'));
    const bytes = new Uint8Array(readFileSync(join(dir, file ?? '')));
    const names = readParquetSchema(bytes).fields.map((f) => f.name);
    const wanted = [names[12] ?? '', names[1] ?? ''];
    let rows = 0;
    for await (const batch of readParquetBatches(bytes, { columns: wanted })) {
      expect(batch.schema.fields.map((f) => f.name)).toEqual([names[1], names[12]]);
      expect(String(batch.schema.fields[1]?.type)).toMatch(/^Struct</);
      rows += batch.numRows;
    }
    expect(rows).toBe(2);
    let counted = 0;
    for await (const batch of readParquetBatches(bytes, { columns: [] })) {
      expect(batch.numCols).toBe(0);
      counted += batch.numRows;
    }
    expect(counted).toBe(2);
  });

  it('refuses bytes that are not Parquet with CorruptData naming the source', async () => {
    const run = async () => {
      for await (const _ of readParquetBatches(new TextEncoder().encode('not a parquet file'), {
        source: 'x.parquet',
      })) {
        // unreachable
      }
    };
    await expect(run()).rejects.toSatisfy(
      (e: unknown) => isDeltaError(e, 'CorruptData') && e.message.includes('x.parquet'),
    );
  });
});

describe('planSlices', () => {
  it('keeps small row groups whole and cuts large ones into runs of whole batches', () => {
    expect(planSlices([{ numRows: 1000, byteSize: 1000 }], 100)).toEqual([{ rowGroup: 0 }]);
    const slices = planSlices(
      [
        { numRows: 1_048_576, byteSize: 32 << 20 },
        { numRows: 13_888, byteSize: 700_000 },
      ],
      65_536,
    );
    expect(slices).toEqual([
      { rowGroup: 0, range: { offset: 0, limit: 262_144 } },
      { rowGroup: 0, range: { offset: 262_144, limit: 262_144 } },
      { rowGroup: 0, range: { offset: 524_288, limit: 262_144 } },
      { rowGroup: 0, range: { offset: 786_432, limit: 262_144 } },
      { rowGroup: 1 },
    ]);
  });

  it('covers every row exactly once, with at most MAX_SLICES per row group', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ numRows: fc.nat(5_000_000), byteSize: fc.nat(2 ** 31) }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 64 << 20 }),
        (groups, batchSize, budget) => {
          const slices = planSlices(groups, batchSize, budget);
          groups.forEach((g, rg) => {
            const mine = slices.filter((s) => s.rowGroup === rg);
            expect(mine.length).toBeGreaterThanOrEqual(1);
            expect(mine.length).toBeLessThanOrEqual(MAX_SLICES);
            if (mine.length === 1 && mine[0]?.range === undefined) return;
            let next = 0;
            for (const s of mine) {
              expect(s.range?.offset).toBe(next);
              next += s.range?.limit ?? 0;
              if (next < g.numRows) expect((s.range?.limit ?? 0) % batchSize).toBe(0);
            }
            expect(next).toBe(g.numRows);
          });
        },
      ),
    );
  });
});

describe('sliced decoding', () => {
  it('returns the same rows in the same batches as one read of the row group', async () => {
    const n = 10_000;
    const table = tableFromArrays({
      id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
      name: Array.from({ length: n }, (_, i) => `row-${i % 97}`),
    });
    const bytes = writeParquetBytes(table, { maxRowGroupSize: 6_000 });
    const file = await DecodingFile.open(bytes, 'sliced.parquet');
    try {
      expect(file.rowGroups.map((g) => g.numRows)).toEqual([6_000, 4_000]);
      const slices = planSlices(file.rowGroups, 1_000, 1);
      expect(slices.length).toBe(6 + 4);
      const sliced: unknown[] = [];
      const sizes: number[] = [];
      for (const { rowGroup, range } of slices)
        for (const b of materialize(await file.decode(rowGroup, { batchSize: 1_000, range }), file.schema)) {
          sizes.push(b.numRows);
          sliced.push(...b.toArray().map((r) => [r['id'], r['name']]));
        }
      expect(sizes.every((s) => s === 1_000)).toBe(true);
      const whole: unknown[] = [];
      for await (const b of readParquetBatches(bytes, { batchSize: 1_000 }))
        whole.push(...b.toArray().map((r) => [r['id'], r['name']]));
      expect(sliced).toEqual(whole);
      expect(whole.length).toBe(n);
      expect(whole[n - 1]).toEqual([BigInt(n - 1), `row-${(n - 1) % 97}`]);
    } finally {
      file.close();
    }
  });
});
