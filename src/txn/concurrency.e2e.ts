import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { tableFromArrays } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import { writeTable } from '../ops/write.js';
import { openStorage } from '../storage/open.js';
import { S3Storage } from '../storage/s3.js';
import { collect } from '../storage/storage.js';
import { createTestBucket, deleteTestBucket, stackS3Endpoint } from '../storage/test-s3.js';
import { DeltaTable } from '../table/table.js';
import { ensureSafeCommits } from './probe.js';
import {
  type Op,
  type Report,
  REPO,
  type Row,
  WORKER,
  applyOp,
  initialRows,
  isNoop,
  makePlan,
  parseReports,
  readWithDeltaRs,
  runProcess,
  sortedJson,
} from './test-concurrency.js';
import { startStripProxy } from './test-strip-proxy.js';

/**
 * Issue 3's concurrency acceptance: 16 writer processes × 50 operations (blind appends mixed with
 * deletes and CDC merges of the same hot keys, which conflict with each other) against one table,
 * on local disk and on the stack's S3 API server. Afterwards the log must hold exactly one commit
 * per committed operation (matched by txnId), at contiguous versions, and the table must equal the
 * model that replays the committed operations in version order — for our reader and for delta-rs.
 * A store that ignores `If-None-Match` must be refused by the put-if-absent probe.
 */

const WORKERS = Number(process.env.CONCURRENCY_WORKERS ?? 16);
const OPS = Number(process.env.CONCURRENCY_OPS ?? 50);
/**
 * Operations per process on S3: the full 16 × 50. moto on a 2-core machine serves only
 * ~150-300 requests/s, so this trial takes minutes; `CONCURRENCY_S3_OPS` shortens it for local runs.
 */
const S3_OPS = Number(process.env.CONCURRENCY_S3_OPS ?? 50);
/** Trials per backend; the issue asks for correctness in any trial, so more can be asked for. */
const TRIALS = Number(process.env.CONCURRENCY_TRIALS ?? 1);
/** Per-process limit; the whole trial's limit adds a minute for the checks. */
const WORKER_TIMEOUT_MS = Number(process.env.CONCURRENCY_TIMEOUT_S ?? 1200) * 1000;
const TRIAL_TIMEOUT_MS = WORKER_TIMEOUT_MS + 60_000;

function rowsTable(rows: readonly Row[]) {
  return tableFromArrays({
    key: BigInt64Array.from(rows.map((r) => BigInt(r.key))),
    worker: Int32Array.from(rows.map((r) => r.worker)),
    op: Int32Array.from(rows.map((r) => r.op)),
    value: BigInt64Array.from(rows.map((r) => BigInt(r.value))),
  });
}

interface TrialStats {
  readonly location: string;
  readonly wallMs: number;
  readonly commits: number;
  readonly noops: number;
  readonly conflicts: number;
  readonly lostRaces: number;
  readonly retryables: number;
  readonly slowestOpMs: number;
}

