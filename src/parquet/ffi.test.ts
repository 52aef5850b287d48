import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type RecordBatch, Struct, tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { DecodingFile, materialize, projectSchema } from './decode.js';
import { ffiReadable } from './ffi.js';

const GOLDEN = join(import.meta.dirname, '../../../shared/delta-fixtures/kernel-rs-golden');

/**
 * Every Parquet data file of the table under `dir`: `_delta_log` is excluded, and so is the
 * golden `expected/` output, which is not table data (one of them holds 4.5 MB of decimals whose
 * row-by-row comparison alone outlasted the test timeout on a loaded machine).
 */
function dataFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === '_delta_log' || name === 'expected') continue;
    if (statSync(path).isDirectory()) out.push(...dataFiles(path));
    else if (name.endsWith('.parquet')) out.push(path);
  }
  return out;
}

/** Rows as JSON text with bigints spelled out, so two decodings can be compared value by value. */
function rowsOf(batches: readonly RecordBatch[]): string[] {
  return batches.flatMap((b) =>
    b
      .toArray()
      .map((row: unknown) => JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))),
  );
}

const TABLES = [
  'parquet-all-types',
  'parquet-all-types-legacy-format',
  'data-reader-primitives',
  'data-reader-array-primitives',
  'data-reader-array-complex-objects',
  'data-reader-map',
  'data-reader-nested-struct',
  'data-reader-timestamp_ntz',
  'decimal-various-scale-precision',
  'parquet-decimal-dictionaries',
  'kernel-timestamp-int96',
  'table-with-columnmapping-mode-name',
];

describe('C data interface export', () => {
  it.each(TABLES)(
    '%s: decodes every file exactly as the IPC path does',
    async (table) => {
      const files = dataFiles(join(GOLDEN, table));
      expect(files.length).toBeGreaterThan(0);
      let viaFfi = 0;
      let expectFfi = false;
      for (const path of files) {
        const bytes = new Uint8Array(readFileSync(path));
        const expected = rowsOf(tableFromIPC(readParquet(bytes).intoIPCStream()).batches);
        const file = await DecodingFile.open(bytes, path);
        expectFfi ||= ffiReadable(new Struct(file.schema.fields));
        try {
          const actual: RecordBatch[] = [];
          for (let rg = 0; rg < file.numRowGroups; rg++) {
            // Small batches, so that multi-batch row groups are exercised too.
            const decoded = await file.decode(rg, { batchSize: 257 });
            if (decoded.kind === 'ffi') viaFfi++;
            for (const b of materialize(decoded, file.schema)) actual.push(b);
          }
          for (const b of actual)
            expect(String(b.schema.fields.map((f) => f.type))).toBe(
              String(file.schema.fields.map((f) => f.type)),
            );
          // A plain loop: the deep-equality diff of a million strings is slower than decoding them.
          const got = rowsOf(actual);
          expect(got.length).toBe(expected.length);
          const firstDifference = got.findIndex((row, i) => row !== expected[i]);
          expect(
            firstDifference === -1
              ? null
              : { row: firstDifference, got: got[firstDifference], expected: expected[firstDifference] },
          ).toBeNull();
        } finally {
          file.close();
        }
      }
      // The point of the test is the export path: it must be taken wherever the layout allows.
      expect(viaFfi > 0).toBe(expectFfi);
      // parquet-decimal-dictionaries holds a million rows, decoded and compared twice.
    },
    120_000,
  );

  it('projects columns in file order and reads zero columns as row counts', async () => {
    const [path = ''] = dataFiles(join(GOLDEN, 'data-reader-primitives'));
    const file = await DecodingFile.open(new Uint8Array(readFileSync(path)), path);
    try {
      const names = file.schema.fields.map((f) => f.name);
      const wanted = [names[3] ?? '', names[0] ?? ''];
      const decoded = await file.decode(0, { columns: wanted, batchSize: 1000 });
      expect(decoded.kind).toBe('ffi');
      const batches = materialize(decoded, projectSchema(file.schema, wanted));
      expect(batches[0]?.schema.fields.map((f) => f.name)).toEqual([names[0], names[3]]);
      const none = await file.decode(0, { columns: [], batchSize: 1000 });
      const counted = materialize(none, projectSchema(file.schema, []));
      expect(counted.reduce((n, b) => n + b.numRows, 0)).toBe(batches.reduce((n, b) => n + b.numRows, 0));
      expect(counted[0]?.numCols).toBe(0);
    } finally {
      file.close();
    }
  });
});
