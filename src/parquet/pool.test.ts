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
