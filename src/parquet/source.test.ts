import { tableFromArrays } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openParquetFile } from './read.js';
import { ByteRangeBlob, type ByteSource, bytesSource, isByteSource } from './source.js';
import { writeParquetBytes } from './write.js';

/** A source that records the ranges asked for and returns exact, fresh buffers. */
function recording(bytes: Uint8Array): ByteSource & { ranges: Array<[number, number]> } {
  const ranges: Array<[number, number]> = [];
  return {
    ranges,
    size: bytes.byteLength,
    read(offset, length) {
      ranges.push([offset, length]);
      return Promise.resolve(bytes.slice(offset, offset + length));
    },
  };
}

describe('ByteRangeBlob', () => {
  it('slices like a Blob: negative positions from the end, clamped, nested', async () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -150, max: 150 }),
        fc.integer({ min: -150, max: 150 }),
        fc.integer({ min: -150, max: 150 }),
        async (a, b, c) => {
          const ours = new Uint8Array(
            await new ByteRangeBlob(bytesSource(bytes)).slice(a, b).slice(c).arrayBuffer(),
          );
          const real = new Uint8Array(await new Blob([bytes]).slice(a, b).slice(c).arrayBuffer());
          expect(ours).toEqual(real);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('hands over an exact buffer as is and copies a view out of a larger one', async () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => i);
    const exact = recording(bytes);
    const blob = new ByteRangeBlob(exact).slice(8, 24);
    const buffer = await blob.arrayBuffer();
    expect(exact.ranges).toEqual([[8, 16]]);
    expect(new Uint8Array(buffer)).toEqual(bytes.subarray(8, 24));
    const viewed = await new ByteRangeBlob(bytesSource(bytes)).slice(8, 24).arrayBuffer();
    expect(viewed.byteLength).toBe(16);
    expect(viewed).not.toBe(bytes.buffer);
  });

  it('tells sources from bytes', () => {
    expect(isByteSource(new Uint8Array(1))).toBe(false);
    expect(isByteSource(bytesSource(new Uint8Array(1)))).toBe(true);
  });
});

describe('openParquetFile over a ByteSource', () => {
  it('decodes what the in-memory bytes decode, reading only ranges of the file', async () => {
    const n = 5000;
    const table = tableFromArrays({
      id: Int32Array.from({ length: n }, (_, i) => i),
      name: Array.from({ length: n }, (_, i) => `row-${i % 97}`),
    });
    const bytes = writeParquetBytes(table, { maxRowGroupSize: 1000 });
    const source = recording(bytes);
    const collect = async (input: Uint8Array | ByteSource): Promise<unknown[]> => {
      const reader = await openParquetFile(input, 'ranged.parquet');
      const rows: unknown[] = [];
      try {
        for await (const batch of reader.batches({ columns: ['name'] }))
          for (const row of batch) rows.push(row.toJSON());
      } finally {
        reader.close();
      }
      return rows;
    };
    const ranged = await collect(source);
    expect(ranged).toEqual(await collect(bytes));
    expect(ranged).toHaveLength(n);
    // The projection is honoured at the byte level: no single read covers the whole file.
    expect(source.ranges.every(([, length]) => length < bytes.byteLength)).toBe(true);
  });
});
