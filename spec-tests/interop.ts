/**
 * The writer interop harness: a client of the reference server (`scripts/ref/interop.py`, one
 * Python process holding delta-rs and a Spark session for a whole spec file) and the comparison of
 * a reference engine's reading of a table with delta-ts' own reading.
 *
 * The direction of trust is the reverse of the reader's conformance tests: here the table was
 * written (in part) by delta-ts, and a reference engine reading it differently from delta-ts means
 * the files or the log delta-ts wrote are not what the protocol says, so the writer is at fault
 * unless delta-ts' reader is.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DeltaTable } from '../src/index.js';
import { describeDiff, RowMultiset, typesOf, type RowDiff } from './compare.js';
import { REPO_ROOT } from './fixtures.js';
import { VENV_PYTHON, type RefField } from './reference.js';

/** A reference engine that reads tables. */
export type Engine = 'delta-rs' | 'spark' | 'duckdb';

/** Rows as a reference engine read them. */
export interface EngineRows {
  /** Which scan answered: `delta-rs-datafusion`, `delta-rs`, `spark`, `duckdb`. */
  readonly engine: string;
  readonly fields: RefField[];
  readonly rows: Record<string, unknown>[];
}

interface Pending {
  resolve: (value: Record<string, unknown>) => void;
  reject: (err: Error) => void;
}

/** A running `interop.py`; requests are answered in order, one at a time. */
export class RefServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private exited: string | undefined;

  private constructor() {
    this.child = spawn(VENV_PYTHON, [join(REPO_ROOT, 'scripts', 'ref', 'interop.py')], {
      cwd: REPO_ROOT,
      env: { ...process.env, PYTHONWARNINGS: 'ignore' },
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      if (process.env.INTEROP_VERBOSE === '1') process.stderr.write(chunk);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (line.trim() === '') return;
      const res = JSON.parse(line) as Record<string, unknown>;
      const id = Number(res.id);
      const p = this.pending.get(id);
      this.pending.delete(id);
      p?.resolve(res);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = `interop.py exited with ${signal ?? `code ${String(code)}`}`;
      for (const p of this.pending.values()) p.reject(new Error(this.exited));
      this.pending.clear();
    });
  }

  /** Starts the server (after `scripts/setup-venv` has made the venv). */
  static start(): RefServer {
    return new RefServer();
  }

  /** Sends one request; resolves with the answer, rejects with the engine's error text. */
  async call(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.exited !== undefined) throw new Error(this.exited);
    const id = this.next++;
    const answer = await new Promise<Record<string, unknown>>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ ...request, id })}\n`);
    });
    if (typeof answer.error === 'string') throw new Error(answer.error);
    return answer;
  }

  /** The table (at `version`, else latest) as `engine` reads it. */
  async read(engine: Engine, root: string, version?: number): Promise<EngineRows> {
    const res = await this.call({ op: 'read', engine, root, ...(version === undefined ? {} : { version }) });
    return res as unknown as EngineRows;
  }

  /** delta-rs' `load_cdf` for versions `from..to`. */
  async changes(root: string, from: number, to: number): Promise<EngineRows> {
    return (await this.call({ op: 'cdf', root, from, to })) as unknown as EngineRows;
  }

  /** Runs Spark SQL statements in order. */
  async sparkSql(...sql: string[]): Promise<void> {
    await this.call({ op: 'spark_sql', sql });
  }

  /** Closes stdin and waits for the process (which stops Spark) to exit. */
  async stop(): Promise<void> {
    if (this.exited !== undefined) return;
    const done = new Promise<void>((resolve) => this.child.on('exit', () => resolve()));
    this.child.stdin.end();
    await done;
  }
}

/**
 * Starts one reference server for the calling spec file (before its tests) and stops it after
 * them; returns the accessor the tests use.
 */
export function useRefServer(): () => RefServer {
  let server: RefServer | undefined;
  beforeAll(() => {
    server = RefServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('the reference server did not start');
    return server;
  };
}

/** delta-ts' rows of the table at `root` (at `version`, else latest). */
export async function ourRows(root: string, version?: number): Promise<Record<string, unknown>[]> {
  const table = await DeltaTable.open(root);
  const rows: Record<string, unknown>[] = [];
  for await (const row of table.scan(version === undefined ? {} : { version }).rows()) rows.push(row);
  return rows;
}

/** delta-ts' change feed of `root` for `from..to`. */
export async function ourChanges(root: string, from: number, to: number): Promise<Record<string, unknown>[]> {
  const table = await DeltaTable.open(root);
  const rows: Record<string, unknown>[] = [];
  for await (const row of table.changes({ from, to }).rows()) rows.push(row);
  return rows;
}

/** The multiset difference between a reference's rows and delta-ts' rows. */
export function diffRows(ref: EngineRows, ours: readonly Record<string, unknown>[]): RowDiff {
  const set = new RowMultiset(typesOf(ref.fields));
  for (const row of ref.rows) set.addExpected(row);
  for (const row of ours) set.addActual(row);
  return set.diff(5);
}

/**
 * The outcome of comparing one engine's reading with ours: `undefined` when equal, else why not.
 * `ignore` names columns left out on both sides (a known fault of the engine, see `skips.ts`).
 */
export async function compareEngine(
  server: RefServer,
  engine: Engine,
  root: string,
  version?: number,
  ignore: readonly string[] = [],
): Promise<string | undefined> {
  let ref: EngineRows;
  try {
    ref = await server.read(engine, root, version);
  } catch (err) {
    return `${engine} refused to read${version === undefined ? '' : ` v${version}`}: ${String(err)}`;
  }
  let ours = await ourRows(root, version);
  if (ignore.length > 0) {
    const drop = (row: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(Object.entries(row).filter(([k]) => !ignore.includes(k)));
    ref = { ...ref, fields: ref.fields.filter((f) => !ignore.includes(f.name)), rows: ref.rows.map(drop) };
    ours = ours.map(drop);
  }
  const names = ref.fields.map((f) => f.name);
  const ourNames = ours[0] ? Object.keys(ours[0]) : names;
  if (JSON.stringify(ourNames) !== JSON.stringify(names)) {
    return `${engine} columns ${JSON.stringify(names)} differ from delta-ts' ${JSON.stringify(ourNames)}`;
  }
  const d = diffRows(ref, ours);
  return d.equal ? undefined : describeDiff(d, `${ref.engine}${version === undefined ? '' : ` v${version}`}`);
}

/** A fresh temporary directory for one table; removed by {@link removeTemp}. */
export function tempTable(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `delta-ts-interop-${prefix}-`));
}

/** A copy of a fixture table in a fresh temporary directory (the fixture itself is never written). */
export function copyFixture(root: string, prefix: string): string {
  const dir = join(tempTable(prefix), 'table');
  cpSync(root, dir, { recursive: true });
  return dir;
}

/** Removes a directory made by {@link tempTable} or {@link copyFixture}. */
export function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
