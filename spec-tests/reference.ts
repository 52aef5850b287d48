/**
 * Runs the Python reference dumper (`scripts/ref/dump.py`) once for a list of cases and loads its
 * results. One Python process serves every case so delta-rs and pyarrow are imported once; the
 * dumper caches per table version under `.cache/ref/<deltalake version>/`, so a rerun is quick.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { FixtureCase } from './fixtures.js';
import { REPO_ROOT } from './fixtures.js';

/** A field of the reference's logical schema (Delta JSON form). */
export interface RefField {
  readonly name: string;
  readonly type: unknown;
}

/** What a reference said about one table version. */
export interface RefResult {
  /** The case id (`…@v3`, with `#expected` for the expected-results conversion). */
  readonly id: string;
  /** `rows`: rows were produced; `error`: the engine refused; `dumper-error`: our script failed. */
  readonly status: 'rows' | 'error' | 'dumper-error';
  /** `delta-rs`, `delta-rs-datafusion`, `duckdb`, `expected` or `spark`. */
  readonly engine: string | undefined;
  /** For errors: `load` (the log could not be replayed) or `scan` (data files could not be read). */
  readonly phase: 'load' | 'scan' | undefined;
  readonly error: string | undefined;
  readonly schema: readonly RefField[] | undefined;
  /** Absolute path of the canonical rows (NDJSON) for status `rows`; read lazily, it can be large. */
  readonly rowsPath: string | undefined;
  /** Number of rows for status `rows`. */
  readonly rowCount: number | undefined;
  /** Active files of the snapshot per delta-rs, as written in the log. */
  readonly filesCount: number | undefined;
  readonly filesSha256: string | undefined;
  readonly files: readonly string[] | undefined;
  /** How many of those files (relative paths) are absent from the fixture. */
  readonly missingFiles: number | undefined;
  /** Every engine tried before the one that answered, with its error. */
  readonly attempts: readonly { engine: string; error: string }[];
  readonly note: string | undefined;
}

/** The dumper's answer for the whole run. */
export interface RefRun {
  readonly deltalake: string;
  readonly duckdbDelta: string;
  readonly results: ReadonlyMap<string, RefResult>;
}

/** Python of the project venv made by `scripts/setup-venv`. */
export const VENV_PYTHON = join(REPO_ROOT, '.venv-ref', 'bin', 'python');

/** The dumper's input for a fixture case list: a delta-rs case per version, plus expected ones. */
export function dumperCases(cases: readonly FixtureCase[]): object[] {
  const out: object[] = [];
  for (const c of cases) {
    if (c.version === undefined || !c.table.hasLog) continue;
    out.push({ id: c.id, table_root: c.table.root, version: c.version, mode: 'delta-rs' });
    if (c.expectedFiles !== undefined) {
      out.push({
        id: `${c.id}#expected`,
        table_root: c.table.root,
        version: c.version,
        mode: 'expected',
        expected_files: c.expectedFiles,
      });
    }
  }
  return out;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Streams the rows of an NDJSON file, one parsed object at a time. */
export async function* readNdjson(path: string): AsyncGenerator<Record<string, unknown>> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() !== '') yield JSON.parse(line) as Record<string, unknown>;
  }
}

function loadResult(outDir: string, metaFile: string): RefResult {
  const meta = JSON.parse(readFileSync(join(outDir, metaFile), 'utf8')) as Record<string, unknown>;
  const status = meta.status === 'rows' || meta.status === 'error' ? meta.status : 'dumper-error';
  const phase = meta.phase === 'load' || meta.phase === 'scan' ? meta.phase : undefined;
  return {
    id: String(meta.id),
    status,
    engine: str(meta.engine),
    phase,
    error: str(meta.error),
    schema: Array.isArray(meta.schema) ? (meta.schema as RefField[]) : undefined,
    rowsPath: str(meta.rows_path),
    rowCount: typeof meta.row_count === 'number' ? meta.row_count : undefined,
    filesCount: typeof meta.files_count === 'number' ? meta.files_count : undefined,
    filesSha256: str(meta.files_sha256),
    files: Array.isArray(meta.files) ? (meta.files as string[]) : undefined,
    missingFiles: typeof meta.missing_files === 'number' ? meta.missing_files : undefined,
    attempts: Array.isArray(meta.attempts) ? (meta.attempts as { engine: string; error: string }[]) : [],
    note: str(meta.note),
  };
}

