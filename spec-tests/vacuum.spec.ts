import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../src/storage/local.js';
import { vacuum } from '../src/table/vacuum.js';
import { FIXTURES_DIR } from './fixtures.js';
import { copyFixture, ourRows, removeTemp } from './interop.js';
import { VENV_PYTHON } from './reference.js';

/**
 * VACUUM against delta-rs' `DeltaTable.vacuum` (retention 0, not enforced, dry run) on copies of
 * fixture tables, then a real VACUUM whose table must still read the same rows.
 *
 * Known, intended differences, each following Delta's documented VACUUM (which delta-rs does not
 * fully implement): delta-ts also deletes unreferenced deletion-vector files and `_change_data/`
 * files past the retention, and delta-rs lists tombstoned paths whether or not the file still
 * exists (delta-ts lists only files it found). The comparison applies exactly these corrections.
 */

const TABLES = [
  'delta-rs/table_with_deletion_logs',
  'delta-golden/dv-partitioned-with-checkpoint',
  'delta-rs/delta-0.8.0-special-partition',
  'delta-golden/snapshot-vacuumed',
  'delta-rs/cdf-table',
  'delta-golden/basic-with-inserts-deletes-checkpoint',
  'delta-golden/data-reader-partition-values',
];

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) removeTemp(join(root, '..'));
});

function deltaRsDryRun(root: string): string[] {
  const script = [
    'import json, sys',
    'from urllib.parse import unquote',
    'from deltalake import DeltaTable',
    'dt = DeltaTable(sys.argv[1])',
    'files = dt.vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=True)',
    'print(json.dumps(sorted(unquote(f) for f in files)))',
  ].join('\n');
  const run = spawnSync(VENV_PYTHON, ['-c', script, root], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`delta-rs vacuum failed: ${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '[]') as string[];
}

describe('vacuum agrees with delta-rs up to the documented differences', () => {
  for (const table of TABLES) {
    it(table, async () => {
      const root = copyFixture(join(FIXTURES_DIR, table), table.replace(/[^a-z0-9]+/gi, '-'));
      roots.push(root);
      const storage = new LocalStorage(root);
      const before = await ourRows(root);
      const ours = await vacuum(storage, { retentionHours: 0, force: true, dryRun: true });
      // delta-rs lists a path once per tombstone (one per deletion vector a file had): compare sets.
      const theirs = [...new Set(deltaRsDryRun(root))].filter((key) => existsSync(join(root, key)));
      const comparable = ours.files.filter(
        (key) => !key.startsWith('_change_data/') && !/(^|\/)deletion_vector_[^/]*\.bin$/.test(key),
      );
      expect(comparable).toEqual([...theirs].sort());
      const done = await vacuum(storage, { retentionHours: 0, force: true });
      expect(done.files).toEqual(ours.files);
      for (const key of ours.files) expect(existsSync(join(root, key)), key).toBe(false);
      expect((await ourRows(root)).length).toBe(before.length);
    });
  }
});
