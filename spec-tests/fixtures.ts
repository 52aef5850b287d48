/**
 * Enumeration of every fixture table and every version of it under `/work/shared/delta-fixtures`.
 *
 * The spec tests are data-driven: nothing here names a table. A table root is the folder holding
 * `_delta_log` (`<name>/delta` for the `kernel-rs-golden` and `dat` layouts, and any nested folder
 * holding a log, like `delta-golden/hive/deltatbl-partitioned`). A folder with no `_delta_log`
 * anywhere (`no-delta-log-folder`, `log-store-read`…) is still a table: a negative case whose right
 * outcome is a typed error, so it gets one case with the id suffix `@latest`.
 *
 * Versions come from the file names in `_delta_log` only (commits and complete checkpoints), not
 * from a reader, so the case list does not depend on the code under test. The range starts at the
 * earliest version a reader could reconstruct (commit 0, else the oldest checkpoint) and ends at the
 * newest file. Gaps are not filled in: a log with commits 0 and 2 yields cases v0 and v2 (and v2 is
 * where a reader must report the gap).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in `<root>/spec-tests`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the fixtures live: `$FIXTURES_DIR`, else `../shared/delta-fixtures` from the repo root. */
export const FIXTURES_DIR = resolve(REPO_ROOT, process.env.FIXTURES_DIR ?? '../shared/delta-fixtures');

/** Fixture folders whose tables sit in `<name>/delta` next to `<name>/expected`. */
const DELTA_SUBDIR_LAYOUTS = new Set(['kernel-rs-golden', 'dat']);

/** One fixture table. */
export interface FixtureTable {
  /** Top-level fixture folder, e.g. `delta-golden`. */
  readonly folder: string;
  /** Table name inside the folder; nested tables use `/` (`hive/deltatbl-partitioned`). */
  readonly name: string;
  /** `<folder>/<name>`. */
  readonly id: string;
  /** Absolute path of the table root. */
  readonly root: string;
  /** Whether the root holds a `_delta_log` folder. */
  readonly hasLog: boolean;
  /** Versions to test, ascending (empty when the log has no commit or checkpoint). */
  readonly versions: readonly number[];
  /** Stored expected results: version → absolute paths of the Parquet files holding the rows. */
  readonly expected: ReadonlyMap<number, readonly string[]>;
  /**
   * Where `expected` comes from when it is borrowed: the id of a byte-identical twin table
   * (`delta-golden/x` and `kernel-rs-golden/x` are copies of the same golden table).
   */
  readonly expectedFrom: string | undefined;
}

/** One test case: a table at one version. */
export interface FixtureCase {
  /** `<folder>/<table>@v<version>`, or `<folder>/<table>@latest` for a table with no versions. */
  readonly id: string;
  readonly table: FixtureTable;
  /** The version to read; `undefined` means "open the table as it is" (no log or no versions). */
  readonly version: number | undefined;
  /** Expected-result Parquet files for this version, when the fixture stores them. */
  readonly expectedFiles: readonly string[] | undefined;
}

const COMMIT = /^(\d{20})\.json$/;
const CLASSIC_CHECKPOINT = /^(\d{20})\.checkpoint\.parquet$/;
const MULTIPART_CHECKPOINT = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const V2_CHECKPOINT = /^(\d{20})\.checkpoint\.[0-9a-fA-F-]{36}\.(json|parquet)$/;

/**
 * Versions of a log from its file names: commits plus complete checkpoints (every part of a multi-part
 * checkpoint present), from the earliest reconstructable version to the newest.
 */
