import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readParquetBatches, readParquetSchema } from './read.js';
import { isDeltaError } from '../errors.js';

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
