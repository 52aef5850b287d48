import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  DeltaTable,
  deleteRows,
  filterBatch,
  isDeltaError,
  LocalStorage,
  mergeRows,
  toCanonicalRows,
  writeTable,
} from '../src/index.js';
import { quoteIfNeeded } from '../src/expr/parse.js';
import { writeCheckpoint } from '../src/log/checkpoint-write.js';
import { vacuum } from '../src/table/vacuum.js';
import { describeDiff, RowMultiset, typesOf } from './compare.js';
import { compareEngine, ourChanges, ourRows, type Engine, useRefServer } from './interop.js';
import type { RefField } from './reference.js';
import { findColumnFault, findSkip } from './skips.js';
import { REFUSED, TARGETS, type ReverseTarget } from './reverse-targets.js';

/**
 * Writer interop, references → delta-ts: tables made by delta-rs and Spark (partitioned, deletion
 * vectors, column mapping with a renamed column, change feed with Spark's checkpoints) and copies
 * of fixture tables get a delete, a CDC-style merge and an append from delta-ts. delta-ts' read
 * must then equal a model of those operations applied to the rows it read before, and delta-rs,
 * Spark and DuckDB must read every version delta-ts wrote as delta-ts does. Afterwards delta-ts
 * checkpoints and vacuums (retention 0) the table and the engines read the latest version again.
 *
 * The operations are generic: `sample` is up to three rows with distinct non-null keys; the
 * delete removes every row with the first sample's key, the merge upserts the samples by key (the
 * deleted key comes back as an insert, the others replace their rows), the append adds the
 * samples again.
 *
 * Tables whose writer features delta-ts refuses must fail every write with `UnsupportedFeature`
 * and stay unchanged.
 */

const ENGINES: readonly Engine[] = ['delta-rs', 'spark', 'duckdb'];
const requireServer = useRefServer();

/** Canonical JSON literal of a key value for the predicate language. */
function literal(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return value;
  return `'${String(value).replace(/'/g, "''")}'`;
}

interface Sample {
  readonly batch: RecordBatch;
  readonly rows: Record<string, unknown>[];
}

/** Up to three rows with distinct non-null keys, as Arrow (for writing) and canonical rows. */
async function sampleOf(root: string, key: string): Promise<Sample> {
  const table = await DeltaTable.open(root);
  const scan = table.scan();
  const schema = await scan.schema();
  for await (const batch of scan.batches()) {
    const rows = toCanonicalRows(batch, schema);
    const mask = new Uint8Array(batch.numRows);
    const seen = new Set<string>();
    const picked: Record<string, unknown>[] = [];
    rows.forEach((row, i) => {
      const k = row[key];
      if (k === null || k === undefined || seen.has(JSON.stringify(k)) || picked.length >= 3) return;
      seen.add(JSON.stringify(k));
      mask[i] = 1;
      picked.push(row);
    });
    if (picked.length > 0) return { batch: filterBatch(batch, mask), rows: picked };
  }
  throw new Error(`no row with a non-null ${key} in ${root}`);
}

/** The rows the generic delete, merge and append should leave, from the rows before them. */
function model(
  before: readonly Record<string, unknown>[],
  key: string,
  sample: Sample,
): Record<string, unknown>[] {
  const k = (row: Record<string, unknown>): string => JSON.stringify(row[key]);
  const deleted = k(sample.rows[0] ?? {});
  const bySample = new Map(sample.rows.map((r) => [k(r), r]));
  const after = before.filter((r) => k(r) !== deleted);
  const present = new Set(after.map(k));
  const merged = after.map((r) => bySample.get(k(r)) ?? r);
  for (const r of sample.rows) if (!present.has(k(r))) merged.push(r);
  return [...merged, ...sample.rows];
}

async function schemaFields(root: string): Promise<RefField[]> {
  const snap = await (await DeltaTable.open(root)).snapshot();
  return (JSON.parse(snap.metadata.schemaString) as { fields: RefField[] }).fields;
}

interface Written {
  readonly root: string;
  /** First and last version delta-ts wrote. */
  readonly first: number;
  readonly last: number;
}

