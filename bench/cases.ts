/**
 * The benchmark cases and how each engine process is launched. Kept apart from the runner so the
 * list of what is measured reads in one place.
 */
import { join } from 'node:path';

/** One engine invocation: which engine, which operation of its runner script. */
export interface EngineOp {
  readonly engine: 'delta-ts' | 'delta-rs';
  /** Operation name passed to the engine's runner (`snapshot`, `scan`, `scan-query`, …). */
  readonly op: string;
}

/** A benchmark: one table, one kind of work, the same work done by every listed engine op. */
export interface BenchCase {
  readonly id: string;
  readonly title: string;
  readonly kind: 'snapshot' | 'scan';
  /** Absolute path of the table. */
  readonly table: string;
  /** What the table is, for the report. */
  readonly tableNote: string;
  /** Measured runs per engine op; every run is a fresh process. */
  readonly runs: number;
  readonly ops: readonly EngineOp[];
}

/** Where the inputs live; all absolute. */
export interface BenchPaths {
  readonly repo: string;
  readonly cache: string;
  readonly fixture: string;
  readonly python: string;
}

/** The cases, in report order. `runsOverride` (env `BENCH_RUNS`) shortens a trial run. */
export function benchCases(paths: BenchPaths, runsOverride?: number): BenchCase[] {
  const snapshotOps: EngineOp[] = [
    { engine: 'delta-ts', op: 'snapshot' },
    { engine: 'delta-rs', op: 'snapshot' },
  ];
  const runs = (n: number): number => runsOverride ?? n;
  return [
    {
      id: 'snapshot-300k-add-files',
      title: 'Snapshot load: 300k add files, 100 columns, partitioned',
      kind: 'snapshot',
      table: paths.fixture,
      tableNote:
        'fixture `kernel-rs-data/300k-add-files-100-col-partitioned`: 5 commits, three of ~15 MB JSON each, 300,000 live `add` actions with stats, no checkpoint',
      runs: runs(7),
      ops: snapshotOps,
    },
    {
      id: 'snapshot-10k-commits',
      title: 'Snapshot load: 10,000 commits, no checkpoint',
      kind: 'snapshot',
      table: join(paths.cache, 'commits-10k'),
      tableNote:
        '`bench/gen/commits.py`: 10,000 commit files (appends, and an OPTIMIZE-style compaction every 10th), ~1,000 live files and ~9,000 tombstones, no checkpoint',
      runs: runs(7),
      ops: snapshotOps,
    },
    {
      id: 'snapshot-10k-commits-checkpoint',
      title: 'Snapshot load: 10,000 commits, checkpoint at 9,900',
      kind: 'snapshot',
      table: join(paths.cache, 'commits-10k-checkpoint'),
      tableNote:
        'same log as above, with a classic checkpoint written by delta-rs `create_checkpoint()` at version 9,900 (+ `_last_checkpoint`); the snapshot is that checkpoint plus 99 commits',
      runs: runs(7),
      ops: snapshotOps,
    },
    {
      id: 'scan-orders-10m',
      title: 'Full scan: 10M-row orders table',
      kind: 'scan',
      table: join(paths.cache, 'orders-10m'),
      tableNote:
        '`bench/gen/orders.py`: written by delta-rs `write_deltalake` in one commit, 10 Snappy Parquet files (~225 MB); columns order_id long, customer_id long, sku string, qty int, price decimal(10,2), country string, ts timestamp',
      runs: runs(5),
      ops: [
        { engine: 'delta-ts', op: 'scan' },
        { engine: 'delta-rs', op: 'scan-query' },
        { engine: 'delta-rs', op: 'scan-dataset' },
        { engine: 'delta-rs', op: 'scan-table' },
      ],
    },
  ];
}

/** The command line that runs `op` once on `table` in a fresh process. */
export function engineCommand(
  paths: BenchPaths,
  op: EngineOp,
  table: string,
): { cmd: string; args: string[] } {
  if (op.engine === 'delta-ts') {
    return {
      cmd: process.execPath,
      args: [join(paths.repo, 'dist/bench/engines/delta-ts.js'), op.op, table],
    };
  }
  return { cmd: paths.python, args: [join(paths.repo, 'bench/engines/delta_rs.py'), op.op, table] };
}
