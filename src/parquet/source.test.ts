import { tableFromArrays } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openParquetFile } from './read.js';
import { BufferRecycler, ByteRangeBlob, type ByteSource, bytesSource, isByteSource } from './source.js';
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

describe('BufferRecycler', () => {
  it('lends the smallest idle buffer that fits, takes back only its own, keeps at most `keep`', () => {
    const buffers = new BufferRecycler(2, 16);
    expect(buffers.lend(15)).toBeUndefined();
    const a = buffers.lend(100);
    const b = buffers.lend(40);
    const c = buffers.lend(1000);
    if (a === undefined || b === undefined || c === undefined) throw new Error('lend at the minimum');
    expect(a.length).toBeGreaterThanOrEqual(100);
    buffers.give(a.subarray(0, 10));
    buffers.give(b);
    buffers.give(c);
    buffers.give(new Uint8Array(5000)); // never lent: ignored
    // The largest two are kept; `b` (the smallest) was dropped.
    expect(buffers.lend(30)?.buffer).toBe(a.buffer);
    expect(buffers.lend(30)?.buffer).toBe(c.buffer);
    expect(buffers.lend(30)?.buffer).not.toBe(b.buffer);
    // Handed back twice: taken back once.
    buffers.give(a);
    buffers.give(a);
    expect(buffers.lend(20)?.buffer).toBe(a.buffer);
    expect(buffers.lend(20)?.buffer).not.toBe(a.buffer);
  });

  it('serves a flat reader that releases each row group: batches never view a released buffer', async () => {
    const n = 30_000;
    const table = tableFromArrays({
      id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i * 7)),
      price: Float64Array.from({ length: n }, (_, i) => i / 4),
      sku: Array.from({ length: n }, (_, i) => `sku-${i % 311}-${'x'.repeat(i % 40)}`),
    });
    for (const compression of ['snappy', 'uncompressed'] as const) {
      const bytes = writeParquetBytes(table, { maxRowGroupSize: 7000, compression });
      const buffers = new BufferRecycler(2, 0);
      let released = 0;
      const source: ByteSource = {
        size: bytes.byteLength,
        read(offset, length) {
          const into = buffers.lend(length) ?? new Uint8Array(length);
          into.set(bytes.subarray(offset, offset + length));
          return Promise.resolve(into.subarray(0, length));
        },
        release(done) {
          released++;
          // Whatever still viewed the bytes would now read garbage.
          new Uint8Array(done.buffer).fill(0xff);
          buffers.give(done);
        },
      };
      const reader = await openParquetFile(source, 'recycled.parquet');
      expect(reader.decoder).toBe('javascript');
      const batches = [];
      try {
        for await (const batch of reader.batches({ batchSize: 3000 })) batches.push(batch);
      } finally {
        reader.close();
      }
      expect(released).toBe(5);
      const rows = batches.flatMap((b) => b.toArray().map((r) => r.toJSON()));
      expect(rows).toEqual(table.toArray().map((r) => r.toJSON()));
    }
  });
});
