/**
 * Interop of the writer's data-file layer: tables whose data files, statistics and partition
 * directories delta-ts wrote (with a hand-built commit) must read back in delta-rs with the same
 * canonical rows as in delta-ts, and delta-rs' DataFusion engine — which prunes files by the
 * statistics and partition values in the log — must return the same rows for predicates that
 * probe the bounds (long beyond 2^53, truncated strings, sub-millisecond timestamps, infinities,
 * escaped partition values).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Action } from '../src/protocol/actions.js';
import type { ColumnMappingMode } from '../src/protocol/features.js';
import { typeToJson } from '../src/protocol/schema.js';
import { LocalStorage } from '../src/storage/local.js';
import { DeltaTable } from '../src/table/table.js';
import { assignColumnMapping } from '../src/write/column-mapping.js';
import { writeDataFiles } from '../src/write/data-files.js';
import { minimalProtocol } from '../src/write/protocol.js';
import { ALL_TYPES, allTypesRows, batchOf } from '../src/write/test-data.js';
import { REPO_ROOT } from './fixtures.js';
import { VENV_PYTHON } from './reference.js';

const run = promisify(execFile);

/** Predicates both engines parse the same way; each probes one kind of bound. */
const PREDICATES = [
  'id > 9000000000',
  'id <= -5',
  'i <= 14',
  "s >= 'ssssssssssssssssssssssssssssss'",
  "s < 'ssssssssssss-2'",
  "ts >= TIMESTAMP '2023-11-18T22:13:20.123456Z'",
  "ts > TIMESTAMP '2023-11-18T22:13:20.123456Z'",
  "dt < DATE '1940-01-01'",
  'dec > 0',
  'db < -5',
  'fl < 0.25',
  "p = 'x=y'",
  "p = '100%' OR q = 0",
];

interface DeltaRsAnswer {
  readonly deltalake: string;
  readonly rows: Record<string, unknown>[] | null;
  readonly error: string | null;
  readonly filtered: { predicate: string; rows: Record<string, unknown>[] | null; error: string | null }[];
}

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

async function writeTable(mode: ColumnMappingMode): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), `delta-ts-write-${mode}-`));
  roots.push(root);
  const storage = new LocalStorage(root);
  const { schema, maxColumnId } = assignColumnMapping(ALL_TYPES, { mode, maxColumnId: 0 });
  const configuration: Record<string, string> =
    mode === 'none'
      ? {}
      : { 'delta.columnMapping.mode': mode, 'delta.columnMapping.maxColumnId': String(maxColumnId) };
  const adds = await writeDataFiles(storage, [batchOf(schema, allTypesRows())], {
    schema,
    partitionColumns: ['p', 'q'],
    columnMappingMode: mode,
    configuration,
    dataChange: true,
    now: Date.now(),
  });
  const actions: Action[] = [
    { commitInfo: { timestamp: Date.now(), operation: 'WRITE' } },
    { protocol: minimalProtocol(configuration, schema) },
    {
      metaData: {
        id: `write-files-${mode}`,
        format: { provider: 'parquet', options: {} },
        schemaString: JSON.stringify(typeToJson(schema)),
        partitionColumns: ['p', 'q'],
        configuration,
        createdTime: Date.now(),
      },
    },
    ...adds.map((add) => ({ add })),
  ];
  const body = actions.map((a) => JSON.stringify(a)).join('\n') + '\n';
  await storage.put('_delta_log/00000000000000000000.json', new TextEncoder().encode(body), {
    ifAbsent: true,
  });
  return root;
}

async function ours(root: string, where?: string): Promise<string[]> {
  const table = await DeltaTable.open(root);
  const out: string[] = [];
  for await (const row of table.scan(where === undefined ? {} : { where }).rows())
    out.push(JSON.stringify(row));
  return out.sort();
}

/** Canonical rows as comparable strings: numbers are compared by value, key order is schema order. */
function normalise(rows: readonly Record<string, unknown>[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

async function deltaRs(root: string): Promise<DeltaRsAnswer> {
  const { stdout } = await run(
    VENV_PYTHON,
    [join(REPO_ROOT, 'scripts', 'ref', 'query.py'), root, JSON.stringify(PREDICATES)],
    {
      maxBuffer: 64 << 20,
      env: { ...process.env, PYTHONWARNINGS: 'ignore' },
    },
  );
  return JSON.parse(stdout) as DeltaRsAnswer;
}

describe('data files written by delta-ts, read by delta-rs', () => {
  for (const mode of ['none', 'name', 'id'] as ColumnMappingMode[]) {
    it(`gives the same rows and the same filtered rows (column mapping ${mode})`, async () => {
      const root = await writeTable(mode);
      const answer = await deltaRs(root);
      expect(answer.error).toBeNull();
      const all = await ours(root);
      expect(all).toHaveLength(8);
      expect(normalise(answer.rows ?? [])).toEqual(all);
      for (const { predicate, rows, error } of answer.filtered) {
        expect(error, predicate).toBeNull();
        const mine = await ours(root, predicate);
        expect(normalise(rows ?? []), predicate).toEqual(mine);
      }
    });
  }
});