async function runTrial(location: string, seed: number, opsPerWorker: number): Promise<TrialStats> {
  const created = await writeTable(location, rowsTable(initialRows()));
  expect(created).toMatchObject({ status: 'committed', version: 0 });
  const plans = Array.from({ length: WORKERS }, (_, w) => makePlan(seed, w, opsPerWorker));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'delta-ts-conc-plans-'));
  // Every process imports the library first, then all start at this instant.
  const startAt = Date.now() + 2500;
  const files = await Promise.all(
    plans.map(async (ops, worker) => {
      const file = path.join(dir, `worker-${worker}.json`);
      const retry = worker % 2 === 0 ? 'loop' : 'library';
      await fs.writeFile(file, JSON.stringify({ location, worker, startAt, retry, ops }));
      return file;
    }),
  );
  const results = await Promise.all(
    files.map((file) => runProcess('node', [WORKER, file], { timeoutMs: WORKER_TIMEOUT_MS })),
  );
  const wallMs = Date.now() - startAt;
  await fs.rm(dir, { recursive: true, force: true });

  const reports: Report[] = [];
  results.forEach((r, worker) => {
    if (r.code !== 0)
      throw new Error(`worker ${worker} exited ${r.code ?? r.signal}: ${r.stdout}${r.stderr}`);
    const lines = parseReports(r.stdout);
    expect(
      lines.map((l) => l.op),
      `worker ${worker} reported every operation once`,
    ).toEqual(plans[worker]?.map((_, i) => i));
    reports.push(...lines);
  });
  const committed = reports.filter((r) => r.status === 'committed');
  const noops = reports.filter((r) => r.status === 'noop');

  // The log: versions 0..N without a gap, each commit naming a txnId that exactly one reported
  // operation committed at that same version; nothing else.
  const storage = openStorage(location);
  const logKeys = (await collect(storage.list('_delta_log/'))).map((m) => m.key);
  const commitKeys = logKeys.filter((k) => /^_delta_log\/\d{20}\.json$/.test(k)).sort();
  // Checkpoints and their hint are state, not commits; anything else (a probe's scratch file, a
  // temporary upload) must not be left behind.
  const checkpointish =
    /^_delta_log\/(\d{20}\.checkpoint(\.[^/]+)?\.(parquet|json)|_last_checkpoint|_sidecars\/.+)$/;
  const strays = logKeys.filter((k) => !commitKeys.includes(k) && !checkpointish.test(k));
  expect(strays, 'no scratch or temporary files left in _delta_log/').toEqual([]);
  const versions = commitKeys.map((k) => Number(path.basename(k, '.json')));
  expect(versions).toEqual(versions.map((_, i) => i));
  expect(versions.length - 1, 'one version per committed operation').toBe(committed.length);
  const byTxn = new Map(committed.map((r) => [r.txnId, r]));
  expect(byTxn.size, 'txnIds are unique').toBe(committed.length);
  const opNames = { append: 'WRITE', delete: 'DELETE', merge: 'MERGE' } as const;
  for (const key of commitKeys.slice(1)) {
    const version = Number(path.basename(key, '.json'));
    const lines = new TextDecoder()
      .decode(await storage.get(key))
      .split('\n')
      .filter(Boolean);
    const info = (JSON.parse(lines[0] ?? '{}') as { commitInfo?: Record<string, unknown> }).commitInfo;
    const report = byTxn.get(typeof info?.txnId === 'string' ? info.txnId : null);
    expect(report, `commit ${version} (txnId ${String(info?.txnId)}) was reported by a worker`).toBeDefined();
    expect(report?.version, `txnId of commit ${version}`).toBe(version);
    expect(info?.operation).toBe(report ? opNames[report.kind] : undefined);
    byTxn.delete(report?.txnId ?? null);
  }
  expect([...byTxn.values()], 'every committed operation has its commit').toEqual([]);

  // The model: committed operations replayed in version order; an operation that wrote nothing
  // must have had nothing to change at the version it read.
  const opOf = (r: Report): Op => {
    const op = plans[r.worker]?.[r.op];
    if (op === undefined) throw new Error(`no plan for worker ${r.worker} op ${r.op}`);
    return op;
  };
  const state = new Map<number, Row>(initialRows().map((r) => [r.key, r]));
  const ordered = [...committed].sort((a, b) => a.version - b.version);
  for (let version = 0; version <= ordered.length; version++) {
    if (version > 0) {
      const r = ordered[version - 1];
      if (r === undefined) throw new Error(`no operation at version ${version}`);
      expect(isNoop(state, opOf(r)), `worker ${r.worker} op ${r.op} at ${version} changes rows`).toBe(false);
      applyOp(state, opOf(r));
    }
    for (const n of noops.filter((x) => x.version === version)) {
      expect(isNoop(state, opOf(n)), `worker ${n.worker} op ${n.op} wrote nothing at ${version}`).toBe(true);
    }
  }
  const want = sortedJson(state.values());
  const table = await DeltaTable.open(location);
  const got: Record<string, unknown>[] = [];
  for await (const row of table.scan().rows()) got.push(row);
  expect(sortedJson(got)).toEqual(want);
  const ref = await readWithDeltaRs(location, process.env);
  expect(ref.version).toBe(ordered.length);
  expect(sortedJson(ref.rows)).toEqual(want);

  return {
    location,
    wallMs,
    commits: committed.length,
    noops: noops.length,
    conflicts: reports.reduce((n, r) => n + r.conflicts, 0),
    lostRaces: committed.reduce((n, r) => n + r.attempts - 1, 0),
    retryables: reports.reduce((n, r) => n + r.retryables, 0),
    slowestOpMs: Math.max(...reports.map((r) => r.ms)),
  };
}

