/**
 * delta-ts side of the benchmarks: one measured operation per process, so the peak RSS it reports
 * belongs to that operation alone (plus the Node runtime itself, as the delta-rs figure includes
 * the Python runtime).
 *
 * Usage: node dist/bench/engines/delta-ts.js OP TABLE_PATH
 *   OP = snapshot   `DeltaTable.open(path)` then `table.snapshot()` (latest version, log replay)
 *        scan       `table.scan().batches()` to the end, counting rows
 *
 * Prints one JSON line in the shape `bench/engines/delta_rs.py` prints.
 */
import { performance } from 'node:perf_hooks';
import { DeltaTable } from '../../src/index.js';
import { peakRssKb } from '../proc.js';
import type { EngineResult } from '../result.js';

async function run(op: string, path: string): Promise<EngineResult> {
  if (op !== 'snapshot' && op !== 'scan') throw new TypeError(`unknown op ${op}; expected snapshot or scan`);
  const start = performance.now();
  const table = await DeltaTable.open(path);
  let rows: number | null = null;
  let snap;
  if (op === 'snapshot') {
    snap = await table.snapshot();
  } else {
    rows = 0;
    const scan = table.scan();
    for await (const batch of scan.batches()) rows += batch.numRows;
    snap = await scan.snapshot();
  }
  const ms = performance.now() - start;
  return {
    engine: 'delta-ts',
    op,
    method:
      op === 'snapshot' ? 'DeltaTable.open(path) + table.snapshot()' : 'table.scan().batches(), streamed',
    ms,
    peakRssKb: peakRssKb(),
    rows,
    version: snap.version,
    files: snap.files.length,
    runtime: `Node ${process.version}`,
  };
}

const [op = '', path = ''] = process.argv.slice(2);
run(op, path).then(
  (result) => console.log(JSON.stringify(result)),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
