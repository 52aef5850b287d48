/**
 * Renders the write benchmarks for `bench/RESULTS.md`: their targets (met / not met) and one table
 * per case, in the style of the read benchmarks. Ratios are delta-ts / delta-rs.
 */
import { median } from '../report.js';
import type { WriteEngine } from './result.js';
import type { WriteCaseResult, WriteRuns } from './run.js';

/** One engine's runs of one case reduced to medians (latency percentiles over all commits). */
export interface WriteSummary {
  readonly engine: WriteEngine;
  readonly method: string;
  readonly n: number;
  readonly ms: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly cpuMs: number;
  readonly rssKb: number;
  readonly rows: number | null;
  readonly rowsPerSec: number | null;
  readonly mbPerSec: number | null;
  readonly cpuSecPerMRows: number | null;
  readonly outputBytes: number;
  readonly version: number;
  readonly files: number;
  /** Commit latency percentiles over every commit of every run. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly commits: number;
  readonly startupMs: number | null;
}

/** The value at quantile `q` (nearest rank) of a non-empty list. */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** Reduces one engine's runs; undefined when none succeeded. */
export function summarizeWrite(entry: WriteRuns, inputBytes: number | null): WriteSummary | undefined {
  const first = entry.runs[0];
  if (!first) return undefined;
  const times = entry.runs.map((r) => r.ms);
  const ms = median(times);
  const cpuMs = median(entry.runs.map((r) => r.cpuMs));
  const rows = first.rows;
  const latencies = entry.runs.flatMap((r) => r.latenciesMs ?? []);
  return {
    engine: entry.engine,
    method: first.method,
    n: entry.runs.length,
    ms,
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    cpuMs,
    rssKb: median(entry.runs.map((r) => r.peakRssKb)),
    rows,
    rowsPerSec: rows === null ? null : rows / (ms / 1000),
    mbPerSec: inputBytes === null ? null : inputBytes / 1e6 / (ms / 1000),
    cpuSecPerMRows: rows === null || rows === 0 ? null : cpuMs / 1000 / (rows / 1e6),
    outputBytes: median(entry.runs.map((r) => r.outputBytes ?? 0)),
    version: first.version,
    files: first.files,
    p50Ms: latencies.length > 0 ? percentile(latencies, 0.5) : null,
    p99Ms: latencies.length > 0 ? percentile(latencies, 0.99) : null,
    commits: latencies.length,
    startupMs: first.startupMs ?? null,
  };
}

const fmtMs = (ms: number): string =>
  ms < 10 ? `${ms.toFixed(1)} ms` : ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
const fmtMiB = (bytes: number): string =>
  bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const fmtRate = (r: number | null): string =>
  r === null ? '–' : r >= 1e6 ? `${(r / 1e6).toFixed(2)} M rows/s` : `${(r / 1e3).toFixed(1)} k rows/s`;
const fmtRatio = (r: number): string => `${r.toFixed(2)}×`;
const status = (met: boolean): string => (met ? '**met**' : '**not met**');

function summaries(c: WriteCaseResult): Map<WriteEngine, WriteSummary> {
  const out = new Map<WriteEngine, WriteSummary>();
  for (const entry of c.results) {
    const s = summarizeWrite(entry, c.inputBytes);
    if (s) out.set(entry.engine, s);
  }
  return out;
}

/** The target rows of the write benchmarks, in the column layout of the read targets table. */
export function writeTargetRows(results: readonly WriteCaseResult[]): string[] {
  const lines: string[] = [];
  const row = (target: string, c: WriteCaseResult, ts: string, rs: string, ratio: number, met: boolean) =>
    lines.push(`| ${target} | ${c.bench.title} | ${ts} | ${rs} | ${fmtRatio(ratio)} | ${status(met)} |`);
  const missing = (target: string, c: WriteCaseResult) =>
    lines.push(`| ${target} | ${c.bench.title} | – | – | – | **not met** (no measurement) |`);
  for (const c of results) {
    const s = summaries(c);
    const ts = s.get('delta-ts');
    const rs = s.get('delta-rs');
    if (c.bench.kind === 'append') {
      const target = 'append rows/s ≥ delta-rs';
      if (ts?.rowsPerSec && rs?.rowsPerSec)
        row(
          target,
          c,
          fmtRate(ts.rowsPerSec),
          fmtRate(rs.rowsPerSec),
          ts.rowsPerSec / rs.rowsPerSec,
          ts.rowsPerSec >= rs.rowsPerSec,
        );
      else missing(target, c);
    } else if (c.bench.kind === 'commits') {
      const target = '1-row commit p50 ≤ delta-rs';
      if (ts?.p50Ms != null && rs?.p50Ms != null)
        row(target, c, fmtMs(ts.p50Ms), fmtMs(rs.p50Ms), ts.p50Ms / rs.p50Ms, ts.p50Ms <= rs.p50Ms);
      else missing(target, c);
    } else if (c.bench.kind === 'checkpoint') {
      if (ts && rs) {
        row('checkpoint time ≤ delta-rs', c, fmtMs(ts.ms), fmtMs(rs.ms), ts.ms / rs.ms, ts.ms <= rs.ms);
        row(
          'checkpoint peak RSS ≤ delta-rs',
          c,
          fmtMiB(ts.rssKb * 1024),
          fmtMiB(rs.rssKb * 1024),
          ts.rssKb / rs.rssKb,
          ts.rssKb <= rs.rssKb,
        );
      } else {
        missing('checkpoint time ≤ delta-rs', c);
        missing('checkpoint peak RSS ≤ delta-rs', c);
      }
    }
  }
  return lines;
}

function caseSection(c: WriteCaseResult): string[] {
  const lines = [`### ${c.bench.title}`, '', `Table: ${c.bench.tableNote}.`, ''];
  const s = summaries(c);
  const commits = c.bench.kind === 'commits';
  lines.push(
    commits
      ? '| engine | API measured | runs × commits | p50 | p99 | mean | median total | median CPU | median peak RSS | final version | live files |'
      : '| engine | API measured | runs | median time | min – max | rows/s | MB/s (Arrow input) | CPU s / M rows | median CPU | median peak RSS | written | version | live files |',
    commits
      ? '|---|---|---|---|---|---|---|---|---|---|---|'
      : '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const entry of c.results) {
    const x = s.get(entry.engine);
    if (!x) {
      lines.push(`| ${entry.engine} | failed |${' |'.repeat(commits ? 9 : 11)}`);
      continue;
    }
    const rss =
      entry.engine === 'spark' ? `${fmtMiB(x.rssKb * 1024)} (JVM, cumulative)` : fmtMiB(x.rssKb * 1024);
    if (commits) {
      const perRun = x.n > 0 ? x.commits / x.n : 0;
      lines.push(
        `| ${x.engine} | \`${x.method}\` | ${x.n} × ${perRun} | ${fmtMs(x.p50Ms ?? Number.NaN)} | ${fmtMs(x.p99Ms ?? Number.NaN)} | ${fmtMs(x.ms / perRun)} | ${fmtMs(x.ms)} | ${fmtMs(x.cpuMs)} | ${rss} | ${x.version} | ${x.files.toLocaleString('en-US')} |`,
      );
    } else {
      lines.push(
        `| ${x.engine} | \`${x.method}\` | ${x.n} | ${fmtMs(x.ms)} | ${fmtMs(x.minMs)} – ${fmtMs(x.maxMs)} | ${fmtRate(x.rowsPerSec)} | ${x.mbPerSec === null ? '–' : x.mbPerSec.toFixed(1)} | ${x.cpuSecPerMRows === null ? '–' : x.cpuSecPerMRows.toFixed(2)} | ${fmtMs(x.cpuMs)} | ${rss} | ${fmtMiB(x.outputBytes)} | ${x.version} | ${x.files.toLocaleString('en-US')} |`,
      );
    }
  }
  const ts = s.get('delta-ts');
  const rs = s.get('delta-rs');
  const spark = s.get('spark');
  if (ts && rs) {
    lines.push('');
    if (commits && ts.p50Ms !== null && rs.p50Ms !== null && ts.p99Ms !== null && rs.p99Ms !== null) {
      lines.push(
        `Latency ratio delta-ts / delta-rs: p50 **${fmtRatio(ts.p50Ms / rs.p50Ms)}**, p99 **${fmtRatio(ts.p99Ms / rs.p99Ms)}** (below 1 is better for delta-ts).` +
          (spark?.p50Ms ? ` Spark p50 / delta-ts p50: ${fmtRatio(spark.p50Ms / ts.p50Ms)}.` : ''),
      );
    } else {
      lines.push(
        `Time ratio delta-ts / delta-rs: **${fmtRatio(ts.ms / rs.ms)}** (below 1 is better for delta-ts). ` +
          `Peak RSS ratio: **${fmtRatio(ts.rssKb / rs.rssKb)}**. CPU ratio: **${fmtRatio(ts.cpuMs / rs.cpuMs)}**.` +
          (spark ? ` Spark time / delta-ts time: ${fmtRatio(spark.ms / ts.ms)}.` : ''),
      );
    }
  }
  for (const entry of c.results)
    for (const e of entry.errors) lines.push('', `**${entry.engine} failed**: \`${e.replace(/`/g, "'")}\``);
  lines.push('');
  return lines;
}

