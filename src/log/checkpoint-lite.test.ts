/**
 * The JavaScript Parquet reader (`parquet/lite.ts`) against the WebAssembly decoder on every
 * checkpoint and sidecar file of the shared fixtures (written by Spark, Delta Kernel and
 * delta-rs): wherever the JavaScript reader accepts a file, the actions must be identical.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiteUnsupported, readParquetValues } from '../parquet/lite.js';
import { openParquetFile } from '../parquet/read.js';
import type { Action } from '../protocol/actions.js';
import { ACTION_COLUMNS, batchToActions } from './arrow-actions.js';

const ROOT = join(import.meta.dirname, '../../../shared/delta-fixtures');
const HAVE_FIXTURES = existsSync(ROOT);

function logParquetFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) logParquetFiles(p, out);
    else if (name.endsWith('.parquet') && p.includes('_delta_log')) out.push(p);
  }
  return out;
}

async function viaArrow(bytes: Uint8Array): Promise<Action[]> {
  const reader = await openParquetFile(bytes, 'fixture');
  const out: Action[] = [];
  try {
    const present = new Set(reader.schema.fields.map((f) => f.name));
    const columns = ACTION_COLUMNS.filter((c) => present.has(c));
    for await (const batch of reader.batches({ columns })) batchToActions(batch, (a) => out.push(a));
  } finally {
    reader.close();
  }
  return out;
}

function viaLite(bytes: Uint8Array): Action[] | undefined {
  let values;
  try {
    values = readParquetValues(bytes, ACTION_COLUMNS);
  } catch (err) {
    if (err instanceof LiteUnsupported) return undefined;
    throw err;
  }
  const out: Action[] = [];
  const columns = ACTION_COLUMNS.flatMap((name) => values.columns.filter(([c]) => c === name));
  for (let row = 0; row < values.numRows; row++)
    for (const [name, column] of columns) {
      const v = column[row];
      if (v !== null && v !== undefined) out.push({ [name]: v } as Action);
    }
  return out;
}

describe.skipIf(!HAVE_FIXTURES)('JavaScript Parquet reader on fixture checkpoints', () => {
  it('reads the actions the Arrow path reads, for most files', async () => {
    const files = logParquetFiles(ROOT);
    expect(files.length).toBeGreaterThan(50);
    let accepted = 0;
    for (const file of files) {
      const bytes = new Uint8Array(readFileSync(file));
      const lite = viaLite(bytes);
      if (lite === undefined) continue;
      accepted++;
      expect(lite, file).toEqual(await viaArrow(bytes));
    }
    // Most fixture checkpoints are Snappy, PLAIN/dictionary, with string and integer leaves.
    expect(accepted).toBeGreaterThan(files.length / 2);
  }, 120_000);

  it('rejects a file that is not Parquet as unsupported rather than misreading it', () => {
    expect(() => readParquetValues(new TextEncoder().encode('not parquet at all'), ['add'])).toThrow(
      LiteUnsupported,
    );
  });
});