/** Runs a command with inherited stderr; rejects with its exit status. */
function runChild(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, [...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, PYTHONWARNINGS: 'ignore' },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise();
      else
        reject(
          new Error(`${command} ${args.join(' ')} failed with ${signal ?? `exit code ${String(code)}`}`),
        );
    });
  });
}

/** The dumper's index: versions of the engines and one metadata file per case. */
interface DumperIndex {
  readonly deltalake: string;
  readonly duckdb_delta: string;
  readonly spark?: { readonly pyspark?: string; readonly 'delta-spark'?: string };
  readonly spark_started_seconds?: number | null;
  readonly cases: readonly { readonly id: string; readonly meta: string }[];
}

/**
 * Runs the dumper over raw dumper cases (after `bash scripts/setup-venv`) into `outDir` and returns
 * its index with every result by case id. `outDir` keeps the files so a failing run can be inspected.
 */
async function runDumper(
  input: readonly object[],
  outDir: string,
): Promise<{ index: DumperIndex; results: Map<string, RefResult> }> {
  // Asynchronous on purpose: a first run takes minutes, and a blocked event loop makes the vitest
  // worker miss its RPC deadlines.
  await runChild('bash', [join(REPO_ROOT, 'scripts', 'setup-venv')]);
  mkdirSync(outDir, { recursive: true });
  const casesFile = join(outDir, 'cases.json');
  writeFileSync(casesFile, JSON.stringify(input));
  await runChild(VENV_PYTHON, [
    join(REPO_ROOT, 'scripts', 'ref', 'dump.py'),
    '--cases',
    casesFile,
    '--out',
    outDir,
  ]);
  const indexPath = join(outDir, 'index.json');
  if (!existsSync(indexPath)) throw new Error(`reference dumper wrote no ${indexPath}`);
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as DumperIndex;
  const results = new Map<string, RefResult>();
  for (const c of index.cases) results.set(c.id, loadResult(outDir, c.meta));
  return { index, results };
}

/** Runs the dumper for the delta-rs and expected-result cases of `cases`; results by case id. */
export async function runReference(cases: readonly FixtureCase[], outDir: string): Promise<RefRun> {
  const { index, results } = await runDumper(dumperCases(cases), outDir);
  return { deltalake: index.deltalake, duckdbDelta: index.duckdb_delta, results };
}

/** A table version Spark should read, in a session time zone. */
export interface SparkRequest {
  /** Result id: `<case id>#spark`, or `<case id>#spark@<zone>` for a zone other than UTC. */
  readonly id: string;
  readonly case: FixtureCase;
  readonly timeZone: string;
}

/** What Spark said about the requested cases. */
export interface SparkRun {
  /** `pyspark X, delta-spark Y`. */
  readonly versions: string;
  /** Seconds the Spark session took to start in this run; `undefined` when every case was cached. */
  readonly startedSeconds: number | undefined;
  readonly results: ReadonlyMap<string, RefResult>;
}

/** The result id of Spark's reading of `caseId` in `timeZone`. */
export function sparkId(caseId: string, timeZone = 'UTC'): string {
  return timeZone === 'UTC' ? `${caseId}#spark` : `${caseId}#spark@${timeZone}`;
}

/** Runs the dumper's Spark mode for `requests` (one Spark session, started only on a cache miss). */
export async function runSpark(requests: readonly SparkRequest[], outDir: string): Promise<SparkRun> {
  const input = requests.map((r) => ({
    id: r.id,
    table_root: r.case.table.root,
    version: r.case.version,
    mode: 'spark',
    time_zone: r.timeZone,
  }));
  const { index, results } = await runDumper(input, outDir);
  const started = index.spark_started_seconds;
  return {
    versions: `pyspark ${index.spark?.pyspark ?? '?'}, delta-spark ${index.spark?.['delta-spark'] ?? '?'}`,
    startedSeconds: typeof started === 'number' ? started : undefined,
    results,
  };
}
