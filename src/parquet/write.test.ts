import { Int32, RecordBatch, Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import { readParquetBatches } from './read.js';
import { writeParquetBatches, writeParquetBytes } from './write.js';

async function rowsOf(bytes: Uint8Array): Promise<unknown[]> {
  const rows: unknown[] = [];
  for await (const batch of readParquetBatches(bytes)) {
    for (const row of new Table([batch])) rows.push(row.toJSON());
  }
  return rows;
}

function batches(sizes: readonly number[]): RecordBatch[] {
  let next = 0;
  return sizes.map((n) => {
    const ids = Array.from({ length: n }, () => next++);
    const table = new Table({
      id: makeVector({ type: new Int32(), data: Int32Array.from(ids) }),
      name: vectorFromArray(
        ids.map((i) => (i % 3 === 0 ? null : `n${i}`)),
        new Utf8(),
      ),
    });
    const batch = table.batches[0];
    if (batch === undefined) throw new Error('no batch');
    return batch;
  });
}

describe('writeParquetBatches', () => {
  it('writes the rows of several batches in order, like one table through writeParquetBytes', async () => {
    const input = batches([5, 0, 7, 1]);
    const streamed = await writeParquetBatches(input);
    const whole = writeParquetBytes(new Table(input));
    const rows = await rowsOf(streamed);
    expect(rows).toHaveLength(13);
    expect(rows).toEqual(await rowsOf(whole));
    expect(rows[3]).toEqual({ id: 3, name: null });
    expect(rows[11]).toEqual({ id: 11, name: 'n11' });
  });

  it('pulls batches lazily, one at a time', async () => {
    const input = batches([2, 2, 2]);
    const pulled: number[] = [];
    function* lazy(): Generator<RecordBatch> {
      for (const [i, b] of input.entries()) {
        pulled.push(i);
        yield b;
      }
    }
    const bytes = await writeParquetBatches(lazy());
    expect(pulled).toEqual([0, 1, 2]);
    expect(await rowsOf(bytes)).toHaveLength(6);
  });

  it('writes a file with the schema and no rows from one empty batch', async () => {
    const bytes = await writeParquetBatches(batches([0]));
    expect(await rowsOf(bytes)).toEqual([]);
  });

  it('refuses a batch of another schema', async () => {
    const other = new Table({ x: vectorFromArray([1, 2], new Int32()) }).batches[0];
    if (other === undefined) throw new Error('no batch');
    const err = await writeParquetBatches([...batches([2]), other]).catch((e: unknown) => e);
    expect(isDeltaError(err, 'InvalidArgument')).toBe(true);
    expect(String(err)).toMatch(/schema/);
  });

  it('reports a failing batch source as a DeltaError instead of writing a truncated file', async () => {
    function* failing(): Generator<RecordBatch> {
      yield* batches([1]);
      throw new Error('source broke');
    }
    const err = await writeParquetBatches(failing()).catch((e: unknown) => e);
    expect(isDeltaError(err, 'InvalidArgument')).toBe(true);
    expect(String(err)).toMatch(/source broke/);
  });
});
