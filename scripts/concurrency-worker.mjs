#!/usr/bin/env node
// One writer process of the concurrency trials (src/txn/concurrency.e2e.ts). It runs a plan of
// operations against one table through the library's public API (the compiled dist/, so it is a
// real separate Node process and not a worker thread of the test), and logs every operation it
// finished as one NDJSON line on stdout:
//
//   node scripts/concurrency-worker.mjs PLAN.json
//
// PLAN.json: { location, worker, startAt, retry: "loop" | "library", ops: [op…] } where op is
//   { kind: "append", rows: [{ key, worker, op, value }…] }
//   { kind: "delete", keys: [key…] }
//   { kind: "merge", events: [{ key, worker, op, value, chg: "u" | "d", lsn }…] }
// S3 settings (endpoint, credentials, path style) come from the environment, as for any user.
//
// A conflict is retried until the operation commits: with retry "loop" by this program (which
// counts the conflicts), with retry "library" by the library's retryOnConflict option. Any other
// failure ends the process with exit code 1 after an {"error"} line.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tableFromArrays } from 'apache-arrow';
import { deleteRows, mergeRows, openStorage, writeTable } from '../dist/src/index.js';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
// One store object for every operation: the put-if-absent probe then runs once per process, and
// the S3 client's connections are reused.
const storage = openStorage(plan.location);
const LIBRARY_RETRIES = 10_000;

function rowsTable(rows) {
  return tableFromArrays({
    key: BigInt64Array.from(rows.map((r) => BigInt(r.key))),
    worker: Int32Array.from(rows.map((r) => r.worker)),
    op: Int32Array.from(rows.map((r) => r.op)),
    value: BigInt64Array.from(rows.map((r) => BigInt(r.value))),
  });
}

function eventsTable(events) {
  return tableFromArrays({
    key: BigInt64Array.from(events.map((e) => BigInt(e.key))),
    worker: Int32Array.from(events.map((e) => e.worker)),
    op: Int32Array.from(events.map((e) => e.op)),
    value: BigInt64Array.from(events.map((e) => BigInt(e.value))),
    chg: events.map((e) => e.chg),
    lsn: BigInt64Array.from(events.map((e) => BigInt(e.lsn))),
  });
}

function runOnce(op, options) {
  switch (op.kind) {
    case 'append':
      return writeTable(storage, rowsTable(op.rows), options);
    case 'delete':
      return deleteRows(storage, { ...options, where: `key IN (${op.keys.join(', ')})` });
    case 'merge':
      return mergeRows(storage, eventsTable(op.events), {
        ...options,
        on: ['key'],
        sequenceBy: 'lsn',
        deleteWhen: "chg = 'd'",
        sourceOnlyColumns: ['chg', 'lsn'],
      });
    default:
      throw new Error(`unknown operation kind ${op.kind}`);
  }
}

function emit(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main() {
  const wait = plan.startAt - Date.now();
  if (wait > 0) await sleep(wait);
  const options = plan.retry === 'library' ? { retryOnConflict: LIBRARY_RETRIES } : {};
  for (let index = 0; index < plan.ops.length; index++) {
    const op = plan.ops[index];
    const started = Date.now();
    let conflicts = 0;
    let retryables = 0;
    for (;;) {
      const outcome = await runOnce(op, options);
      if (outcome.status === 'conflict') {
        conflicts++;
        continue;
      }
      if (outcome.status === 'retryable') {
        retryables++;
        if (retryables > 20) throw outcome.error;
        continue;
      }
      if (outcome.status !== 'committed') throw new Error(`unexpected outcome ${outcome.status}`);
      const commitInfo = outcome.actions[0]?.commitInfo;
      emit({
        worker: plan.worker,
        op: index,
        kind: op.kind,
        // Zero attempts: the operation found nothing to change and wrote no version.
        status: outcome.attempts === 0 ? 'noop' : 'committed',
        version: outcome.version,
        txnId: commitInfo?.txnId ?? null,
        readVersion: commitInfo?.readVersion ?? null,
        attempts: outcome.attempts,
        conflicts,
        retryables,
        ms: Date.now() - started,
      });
      break;
    }
  }
}

main().catch((err) => {
  emit({ worker: plan.worker, error: String(err?.message ?? err), code: err?.code ?? null });
  process.exitCode = 1;
});