/** The method notes of the write benchmarks. */
export function writeMethodLines(results: readonly WriteCaseResult[]): string[] {
  const startup = results.flatMap((c) => c.results).find((r) => r.engine === 'spark')?.runs[0]?.startupMs;
  return [
    '- Data: `bench/gen/write_input.py` generates an `orders` table shape, `id long, customer string, amount double, ts timestamp, country string`, **partitioned by `country`** (10 values, ~equal shares), all columns nullable. Every engine writes the same rows: delta-ts and delta-rs stream them from an Arrow IPC stream file (page cache warm; reading it is inside the timing for both), Spark reads the same rows from a Parquet copy.',
    '- Every write run starts from a fresh scratch copy of its base table under `.cache/bench/write-scratch` (copy not timed). Appends go to an existing 1,000-row table. Each engine uses its default file size, compression and checkpoint interval (delta-ts: a checkpoint every 10 commits; delta-rs: every 100; Spark: every 10), so checkpoint commits show in the p99 of the commit latencies.',
    '- rows/s and MB/s use the median time; MB/s is the Arrow (uncompressed) size of the input; for MERGE, rows are source rows. CPU s / M rows: user + system CPU of the whole process (every thread) during the operation (delta-ts encodes Parquet on one thread; delta-rs uses both cores). "written": bytes added to the table directory (data files, log, checkpoints).',
    '- Cold processes, as in the read benchmarks: each delta-ts run includes V8 warming up (delta-rs loads its native library at import, outside the timing). delta-ts encodes these flat data files with its JavaScript Parquet encoder (`src/parquet/encode*.ts`), the default, which also spares the ~40 ms compile of parquet-wasm; the encoder runs unoptimised at first (ad hoc at e3782c6: a 100k-row file took ~105 ms to encode as the first of an append, ~14 ms once warm). parquet-wasm (`DELTA_TS_PARQUET_ENCODER=wasm`) measured slower and larger here (ad hoc at e3782c6, 3 alternating cold runs each, JavaScript vs parquet-wasm: 1k rows 37 vs 85 ms, 100k 157 vs 227 ms, 1M 536 vs 922 ms; 2.3 vs 3.0 MB and 21.7 vs 26.5 MB written). In a long-lived process later appends are faster (ad hoc at e3782c6, 6 appends of a materialised table in one process: 100k rows ~140 ms first, ~40 ms from the third; 1M rows ~440 ms first, ~280 ms from the third; parquet-wasm is level with the JavaScript encoder once warm; delta-rs ~25 ms and ~165 ms warm, measured earlier). An encoder worker thread taking every other file was tried and not kept: it has to warm its own JIT, so 1M-row appends got slower and 10M-row appends ~7% faster.',
    '- One-row commits: each commit is one `append` of one row to the table, timed alone; p50/p99 over every commit of every run (nearest rank). delta-ts reuses one `LocalStorage` (its snapshot is reloaded from the log each commit), delta-rs one `DeltaTable` object.',
    `- Spark: pyspark + delta-spark, \`local[2]\`, driver memory 4g, one JVM for all write cases: its start${startup ? ` (${(startup / 1000).toFixed(1)} s this run)` : ''} is excluded from every timing; it runs fewer runs (and 50 rather than 200 one-row commits), after delta-ts and delta-rs in each round; later runs profit from a warm JIT. Its peak RSS is the JVM high-water mark since start and its CPU is the JVM's (\`/proc/<pid>/stat\`, 10 ms ticks). Spark has no target; it is there for scale.`,
  ];
}

/** The write results, one section per case. */
export function writeResultSections(results: readonly WriteCaseResult[]): string[] {
  return results.flatMap(caseSection);
}
