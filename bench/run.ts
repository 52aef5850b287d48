/**
 * Runs every benchmark case for delta-ts and delta-rs and writes `bench/RESULTS.md`.
 *
 * Each measured run is a fresh engine process (see `bench/engines/`), so peak RSS is attributable
 * to one engine doing one operation, and no run profits from a cache another left behind in
 * memory. Runs of the engines are interleaved (ts, rs, ts, rs, …) so drift in the machine's load
 * hits both sides alike. The OS page cache is warm for both: the tables were just generated or
 * read.
 *
 * The write cases (`bench/write/`) run after the read cases, with Spark as a third engine.
 *
 * Usage (from `scripts/bench`): node dist/bench/run.js REPO CACHE_DIR PYTHON [OUT_MD]
 * Env: BENCH_RUNS overrides the run count of every case; BENCH_ONLY=id1,id2 selects cases (read
 * or write ids); BENCH_FIXTURE overrides the 300k-add-files fixture path; BENCH_SPARK=0 leaves
 * Spark out of the write cases.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchCases, engineCommand, type BenchCase, type BenchPaths, type EngineOp } from './cases.js';
import { loadAverage, machineInfo } from './machine.js';
import { renderReport, type CaseResult, type OpRuns } from './report.js';
import type { EngineResult } from './result.js';
import { writeCases } from './write/cases.js';
import { runWriteCases } from './write/run.js';

/** A run slower than this stops further runs of that engine op once the minimum of 3 is reached. */
const SLOW_RUN_MS = 60_000;
/** A single engine process is killed after this long and reported as timed out. */
const RUN_TIMEOUT_MS = 240_000;

function runOnce(paths: BenchPaths, op: EngineOp, table: string): EngineResult | string {
  const { cmd, args } = engineCommand(paths, op, table);
  const child = spawnSync(cmd, args, { encoding: 'utf8', timeout: RUN_TIMEOUT_MS, maxBuffer: 16 << 20 });
  if (child.error) return `${child.error.message}`;
  const last = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !last.startsWith('{')) {
    const why = child.signal ? `killed by ${child.signal}` : `exit ${child.status}`;
    const lines = child.stderr.trim().split('\n');
    const errorLine = lines.find((l) => /^\w*(Error|Exception)\b|^DeltaError/.test(l.trim()));
    const detail = (errorLine ?? lines.slice(0, 3).join(' | ')).trim().slice(0, 400);
    return `${why}: ${detail}`;
  }
  return JSON.parse(last) as EngineResult;
}

function runCase(paths: BenchPaths, bench: BenchCase): CaseResult {
  const results: OpRuns[] = bench.ops.map((op) => ({ op, runs: [], errors: [] }));
  for (let i = 0; i < bench.runs; i++) {
    for (const entry of results) {
      const slow = entry.runs.length >= 3 && entry.runs.some((r) => r.ms > SLOW_RUN_MS);
      if (entry.errors.length > 0 || slow) continue;
      const result = runOnce(paths, entry.op, bench.table);
      if (typeof result === 'string') {
        entry.errors.push(result);
        console.error(`  ${entry.op.engine} ${entry.op.op}: FAILED ${result}`);
      } else {
        entry.runs.push(result);
        const rows = result.rows === null ? '' : `, ${result.rows} rows`;
        console.error(
          `  ${entry.op.engine} ${entry.op.op} run ${i + 1}: ${result.ms.toFixed(0)} ms, ` +
            `peak RSS ${(result.peakRssKb / 1024).toFixed(0)} MiB, v${result.version}, ${result.files} files${rows}`,
        );
      }
    }
  }
  return { bench, results };
}

async function main(): Promise<void> {
  const [repo = '', cache = '', python = '', out = join(repo, 'bench/RESULTS.md')] = process.argv.slice(2);
  if (!repo || !cache || !python) throw new TypeError('usage: run.js REPO CACHE_DIR PYTHON [OUT_MD]');
  const paths: BenchPaths = {
    repo,
    cache,
    python,
    fixture:
      process.env['BENCH_FIXTURE'] ??
      `${repo}/../shared/delta-fixtures/kernel-rs-data/300k-add-files-100-col-partitioned`,
  };
  const runsEnv = process.env['BENCH_RUNS'];
  const only = process.env['BENCH_ONLY']?.split(',');
  const cases = benchCases(paths, runsEnv ? Number(runsEnv) : undefined).filter(
    (c) => !only || only.includes(c.id),
  );
  const loadBefore = loadAverage();
  const started = performance.now();
  const results: CaseResult[] = [];
  for (const bench of cases) {
    console.error(`bench: ${bench.title}`);
    results.push(runCase(paths, bench));
  }
  const writes = await runWriteCases(
    paths,
    writeCases(paths, runsEnv ? Number(runsEnv) : undefined).filter((c) => !only || only.includes(c.id)),
    process.env['BENCH_SPARK'] !== '0',
  );
  const totalSeconds = (performance.now() - started) / 1000;
  const writeRuntimes = writes.flatMap((c) =>
    c.results.flatMap((r) => r.runs.map((x) => `${x.engine}: ${x.runtime}`)),
  );
  const machine = machineInfo(repo, results, loadBefore, writeRuntimes);
  writeFileSync(join(cache, 'results.json'), JSON.stringify({ machine, results, writes }, null, 2));
  writeFileSync(out, renderReport(machine, results, totalSeconds, writes));
  console.error(`bench: wrote ${out} (${totalSeconds.toFixed(0)} s of measuring)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
