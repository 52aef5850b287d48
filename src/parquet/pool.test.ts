import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { tableFromIPC } from 'apache-arrow';
import { isDeltaError } from '../errors.js';
import { DecodingFile, materialize, projectSchema } from './decode.js';
import { DecoderPool } from './pool.js';
import { openFlatFile } from './flat.js';
import { openParquetFile } from './read.js';
import { writeParquetBytes } from './write.js';
import {
  Field,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  vectorFromArray,
} from 'apache-arrow';

// Unit tests run from TypeScript sources, where the compiled worker does not exist; compile the
// worker's module graph into a scratch directory (with this repository's node_modules) to run it.
let dir = '';
let pool: DecoderPool;
const SRC = join(import.meta.dirname, '..');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'delta-ts-worker-'));
  mkdirSync(join(dir, 'src/parquet'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  symlinkSync(join(SRC, '../node_modules'), join(dir, 'node_modules'));
  for (const file of [
    'errors.ts',
    'parquet/worker.ts',
    'parquet/decode.ts',
    'parquet/ffi.ts',
    'parquet/protocol.ts',
    'parquet/wasm.ts',
    'parquet/source.ts',
    'parquet/bits.ts',
    'parquet/snappy.ts',
    'parquet/thrift.ts',
    'parquet/flat-column.ts',
    'parquet/flat-pages.ts',
  ]) {
    const out = ts.transpileModule(readFileSync(join(SRC, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(dir, 'src', file.replace(/\.ts$/, '.js')), out.outputText);
  }
  pool = new DecoderPool(pathToFileURL(join(dir, 'src/parquet/worker.js')), 2);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const PRIMITIVES = join(SRC, '../../shared/delta-fixtures/kernel-rs-golden/data-reader-primitives');

function fixtureBytes(): Uint8Array {
  const name = readdirSync(PRIMITIVES, { recursive: true, encoding: 'utf8' }).find((f) =>
    f.endsWith('.parquet'),
  );
  return new Uint8Array(readFileSync(join(PRIMITIVES, name ?? '')));
}

describe('DecoderPool', () => {
  it('decodes on a worker exactly what the calling thread decodes', async () => {
    const bytes = fixtureBytes();
    const local = await DecodingFile.open(bytes, 'local.parquet');
    const expected = materialize(await local.decode(0, { batchSize: 4 }), local.schema).flatMap((b) =>
      b.toArray(),
    );
    local.close();
    const remote = await pool.open(bytes.slice(), 'remote.parquet', true);
    try {
      const schema = tableFromIPC(remote.schemaIpc).schema;
      expect(remote.rowGroups).toEqual(local.rowGroups);
      const names = schema.fields.map((f) => f.name);
      const decoded = await remote.decode({ rowGroup: 0 }, undefined, 4);
      expect(decoded.kind).toBe('ffi');
      const actual = materialize(decoded, schema).flatMap((b) => b.toArray());
      expect(JSON.stringify(actual, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).toBe(
        JSON.stringify(expected, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
      );
      const projected = await remote.decode({ rowGroup: 0 }, [names[1] ?? ''], 100);
      expect(
        materialize(projected, projectSchema(schema, [names[1] ?? '']))[0]?.schema.fields.map((f) => f.name),
      ).toEqual([names[1]]);
    } finally {
      remote.close();
    }
  });

  it('moves transferred bytes to the worker and copies the others', async () => {
    const kept = fixtureBytes();
    const f1 = await pool.open(kept, 'kept.parquet', false);
    expect(kept.byteLength).toBeGreaterThan(0);
    f1.close();
    const moved = fixtureBytes();
    const f2 = await pool.open(moved, 'moved.parquet', true);
    expect(moved.byteLength).toBe(0);
    f2.close();
  });

  it('reports a bad file as CorruptData naming it, and a closed file as an error', async () => {
    await expect(pool.open(new TextEncoder().encode('not parquet'), 'bad.parquet', true)).rejects.toSatisfy(
      (e: unknown) => isDeltaError(e, 'CorruptData') && e.message.includes('bad.parquet'),
    );
    const file = await pool.open(fixtureBytes(), 'gone.parquet', true);
    file.close();
    await expect(file.decode({ rowGroup: 0 }, undefined, 10)).rejects.toSatisfy(
      (e: unknown) => isDeltaError(e, 'CorruptData') && e.message.includes('gone.parquet'),
    );
  });
});

/** A flat file with one row group of ~9 MB decompressed: large enough to be split with a worker. */
function largeFlatFile(): Uint8Array {
  const rows = 200_000;
  const longs = (k: number) =>
    makeData({
      type: new Int64(),
      length: rows,
      nullCount: 0,
      data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i * k)),
    });
  const text = vectorFromArray(
    Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? null : `sku-${i % 1000}`)),
    new Utf8(),
  );
  const fields = [0, 1, 2, 3, 4].map((k) => new Field(`c${k}`, new Int64(), false));
  const schema = new Schema([...fields, new Field('sku', new Utf8(), true)]);
  const children = [...[1, 3, 5, 7, 11].map(longs), text.data[0] ?? longs(1)];
  const struct = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children });
  return writeParquetBytes(new Table([new RecordBatch(schema, struct)]), { dictionary: false });
}

describe('DecoderPool with the JavaScript decoder', () => {
  it('splits a large row group by columns with a worker and reads what the WebAssembly decoder reads', async () => {
    const bytes = largeFlatFile();
    const flat = await openFlatFile(bytes, 'split.parquet', { workers: true, pool });
    const wasm = await openParquetFile(bytes, 'split.parquet', { decoder: 'wasm' });
    try {
      expect(flat?.decoder).toBe('javascript');
      const json = async (reader: typeof wasm) => {
        const out: string[] = [];
        for await (const b of reader.batches({ batchSize: 30_000 }))
          out.push(JSON.stringify(b.toArray(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
        return out;
      };
      if (flat === undefined) throw new Error('not a flat file');
      const got = await json(flat);
      expect(got.length).toBe(7);
      expect(got).toEqual(await json(wasm));
    } finally {
      flat?.close();
      wasm.close();
    }
  });
});
