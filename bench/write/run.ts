/**
 * Runs the write benchmark cases for delta-ts, delta-rs and Spark.
 *
 * Every run starts from a fresh scratch copy of the case's base table (copying is not timed), so
 * no engine writes on top of another's output. delta-ts and delta-rs run one fresh process per
 * measured run and alternate run by run (as the read benchmarks do); Spark serves its runs from one
 * JVM started once (its start is excluded and reported), interleaved after the other two.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchPaths } from '../cases.js';
import { writeEngineCommand, type WriteCase } from './cases.js';
import type { WriteEngine, WriteResult } from './result.js';
import { SparkServer } from './spark.js';

/** All runs of one engine in one write case, and the failures that stopped it. */
export interface WriteRuns {
  readonly engine: WriteEngine;
  readonly runs: WriteResult[];
  readonly errors: string[];
}

/** The outcome of one write case. */
export interface WriteCaseResult {
  readonly bench: WriteCase;
  /** Arrow size of the input in bytes (the IPC stream file), null for checkpoints. */
  readonly inputBytes: number | null;
  readonly results: readonly WriteRuns[];
}

/** A delta-ts or delta-rs process is killed after this long and reported as timed out. */
const RUN_TIMEOUT_MS = 300_000;
const SPARK_START_TIMEOUT_MS = 180_000;
const SPARK_JOB_TIMEOUT_MS = 400_000;

/** Total size of every file under `dir`. */
function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** A writable scratch copy of `base` at `dest` (fixtures are read-only; the copy must not be). */
function scratchCopy(base: string, dest: string): void {
  rmSync(dest, { recursive: true, force: true });
  const cp = spawnSync('cp', ['-r', base, dest], { encoding: 'utf8' });
  if (cp.status !== 0) throw new Error(`cp -r ${base} ${dest}: ${cp.stderr}`);
  spawnSync('chmod', ['-R', 'u+w', dest]);
}

function runProcess(paths: BenchPaths, engine: 'delta-ts' | 'delta-rs', c: WriteCase, table: string) {
  const { cmd, args } = writeEngineCommand(paths, engine, c, table);
  const child = spawnSync(cmd, args, { encoding: 'utf8', timeout: RUN_TIMEOUT_MS, maxBuffer: 64 << 20 });
  if (child.error) return child.error.message;
  const last = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !last.startsWith('{')) {
    const why = child.signal ? `killed by ${child.signal}` : `exit ${child.status}`;
    const lines = child.stderr.trim().split('\n');
    const errorLine = lines.find((l) => /^\w*(Error|Exception)\b|^DeltaError/.test(l.trim()));
    return `${why}: ${(errorLine ?? lines.slice(0, 3).join(' | ')).trim().slice(0, 400)}`;
  }
  return JSON.parse(last) as WriteResult;
}

function log(c: WriteCase, engine: string, run: number, result: WriteResult | string): void {
  if (typeof result === 'string') {
    console.error(`  ${engine} ${c.kind}: FAILED ${result}`);
    return;
  }
  const lat = result.latenciesMs;
  const extra = lat ? `, ${lat.length} commits` : result.rows !== null ? `, ${result.rows} rows` : '';
  console.error(
    `  ${engine} ${c.kind} run ${run}: ${result.ms.toFixed(0)} ms, cpu ${result.cpuMs.toFixed(0)} ms, ` +
      `peak RSS ${(result.peakRssKb / 1024).toFixed(0)} MiB, v${result.version}, ${result.files} files${extra}, ` +
      `${((result.outputBytes ?? 0) / 2 ** 20).toFixed(1)} MiB written`,
  );
}

/** Runs `cases`; Spark is skipped when `withSpark` is false or it cannot start. */
export async function runWriteCases(
  paths: BenchPaths,
  cases: readonly WriteCase[],
  withSpark: boolean,
): Promise<WriteCaseResult[]> {
  const scratch = join(paths.cache, 'write-scratch');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  let spark: SparkServer | string | undefined;
  if (withSpark) {
    console.error('bench: starting Spark for the write cases (not timed)');
    spark = await SparkServer.start(paths, SPARK_START_TIMEOUT_MS);
    if (typeof spark === 'string') console.error(`bench: ${spark}; Spark skipped`);
    else console.error(`bench: Spark up in ${(spark.startupMs / 1000).toFixed(1)} s`);
  }
  const out: WriteCaseResult[] = [];
  try {
    for (const c of cases) {
      console.error(`bench: ${c.title}`);
      const engines: WriteEngine[] = ['delta-ts', 'delta-rs', ...(spark ? (['spark'] as const) : [])];
      const results: WriteRuns[] = engines.map((engine) => ({ engine, runs: [], errors: [] }));
      const rounds = Math.max(c.runs, c.sparkRuns);
      for (let i = 0; i < rounds; i++) {
        for (const entry of results) {
          const wanted = entry.engine === 'spark' ? c.sparkRuns : c.runs;
          if (i >= wanted || entry.errors.length > 0) continue;
          const table = join(scratch, `${c.id}-${entry.engine}-${i}`);
          scratchCopy(c.base, table);
          const before = treeBytes(table);
          let result: WriteResult | string;
          if (entry.engine === 'spark') {
            if (typeof spark !== 'object' || !spark.alive)
              result = typeof spark === 'string' ? spark : 'Spark exited';
            else
              result = await spark.run(
                {
                  op: c.kind,
                  path: table,
                  ...(c.input ? { input: `${c.input}.parquet` } : {}),
                  ...((c.sparkCount ?? c.count) ? { count: c.sparkCount ?? c.count } : {}),
                },
                SPARK_JOB_TIMEOUT_MS,
              );
          } else {
            result = runProcess(paths, entry.engine, c, table);
          }
          if (typeof result === 'string') entry.errors.push(result);
          else {
            result.outputBytes = treeBytes(table) - before;
            entry.runs.push(result);
          }
          log(c, entry.engine, i + 1, result);
          rmSync(table, { recursive: true, force: true });
        }
      }
      out.push({ bench: c, inputBytes: c.input ? statSync(`${c.input}.arrows`).size : null, results });
    }
  } finally {
    if (typeof spark === 'object') await spark.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  return out;
}
