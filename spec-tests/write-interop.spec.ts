import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../src/index.js';
import { describeDiff, RowMultiset, typesOf } from './compare.js';
import { FIXTURES_DIR, REPO_ROOT } from './fixtures.js';
import {
  compareEngine,
  ourChanges,
  ourRows,
  removeTemp,
  tempTable,
  type Engine,
  useRefServer,
} from './interop.js';
import { findColumnFault } from './skips.js';
import { SCENARIOS } from './write-scenarios.js';

/**
 * Writer interop, delta-ts → references: every scenario (write-scenarios.ts) builds a table with
 * delta-ts' operations, then delta-rs, Spark and DuckDB read **every version** of it and must read the
 * same rows as delta-ts (canonical rows, order-insensitive). Where the scenario has a change feed,
 * delta-rs' `load_cdf` must equal delta-ts' `changes()`.
 *
 * `_commit_timestamp` is left out of the change feed comparison: without in-commit timestamps
 * delta-rs reports `commitInfo.timestamp` while PROTOCOL.md (and delta-ts, Spark) take the commit
 * file's modification time, and the two differ by the time it took to write the file.
 *
 * DuckDB reads every version too, with its `delta` extension (from the `duckdb-extension-delta`
 * wheel, since extensions.duckdb.org cannot be reached here; see scripts/ref/duck.py). A probe test
 * fails first, with the reason, when the extension does not load.
 *
 * The engine × scenario outcome table is written to `.cache/write-interop/matrix.md`.
 */

const ENGINES: readonly Engine[] = ['delta-rs', 'spark', 'duckdb'];
const matrix = new Map<string, Map<string, string>>();
const roots = new Map<string, string>();
const built = new Map<string, Promise<string | undefined>>();
const requireServer = useRefServer();

function record(scenario: string, engine: string, outcome: string): void {
  const row = matrix.get(scenario) ?? new Map<string, string>();
  row.set(engine, outcome);
  matrix.set(scenario, row);
}

afterAll(() => {
  for (const root of roots.values()) removeTemp(root);
  const engines = ['delta-rs', 'spark', 'delta-rs load_cdf', 'duckdb'];
  const lines = [
    `| scenario | ${engines.join(' | ')} |`,
    `| --- | ${engines.map(() => '---').join(' | ')} |`,
    ...SCENARIOS.map(
      (s) => `| ${s.name} | ${engines.map((e) => matrix.get(s.name)?.get(e) ?? '—').join(' | ')} |`,
    ),
  ];
  const dir = join(REPO_ROOT, '.cache', 'write-interop');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'matrix.md'), `${lines.join('\n')}\n`);
});

/** Builds the scenario's table once (the first test of the scenario waits for it). */
function build(name: string): Promise<string | undefined> {
  let p = built.get(name);
  if (p === undefined) {
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (scenario === undefined) throw new Error(`no scenario ${name}`);
    const root = tempTable(name);
    roots.set(name, root);
    p = scenario.build(root).then(
      () => undefined,
      (err: unknown) => `delta-ts failed to build the table: ${String(err)}`,
    );
    built.set(name, p);
  }
  return p;
}

function rootOf(name: string): string {
  const root = roots.get(name);
  if (root === undefined) throw new Error(`scenario ${name} was not built`);
  return root;
}

describe('tables written by delta-ts read the same in delta-rs, Spark and DuckDB', () => {
  it("DuckDB's delta extension loads", async () => {
    const probe = await requireServer().call({ op: 'duckdb_probe' });
    record('(probe)', 'duckdb', String(probe.reason));
    expect(probe.available, `DuckDB's delta extension does not load: ${String(probe.reason)}`).toBe(true);
  });

  it('DuckDB reads partition columns of a column-mapping table Delta wrote as null (the reason for its column fault)', async () => {
    const root = join(FIXTURES_DIR, 'delta-golden', 'data-reader-timestamp_ntz-id-mode');
    const duck = await requireServer().read('duckdb', root);
    const rs = await requireServer().read('delta-rs', root);
    const values = (rows: readonly Record<string, unknown>[]) => rows.map((r) => r['tsNtzPartition']);
    expect(values(rs.rows).some((v) => v !== null)).toBe(true);
    expect(
      values(duck.rows).every((v) => v === null),
      'DuckDB reads these partition values now: drop the column-mapping entry of COLUMN_FAULTS in skips.ts',
    ).toBe(true);
  });

  for (const scenario of SCENARIOS) {
    describe(scenario.name, () => {
      it(`delta-ts reads the ${scenario.rows} rows the steps leave`, async () => {
        const failed = await build(scenario.name);
        if (failed !== undefined) return expect.fail(failed);
        expect((await ourRows(rootOf(scenario.name))).length).toBe(scenario.rows);
      });

      for (const engine of ENGINES) {
        it(`${engine} reads every version as delta-ts does`, async () => {
          const failed = await build(scenario.name);
          if (failed !== undefined) {
            record(scenario.name, engine, 'not built');
            return expect.fail(failed);
          }
          const root = rootOf(scenario.name);
          const { latest } = await (await DeltaTable.open(root)).versions();
          const fault = findColumnFault(`write-interop/${scenario.name}#${engine}`);
          const problems: string[] = [];
          for (let v = 0; v <= latest; v++) {
            const problem = await compareEngine(requireServer(), engine, root, v, fault?.columns);
            if (problem !== undefined) problems.push(`v${v}: ${problem}`);
          }
          record(
            scenario.name,
            engine,
            problems.length === 0
              ? `ok (v0–v${latest})${fault ? ` except ${fault.columns.join(', ')} (known fault)` : ''}`
              : `**differs** at ${problems.map((p) => p.split(':')[0]).join(', ')}`,
          );
          expect(problems, problems.join('\n\n')).toEqual([]);
        });
      }

      const cdfFrom = scenario.cdfFrom;
      if (cdfFrom !== undefined) {
        it('delta-rs load_cdf equals delta-ts changes()', async () => {
          const failed = await build(scenario.name);
          if (failed !== undefined) return expect.fail(failed);
          const root = rootOf(scenario.name);
          const { latest } = await (await DeltaTable.open(root)).versions();
          const ref = await requireServer().changes(root, cdfFrom, latest);
          const ours = await ourChanges(root, cdfFrom, latest);
          const drop = ({
            _commit_timestamp: _t,
            ...rest
          }: Record<string, unknown>): Record<string, unknown> => rest;
          const set = new RowMultiset(typesOf(ref.fields));
          for (const row of ref.rows) set.addExpected(drop(row));
          for (const row of ours) set.addActual(drop(row));
          const d = set.diff();
          record(
            scenario.name,
            'delta-rs load_cdf',
            d.equal ? `ok (${d.expectedCount} change rows)` : '**differs**',
          );
          expect(d.equal, describeDiff(d, `delta-rs load_cdf v${cdfFrom}..v${latest}`)).toBe(true);
        });
      }
    });
  }
});
