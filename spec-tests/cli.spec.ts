/**
 * Differential test of the command line: `delta-ts scan <table> --format ndjson` must print the same
 * rows as the reference (stored expected results, else delta-rs) for a sample of fixture tables that
 * covers partitioning (with escaped values), nesting, maps, decimals, timestamps with and without
 * zone, dates, deletion vectors, column mapping and V2 checkpoints. Each table is read at its latest
 * version, which is what the CLI reads without `--version`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkColumns, compareWith } from './check.js';
import { describeDiff } from './compare.js';
import { listFixtureCases, listFixtureTables, REPO_ROOT, type FixtureCase } from './fixtures.js';
import { runReference, type RefRun } from './reference.js';

const run = promisify(execFile);

/** The sample: one table per concern. */
const SAMPLE = [
  'delta-rs/simple_table',
  'delta-rs/delta-0.8.0-partitioned',
  'delta-rs/delta-2.2.0-partitioned-types',
  'delta-golden/hive/deltatbl-special-chars-in-partition-column',
  'kernel-rs-golden/data-reader-escaped-chars',
  'kernel-rs-golden/data-reader-nested-struct',
  'kernel-rs-golden/data-reader-map',
  'kernel-rs-golden/data-reader-array-complex-objects',
  'kernel-rs-golden/basic-decimal-table',
  'kernel-rs-golden/decimal-various-scale-precision',
  'kernel-rs-golden/kernel-timestamp-int96',
  'kernel-rs-golden/data-reader-timestamp_ntz',
  'kernel-rs-golden/data-reader-date-types-America',
  'kernel-rs-golden/parquet-all-types',
  'kernel-rs-golden/dv-partitioned-with-checkpoint',
  'delta-rs/table-with-dv-small',
  'kernel-rs-golden/table-with-columnmapping-mode-name',
  'kernel-rs-golden/table-with-columnmapping-mode-id',
  'kernel-rs-golden/dv-with-columnmapping',
  'kernel-rs-golden/v2-checkpoint-parquet',
  'dat/multi_partitioned',
];

const CLI = join(REPO_ROOT, 'bin', 'delta-ts.js');
const tables = new Map(listFixtureTables().map((t) => [t.id, t]));
const allCases = listFixtureCases([...tables.values()]);
const latest = (id: string): FixtureCase | undefined => {
  const t = tables.get(id);
  const v = t?.versions[t.versions.length - 1];
  return allCases.find((c) => c.table.id === id && c.version === v);
};
const CASES = SAMPLE.map(latest).filter((c): c is FixtureCase => c !== undefined);
let reference: RefRun | undefined;

beforeAll(async () => {
  // bin/delta-ts.js runs the compiled library; build it so the CLI under test is the current source.
  try {
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT });
  } catch (err) {
    if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))) throw err;
    console.warn(`tsc reported errors; testing the emitted dist anyway: ${String(err).slice(0, 500)}`);
  }
  reference = await runReference(CASES, join(REPO_ROOT, '.cache', 'ref-run-cli'));
});

describe('delta-ts scan --format ndjson matches the reference', () => {
  it('finds every sampled table among the fixtures', () => {
    expect(CASES.map((c) => c.table.id)).toEqual(SAMPLE);
  });

  for (const c of CASES) {
    it(c.table.id, async () => {
      if (reference === undefined) throw new Error('the reference dumper did not run');
      const ref = reference.results.get(`${c.id}#expected`) ?? reference.results.get(c.id);
      if (ref?.status !== 'rows')
        throw new Error(`no reference rows for ${c.id}: ${ref?.error ?? 'missing'}`);
      const label = ref.engine ?? 'reference';
      const { stdout } = await run('node', [CLI, 'scan', c.table.root, '--format', 'ndjson'], {
        cwd: REPO_ROOT,
        maxBuffer: 1024 * 1024 * 1024,
      });
      const { diff, columns } = await compareWith(ref, label, async (onRow) => {
        for (const line of stdout.split('\n')) {
          if (line.trim() !== '') onRow(JSON.parse(line) as Record<string, unknown>);
        }
        return { files: [], columns: (ref.schema ?? []).map((f) => f.name) };
      });
      checkColumns(columns, ref, ref.note !== undefined);
      if (!diff.equal) throw new Error(describeDiff(diff, label));
    });
  }
});
