import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type RecordBatch, Vector } from 'apache-arrow';
import { readParquetBatches } from '../parquet/read.js';
import { ACTION_COLUMNS, batchToActions } from './arrow-actions.js';

const FIXTURES = join(import.meta.dirname, '../../../shared/delta-fixtures');

/** Every checkpoint Parquet file among the fixtures. */
function checkpointFiles(): string[] {
  return readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.checkpoint(\.\d+\.\d+)?\.parquet$/.test(f) && f.includes('_delta_log'))
    .map((f) => join(FIXTURES, f));
}

/**
 * Independent reference: apache-arrow's own per-value accessors, normalised to the JSON shape of
 * actions (null fields dropped, 64-bit integers as numbers, maps as records). Typed statistics
 * (`stats_parsed`) are left out: their leaves have a separate, statistics-specific form.
 */
function normalise(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint')
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (value instanceof Date) return value.getTime();
  if (value instanceof Vector) return Array.from(value as Iterable<unknown>, normalise);
  const row = value as { toJSON?: () => Record<string, unknown>; constructor: { name: string } };
  if (typeof row.toJSON === 'function') {
    // Struct and map rows are proxies (`in` sees only their fields), so probe `toJSON` directly. A
    // map keeps null values under their keys; a struct drops null fields, as a JSON writer would.
    const isMap = row.constructor.name === 'MapRow';
    const obj: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row.toJSON())) {
      if (k === 'stats_parsed' && !isMap) continue;
      const n = normalise(v);
      if (n !== null || isMap) obj[k] = n;
    }
    return obj;
  }
  return value;
}

function reference(batch: RecordBatch): unknown[] {
  const out: unknown[] = [];
  for (let row = 0; row < batch.numRows; row++)
    for (const name of ACTION_COLUMNS) {
      const v = normalise(batch.getChild(name)?.get(row));
      if (v !== null) out.push({ [name]: v });
    }
  return out;
}

function withoutTypedStats(action: unknown): unknown {
  return JSON.parse(
    JSON.stringify(action, (k, v: unknown) =>
      k === 'stats_parsed' ? undefined : typeof v === 'bigint' ? `bigint ${v}` : v,
    ),
  ) as unknown;
}

describe('batchToActions', () => {
  it('matches apache-arrow per-value reads on every fixture checkpoint', async () => {
    const files = checkpointFiles();
    expect(files.length).toBeGreaterThan(20);
    let actions = 0;
    for (const file of files) {
      const bytes = new Uint8Array(readFileSync(file));
      for await (const batch of readParquetBatches(bytes, { source: file })) {
        const got: unknown[] = [];
        batchToActions(batch, (a) => got.push(withoutTypedStats(a)));
        expect(got, file).toEqual(reference(batch).map(withoutTypedStats));
        actions += got.length;
      }
    }
    expect(actions).toBeGreaterThan(1000);
  });
});