beforeAll(async () => {
  // The workers run the compiled library; build it so they run the current source.
  try {
    await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO });
  } catch (err) {
    if (!existsSync(path.join(REPO, 'dist', 'src', 'index.js'))) throw err;
    console.warn(
      `tsc reported errors; the workers run the emitted dist anyway: ${String(err).slice(0, 500)}`,
    );
  }
}, 300_000);

describe(`${WORKERS} writer processes`, () => {
  const temps: string[] = [];
  const buckets: string[] = [];
  afterAll(async () => {
    for (const dir of temps) await fs.rm(dir, { recursive: true, force: true });
    for (const bucket of buckets) await deleteTestBucket(bucket);
  });

  for (let trial = 0; trial < TRIALS; trial++) {
    it(
      `× ${OPS} operations on local disk, trial ${trial + 1}: no commit lost or duplicated, content equals the model`,
      async () => {
        const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'delta-ts-conc-'));
        temps.push(dir);
        const stats = await runTrial(path.join(dir, 'table'), 1000 + trial, OPS);
        console.log(`concurrency trial ${JSON.stringify(stats)}`);
      },
      TRIAL_TIMEOUT_MS,
    );

    it(
      `× ${S3_OPS} operations on the S3 API server, trial ${trial + 1}: no commit lost or duplicated, content equals the model`,
      async () => {
        stackS3Endpoint();
        const bucket = await createTestBucket();
        buckets.push(bucket);
        const stats = await runTrial(`s3://${bucket}/orders`, 2000 + trial, S3_OPS);
        console.log(`concurrency trial ${JSON.stringify(stats)}`);
      },
      TRIAL_TIMEOUT_MS,
    );
  }
});

describe('a store that ignores If-None-Match', () => {
  let bucket = '';
  beforeAll(async () => {
    bucket = await createTestBucket();
  });
  afterAll(async () => {
    if (bucket) await deleteTestBucket(bucket);
  });

  it('is refused by the put-if-absent probe before any commit, and accepted for a single writer', async () => {
    const proxy = await startStripProxy(stackS3Endpoint());
    try {
      const s3 = { endpoint: proxy.url, forcePathStyle: true };
      // The same server without the proxy honours the condition: the refusal is the proxy's doing.
      await expect(ensureSafeCommits(new S3Storage(bucket, 'direct'))).resolves.toBeUndefined();

      const location = `s3://${bucket}/unsafe`;
      const err: unknown = await writeTable(location, rowsTable(initialRows()), { s3 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isDeltaError(err, 'UnsafeStorage'), String(err)).toBe(true);
      expect(String(err)).toContain(location);
      expect(proxy.stripped()).toBeGreaterThan(0);
      const direct = new S3Storage(bucket, 'unsafe');
      const log = (await collect(direct.list('_delta_log/'))).map((m) => m.key);
      expect(log, 'no commit and no probe scratch file was left').toEqual([]);
      await expect(ensureSafeCommits(new S3Storage(bucket, 'unsafe', s3))).rejects.toMatchObject({
        code: 'UnsafeStorage',
      });

      const single = await writeTable(location, rowsTable(initialRows()), { s3, singleWriter: true });
      expect(single).toMatchObject({ status: 'committed', version: 0 });
      const rows: Record<string, unknown>[] = [];
      for await (const row of (await DeltaTable.open(location, { s3 })).scan().rows()) rows.push(row);
      expect(sortedJson(rows)).toEqual(sortedJson(initialRows()));
    } finally {
      await proxy.close();
    }
  });
});
