/**
 * delta-ts side of the write benchmarks: one measured operation per process, so its peak RSS
 * belongs to that operation alone (plus the Node runtime, as delta-rs's includes CPython).
 *
 * Usage: node dist/bench/engines/delta-ts-write.js OP TABLE_PATH [INPUT] [COUNT]
 *   OP = append      `writeTable(storage, batches)` of the Arrow IPC stream INPUT, mode append
 *        commits     COUNT sequential `writeTable(storage, oneRow)` appends, each timed
 *        merge       `mergeRows(storage, batches, { on: ['id'] })` of the Arrow IPC stream INPUT
 *        checkpoint  `writeCheckpoint(storage)`: replay the latest version and write its checkpoint
 *
 * The table at TABLE_PATH is a scratch copy the runner made; INPUT is streamed from disk (page
 * cache warm) inside the timing, as delta-rs streams it. Prints one JSON line (`WriteResult`).
 */
import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  Float64,
  Int64,
  RecordBatchReader,
  type RecordBatch,
  Table,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { DeltaTable, LocalStorage, mergeRows, writeCheckpoint, writeTable } from '../../src/index.js';
import { cpuMs, peakRssKb } from '../proc.js';
import type { WriteResult } from '../write/result.js';

const METHODS: Record<string, string> = {
  append: "writeTable(storage, ipcBatches, { mode: 'append' })",
  commits: 'writeTable(storage, oneRowTable) per commit, one LocalStorage reused',
  merge: "mergeRows(storage, ipcBatches, { on: ['id'] })",
  checkpoint: 'writeCheckpoint(storage) (log replay of the latest version included)',
};

/** Streams an Arrow IPC stream file, counting the rows that pass. */
async function* ipcBatches(path: string, counter: { rows: number }): AsyncGenerator<RecordBatch> {
  const reader = await RecordBatchReader.from(createReadStream(path, { highWaterMark: 1 << 20 }));
  for await (const batch of reader) {
    counter.rows += batch.numRows;
    yield batch;
  }
}

/** One new order, typed as the generated inputs are (built before the timer starts). */
function oneRow(id: number): Table {
  return new Table({
    id: vectorFromArray([BigInt(id)], new Int64()),
    customer: vectorFromArray([`C${String(id % 1_000_000).padStart(7, '0')}`], new Utf8()),
    amount: vectorFromArray([12.5], new Float64()),
    // Milliseconds in, stored as microseconds: the builder converts.
    ts: vectorFromArray([Date.UTC(2025, 0, 1) + id], new TimestampMicrosecond('UTC')),
    country: vectorFromArray(['DE'], new Utf8()),
  });
}

async function run(op: string, path: string, input: string, count: number): Promise<WriteResult> {
  const method = METHODS[op];
  if (method === undefined)
    throw new TypeError(`unknown op ${op}; expected ${Object.keys(METHODS).join(', ')}`);
  const storage = new LocalStorage(path);
  const counter = { rows: 0 };
  let latenciesMs: number[] | undefined;
  let version = -1;
  const cpuStart = cpuMs();
  const start = performance.now();
  if (op === 'append') {
    const result = await writeTable(storage, ipcBatches(input, counter), { mode: 'append' });
    if (result.status === 'committed') version = result.version;
  } else if (op === 'merge') {
    const result = await mergeRows(storage, ipcBatches(input, counter), { on: ['id'] });
    if (result.status === 'committed') version = result.version;
  } else if (op === 'commits') {
    latenciesMs = [];
    for (let i = 0; i < count; i++) {
      const row = oneRow(20_000_000 + i);
      const t0 = performance.now();
      const result = await writeTable(storage, row, { mode: 'append' });
      latenciesMs.push(performance.now() - t0);
      if (result.status === 'committed') version = result.version;
      counter.rows += 1;
    }
  } else {
    // writeCheckpoint replays the log itself: opening a snapshot first would load it twice.
    const result = await writeCheckpoint(storage);
    version = result.version;
  }
  const ms = performance.now() - start;
  const cpu = cpuMs() - cpuStart;
  const peak = peakRssKb();
  const after = await (await DeltaTable.open(new LocalStorage(path))).snapshot();
  return {
    engine: 'delta-ts',
    op,
    method,
    ms: latenciesMs ? latenciesMs.reduce((a, b) => a + b, 0) : ms,
    cpuMs: cpu,
    peakRssKb: peak,
    rows: op === 'checkpoint' ? null : counter.rows,
    version: version >= 0 ? version : after.version,
    files: after.files.length,
    runtime: `Node ${process.version}`,
    ...(latenciesMs ? { latenciesMs } : {}),
  };
}

const [op = '', path = '', input = '', count = '0'] = process.argv.slice(2);
run(op, path, input, Number(count)).then(
  (result) => console.log(JSON.stringify(result)),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