async function exercise(target: ReverseTarget, root: string): Promise<Written> {
  const table = await DeltaTable.open(root);
  const start = (await table.versions()).latest;
  const before = await ourRows(root);
  const sample = await sampleOf(root, target.key);
  const column = quoteIfNeeded(target.key);
  const del = await deleteRows(root, { where: `${column} = ${literal(sample.rows[0]?.[target.key])}` });
  expect(del.status).toBe('committed');
  const merge = await mergeRows(root, [sample.batch], { on: [target.key] });
  expect(merge.status).toBe('committed');
  const append = await writeTable(root, [sample.batch]);
  expect(append.status).toBe('committed');
  const expected = model(before, target.key, sample);
  const set = new RowMultiset(typesOf(await schemaFields(root)));
  for (const row of expected) set.addExpected(row);
  for (const row of await ourRows(root)) set.addActual(row);
  const d = set.diff();
  expect(d.equal, describeDiff(d, 'the model of delete + merge + append')).toBe(true);
  return { root, first: start + 1, last: (await (await DeltaTable.open(root)).versions()).latest };
}

describe('tables written by delta-rs, Spark and fixtures, then by delta-ts', () => {
  for (const target of TARGETS) {
    describe(target.id, () => {
      let written: Promise<Written> | undefined;
      const get = (): Promise<Written> => {
        written ??= target.make(requireServer()).then((root) => exercise(target, root));
        return written;
      };

      it('delta-ts deletes, merges and appends as the model says', async () => {
        const w = await get();
        expect(w.last).toBeGreaterThan(w.first);
      });

      for (const engine of ENGINES) {
        const skip = findSkip(`write-reverse/${target.id}#${engine}`);
        if (skip !== undefined) {
          it.skip(`${engine} reads every version delta-ts wrote (skipped: ${skip.reason})`, () => undefined);
          continue;
        }
        it(`${engine} reads every version delta-ts wrote as delta-ts does`, async () => {
          const w = await get();
          const problems: string[] = [];
          const fault = findColumnFault(`write-reverse/${target.id}#${engine}`);
          for (let v = w.first; v <= w.last; v++) {
            const problem = await compareEngine(requireServer(), engine, w.root, v, fault?.columns);
            if (problem !== undefined) problems.push(`v${v}: ${problem}`);
          }
          expect(problems, problems.join('\n\n')).toEqual([]);
        });
      }

      if (target.cdf === true) {
        it('delta-rs load_cdf over delta-ts commits equals delta-ts changes()', async () => {
          const w = await get();
          const ref = await requireServer().changes(w.root, w.first, w.last);
          const drop = ({
            _commit_timestamp: _t,
            ...rest
          }: Record<string, unknown>): Record<string, unknown> => rest;
          const set = new RowMultiset(typesOf(ref.fields));
          for (const row of ref.rows) set.addExpected(drop(row));
          for (const row of await ourChanges(w.root, w.first, w.last)) set.addActual(drop(row));
          const d = set.diff();
          expect(d.expectedCount).toBeGreaterThan(0);
          expect(d.equal, describeDiff(d, 'delta-rs load_cdf')).toBe(true);
        });
      }

      const skipCheckpoint = findSkip(`write-reverse/${target.id}#checkpoint`);
      const engines = ENGINES.filter((e) => findSkip(`write-reverse/${target.id}#${e}`) === undefined);
      if (skipCheckpoint !== undefined) {
        it.skip(`checkpoint and vacuum (skipped: ${skipCheckpoint.reason})`, () => undefined);
        return;
      }
      it(`after a delta-ts checkpoint and vacuum, ${engines.join(', ')} read the latest version as delta-ts does`, async () => {
        const w = await get();
        const storage = new LocalStorage(w.root);
        const cp = await writeCheckpoint(storage);
        expect(cp.version).toBe(w.last);
        await vacuum(storage, { retentionHours: 0, force: true, now: Date.now() + 60_000 });
        const problems: string[] = [];
        for (const engine of engines) {
          const fault = findColumnFault(`write-reverse/${target.id}#${engine}`);
          const problem = await compareEngine(requireServer(), engine, w.root, undefined, fault?.columns);
          if (problem !== undefined) problems.push(problem);
        }
        expect(problems, problems.join('\n\n')).toEqual([]);
      });
    });
  }
});

describe('tables with writer features delta-ts refuses fail every write with UnsupportedFeature', () => {
  for (const target of REFUSED) {
    it(`${target.id} (${target.feature})`, async () => {
      const root = await target.make(requireServer());
      const log = (): string[] => readdirSync(join(root, '_delta_log')).sort();
      const before = log();
      const attempts: [string, () => Promise<unknown>][] = [
        ['delete', () => deleteRows(root, { where: 'true' })],
        ['append', () => writeTable(root, [])],
        ['merge', () => mergeRows(root, [], { on: ['id'] })],
      ];
      for (const [what, attempt] of attempts) {
        const outcome = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isDeltaError(outcome, 'UnsupportedFeature'), `${what}: ${String(outcome)}`).toBe(true);
      }
      expect(log()).toEqual(before);
    });
  }
});
