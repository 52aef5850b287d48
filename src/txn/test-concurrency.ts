import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Helpers of the multi-process concurrency trials (concurrency.e2e.ts): seeded operation plans
 * for the writer processes (scripts/concurrency-worker.mjs), the model that replays committed
 * operations in version order, and the process plumbing.
 */

export const REPO = path.resolve(import.meta.dirname, '../..');
export const WORKER = path.join(REPO, 'scripts', 'concurrency-worker.mjs');

/** Keys present from version 0 that deletes and merges fight over; appended keys never collide with them. */
export const HOT_KEYS = 40;

export interface Row {
  readonly key: number;
  readonly worker: number;
  readonly op: number;
  readonly value: number;
}

export interface MergeEvent extends Row {
  readonly chg: 'u' | 'd';
  readonly lsn: number;
}

export type Op =
  | { readonly kind: 'append'; readonly rows: readonly Row[] }
  | { readonly kind: 'delete'; readonly keys: readonly number[] }
  | { readonly kind: 'merge'; readonly events: readonly MergeEvent[] };

/** One line a worker printed for a finished operation. */
export interface Report {
  readonly worker: number;
  readonly op: number;
  readonly kind: Op['kind'];
  readonly status: 'committed' | 'noop';
  readonly version: number;
  readonly txnId: string | null;
  readonly readVersion: number | null;
  readonly attempts: number;
  readonly conflicts: number;
  readonly retryables: number;
  readonly ms: number;
}

/** mulberry32: small, seedable, good enough to shuffle a test plan. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickDistinct(rand: () => number, count: number, below: number): number[] {
  const out = new Set<number>();
  while (out.size < count) out.add(Math.floor(rand() * below));
  return [...out];
}

/** The rows of version 0, written by the test before the workers start. */
export function initialRows(): Row[] {
  return Array.from({ length: HOT_KEYS }, (_, key) => ({ key, worker: -1, op: -1, value: key }));
}

/**
 * The plan of worker `worker`: `count` operations, about 60 % blind appends of fresh keys, 20 %
 * deletes of two hot keys and 20 % CDC merges of three hot keys (one or two events each, in
 * shuffled order so that `sequenceBy` decides, the last one a delete a quarter of the time).
 */
export function makePlan(seed: number, worker: number, count: number): Op[] {
  const rand = rng(seed * 7919 + worker);
  const ops: Op[] = [];
  for (let op = 0; op < count; op++) {
    const r = rand();
    const stamp = worker * 100_000 + op * 100;
    if (r < 0.6) {
      const n = 1 + Math.floor(rand() * 3);
      const rows = Array.from({ length: n }, (_, j) => ({
        key: 1_000_000 + worker * 1000 + op * 10 + j,
        worker,
        op,
        value: Math.floor(rand() * 1e9),
      }));
      ops.push({ kind: 'append', rows });
    } else if (r < 0.8) {
      ops.push({ kind: 'delete', keys: pickDistinct(rand, 2, HOT_KEYS) });
    } else {
      const events: MergeEvent[] = [];
      let seq = 0;
      for (const key of pickDistinct(rand, 3, HOT_KEYS)) {
        const n = 1 + Math.floor(rand() * 2);
        for (let e = 0; e < n; e++) {
          const last = e === n - 1;
          const chg = (last ? rand() < 0.25 : rand() < 0.5) ? 'd' : 'u';
          events.push({ key, worker, op, value: stamp + seq, chg, lsn: stamp + seq });
          seq++;
        }
      }
      for (let i = events.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [events[i], events[j]] = [events[j] as MergeEvent, events[i] as MergeEvent];
      }
      ops.push({ kind: 'merge', events });
    }
  }
  return ops;
}

/** Applies one committed operation to the model (key → row). */
export function applyOp(state: Map<number, Row>, op: Op): void {
  switch (op.kind) {
    case 'append':
      for (const row of op.rows) state.set(row.key, row);
      return;
    case 'delete':
      for (const key of op.keys) state.delete(key);
      return;
    case 'merge':
      for (const e of mergeWinners(op.events)) {
        if (e.chg === 'd') state.delete(e.key);
        else state.set(e.key, { key: e.key, worker: e.worker, op: e.op, value: e.value });
      }
  }
}

/** Whether the operation changes nothing on `state` (the worker then commits no version). */
export function isNoop(state: ReadonlyMap<number, Row>, op: Op): boolean {
  switch (op.kind) {
    case 'append':
      return op.rows.length === 0;
    case 'delete':
      return op.keys.every((k) => !state.has(k));
    case 'merge':
      return mergeWinners(op.events).every((e) => e.chg === 'd' && !state.has(e.key));
  }
}

function mergeWinners(events: readonly MergeEvent[]): MergeEvent[] {
  const best = new Map<number, MergeEvent>();
  for (const e of events) {
    const prev = best.get(e.key);
    if (prev === undefined || e.lsn > prev.lsn) best.set(e.key, e);
  }
  return [...best.values()];
}

/** Canonical rows as sorted JSON strings, for a multiset comparison. */
export function sortedJson(
  rows: Iterable<Readonly<Partial<Record<'key' | 'worker' | 'op' | 'value', unknown>>>>,
): string[] {
  const out: string[] = [];
  for (const r of rows) out.push(JSON.stringify({ key: r.key, worker: r.worker, op: r.op, value: r.value }));
  return out.sort();
}

/** What a finished process left. */
export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command` as a separate OS process and collects its output; kills it (by its own pid)
 * after `timeoutMs` so a hung writer cannot hang the suite.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number; input?: string },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Parses a worker's NDJSON stdout. */
export function parseReports(stdout: string): Report[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Report);
}

/**
 * Reads the table at `uri` with delta-rs (the project venv) and prints its rows and version; `env`
 * carries the S3 settings for an `s3://` location.
 */
export async function readWithDeltaRs(
  uri: string,
  env: NodeJS.ProcessEnv,
): Promise<{ version: number; rows: Record<string, unknown>[] }> {
  const script = [
    'import json, os, sys',
    'from deltalake import DeltaTable',
    'opts = {}',
    "if sys.argv[1].startswith('s3://'):",
    "    opts = {'AWS_ENDPOINT_URL': os.environ['S3_ENDPOINT'], 'AWS_ACCESS_KEY_ID': os.environ['AWS_ACCESS_KEY_ID'],",
    "            'AWS_SECRET_ACCESS_KEY': os.environ['AWS_SECRET_ACCESS_KEY'], 'AWS_REGION': 'us-east-1',",
    "            'AWS_ALLOW_HTTP': 'true', 'AWS_VIRTUAL_HOSTED_STYLE_REQUEST': 'false'}",
    't = DeltaTable(sys.argv[1], storage_options=opts)',
    "print(json.dumps({'version': t.version(), 'rows': t.to_pyarrow_table().to_pylist()}))",
  ].join('\n');
  const python = path.join(REPO, '.venv-ref', 'bin', 'python');
  await fs.access(python);
  const result = await runProcess(python, ['-c', script, uri], { env, timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(`delta-rs could not read ${uri}: ${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout) as { version: number; rows: Record<string, unknown>[] };
}
