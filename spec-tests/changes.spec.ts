import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable, isDeltaError } from '../src/index.js';
import { describeDiff, RowMultiset, typesOf } from './compare.js';
import { listFixtureTables, REPO_ROOT, type FixtureTable } from './fixtures.js';
import { VENV_PYTHON, type RefField } from './reference.js';

/**
 * Change data feed conformance: for every fixture table that turns `delta.enableChangeDataFeed`
 * on, `table.changes({ from, to: latest })` for every start version equals delta-rs' `load_cdf`, or
 * Spark's `readChangeFeed` where delta-rs cannot answer (column mapping, percent-encoded file names),
 * as canonical rows, order-insensitive. Where every reference refuses a range (the feed was off for
 * part of it), delta-ts must refuse it too, with a typed `DeltaError`.
 *
 * `_commit_timestamp` is the one column where delta-rs departs from PROTOCOL.md: without in-commit
 * timestamps it reports `commitInfo.timestamp`, while the protocol (and Spark and delta-kernel-rs)
 * take a commit's time from its log file's modification time. For such tables the column is
 * compared against the file time of each row's `_commit_version` instead, and the rest of the row
 * against delta-rs.
 */

interface CdfCase {
  readonly id: string;
  readonly table_root: string;
  readonly from: number;
  readonly to: number;
}

interface CdfReference {
  readonly id: string;
  /** `delta-rs` or `spark`: which engine produced the rows. */
  readonly engine?: string;
  readonly fields?: RefField[];
  readonly rows?: Record<string, unknown>[];
  readonly error?: string;
}

/** Whether any JSON commit of the table turns the change data feed on. */
function enablesChangeFeed(table: FixtureTable): boolean {
  if (!table.hasLog) return false;
  const log = join(table.root, '_delta_log');
  return readdirSync(log)
    .filter((f) => f.endsWith('.json'))
    .some((f) => /"delta\.enableChangeDataFeed"\s*:\s*"true"/.test(readFileSync(join(log, f), 'utf8')));
}

function withoutCommitTime(row: Record<string, unknown>): Record<string, unknown> {
  const { _commit_timestamp: _omitted, ...rest } = row;
  return rest;
}

/** The modification time of a commit file in the canonical timestamp form. */
function commitFileTime(root: string, version: number): string {
  const file = join(root, '_delta_log', `${String(version).padStart(20, '0')}.json`);
  const ms = Math.floor(statSync(file).mtimeMs);
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const tables = listFixtureTables().filter(enablesChangeFeed);
const cases: CdfCase[] = tables.flatMap((table) => {
  const latest = table.versions.at(-1);
  if (latest === undefined) return [];
  return table.versions.map((from) => ({
    id: `${table.id}@v${from}..v${latest}`,
    table_root: table.root,
    from,
    to: latest,
  }));
});

const references = new Map<string, CdfReference>();

beforeAll(() => {
  execFileSync('bash', [join(REPO_ROOT, 'scripts/setup-venv')], { stdio: 'inherit' });
  const out = execFileSync(VENV_PYTHON, ['cdf.py'], {
    cwd: join(REPO_ROOT, 'scripts/ref'),
    input: JSON.stringify(cases),
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const ref = JSON.parse(line) as CdfReference;
    references.set(ref.id, ref);
  }
}, 600_000);

describe('change data feed equals the reference (delta-rs load_cdf, else Spark readChangeFeed)', () => {
  it('covers the change-feed fixture tables', () => {
    expect(tables.length).toBeGreaterThanOrEqual(15);
    expect(cases.length).toBeGreaterThanOrEqual(tables.length);
  });

  for (const c of cases) {
    it(c.id, async () => {
      const ref = references.get(c.id);
      if (!ref) return expect.fail(`the reference script produced no answer for ${c.id}`);
      const table = await DeltaTable.open(c.table_root);
      const read = async (): Promise<Record<string, unknown>[]> => {
        const rows: Record<string, unknown>[] = [];
        for await (const row of table.changes({ from: c.from, to: c.to }).rows()) rows.push(row);
        return rows;
      };
      if (ref.error !== undefined) {
        await expect(read(), `every reference refused: ${ref.error}`).rejects.toSatisfy((e: unknown) =>
          isDeltaError(e),
        );
        return;
      }
      const schema = await table.changes({ from: c.from, to: c.to }).schema();
      expect(schema.fields.map((f) => f.name)).toEqual((ref.fields ?? []).map((f) => f.name));
      const ict =
        (await table.snapshot({ version: c.to })).properties['delta.enableInCommitTimestamps'] === 'true';
      const rows = new RowMultiset(typesOf(ref.fields));
      for (const row of ref.rows ?? []) rows.addExpected(ict ? row : withoutCommitTime(row));
      for (const row of await read()) {
        if (!ict) {
          expect(row._commit_timestamp, `commit time of v${String(row._commit_version)}`).toBe(
            commitFileTime(c.table_root, Number(row._commit_version)),
          );
        }
        rows.addActual(ict ? row : withoutCommitTime(row));
      }
      const diff = rows.diff();
      expect(diff.equal, describeDiff(diff, `${ref.engine ?? 'reference'} change feed`)).toBe(true);
    });
  }
});