export function logVersions(fileNames: readonly string[]): number[] {
  const commits = new Set<number>();
  const checkpoints = new Set<number>();
  const parts = new Map<string, Set<number>>();
  for (const name of fileNames) {
    let m = COMMIT.exec(name);
    if (m?.[1] !== undefined) {
      commits.add(Number(m[1]));
      continue;
    }
    m = CLASSIC_CHECKPOINT.exec(name) ?? V2_CHECKPOINT.exec(name);
    if (m?.[1] !== undefined) {
      checkpoints.add(Number(m[1]));
      continue;
    }
    m = MULTIPART_CHECKPOINT.exec(name);
    if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined) {
      const key = `${Number(m[1])}/${Number(m[3])}`;
      const seen = parts.get(key) ?? new Set<number>();
      seen.add(Number(m[2]));
      parts.set(key, seen);
    }
  }
  for (const [key, seen] of parts) {
    const [version, total] = key.split('/').map(Number);
    if (version !== undefined && total !== undefined && seen.size === total) checkpoints.add(version);
  }
  const all = [...new Set([...commits, ...checkpoints])].sort((a, b) => a - b);
  if (all.length === 0) return [];
  const earliest = commits.has(0) ? 0 : checkpoints.size > 0 ? Math.min(...checkpoints) : (all[0] ?? 0); // nothing reconstructable: still test from the oldest commit (an error case)
  return all.filter((v) => v >= earliest);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function listDirs(path: string): string[] {
  return readdirSync(path, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** Folders under `base` that hold a `_delta_log`, not descending into logs or found tables. */
function findLogRoots(base: string): string[] {
  if (isDir(join(base, '_delta_log'))) return [base];
  return listDirs(base).flatMap((d) => findLogRoots(join(base, d)));
}

function parquetFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.parquet'))
    .sort()
    .map((f) => join(dir, f));
}

/** Expected results stored next to a `kernel-rs-golden` or `dat` table. */
function expectedResults(
  folder: string,
  tableDir: string,
  latest: number | undefined,
): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const dir = join(tableDir, 'expected');
  if (!isDir(dir)) return out;
  if (folder === 'kernel-rs-golden') {
    const files = parquetFiles(dir);
    if (files.length > 0 && latest !== undefined) out.set(latest, files);
    return out;
  }
  for (const sub of listDirs(dir)) {
    const content = join(dir, sub, 'table_content.parquet');
    if (!existsSync(content)) continue;
    let version: number | undefined;
    const m = /^v(\d+)$/.exec(sub);
    if (m?.[1] !== undefined) version = Number(m[1]);
    else {
      for (const metaName of ['table_version_metadata.json', 'expected_metadata.json']) {
        const metaPath = join(dir, sub, metaName);
        if (!existsSync(metaPath)) continue;
        const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { version?: unknown };
        if (typeof meta.version === 'number') version = meta.version;
      }
      version ??= latest;
    }
    if (version !== undefined && !out.has(version)) out.set(version, [content]);
  }
  return out;
}

function makeTable(folder: string, name: string, root: string, tableDir: string): FixtureTable {
  const logDir = join(root, '_delta_log');
  const hasLog = isDir(logDir);
  const versions = hasLog ? logVersions(readdirSync(logDir)) : [];
  const latest = versions[versions.length - 1];
  const expected = DELTA_SUBDIR_LAYOUTS.has(folder) ? expectedResults(folder, tableDir, latest) : new Map();
  return { folder, name, id: `${folder}/${name}`, root, hasLog, versions, expected, expectedFrom: undefined };
}

/** Relative path and size of every non-hidden file under `root` (Hadoop `.crc` files differ between copies). */
function fileListing(root: string): string {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (d.name.startsWith('.')) continue;
      const full = join(dir, d.name);
      if (d.isDirectory()) walk(full);
      else out.push(`${relative(root, full)} ${statSync(full).size}`);
    }
  };
  walk(root);
  return out.sort().join('\n');
}

/**
 * Lends the expected results of a `kernel-rs-golden` table to its `delta-golden` twin when both hold
 * the same files (names and sizes), so the Spark-written expectations check both copies.
 */
function borrowTwinExpectations(tables: FixtureTable[]): FixtureTable[] {
  const donors = new Map<string, FixtureTable>();
  for (const t of tables) {
    if (t.folder === 'kernel-rs-golden' && t.expected.size > 0) donors.set(t.name.toLowerCase(), t);
  }
  return tables.map((t) => {
    const donor = t.folder === 'delta-golden' ? donors.get(t.name.toLowerCase()) : undefined;
    if (donor === undefined || t.expected.size > 0 || !t.hasLog) return t;
    if (fileListing(donor.root) !== fileListing(t.root)) return t;
    return { ...t, expected: donor.expected, expectedFrom: donor.id };
  });
}

/** Every fixture table, sorted by id. */
export function listFixtureTables(fixturesDir: string = FIXTURES_DIR): FixtureTable[] {
  const tables: FixtureTable[] = [];
  for (const folder of listDirs(fixturesDir)) {
    for (const entry of listDirs(join(fixturesDir, folder))) {
      const tableDir = join(fixturesDir, folder, entry);
      const base = DELTA_SUBDIR_LAYOUTS.has(folder) ? join(tableDir, 'delta') : tableDir;
      const roots = isDir(base) ? findLogRoots(base) : [];
      if (roots.length === 0) {
        tables.push(makeTable(folder, entry, base, tableDir));
        continue;
      }
      for (const root of roots) {
        const rel = relative(base, root).split('\\').join('/');
        tables.push(makeTable(folder, rel === '' ? entry : `${entry}/${rel}`, root, tableDir));
      }
    }
  }
  return borrowTwinExpectations(tables).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Every test case: one per table version, or one `@latest` case for a table with no versions. */
export function listFixtureCases(tables: readonly FixtureTable[] = listFixtureTables()): FixtureCase[] {
  return tables.flatMap((table): FixtureCase[] =>
    table.versions.length === 0
      ? [{ id: `${table.id}@latest`, table, version: undefined, expectedFiles: undefined }]
      : table.versions.map((version) => ({
          id: `${table.id}@v${version}`,
          table,
          version,
          expectedFiles: table.expected.get(version),
        })),
  );
}
