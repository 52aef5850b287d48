/**
 * The frame every write operation runs in: open the store, read the latest snapshot, let the
 * operation stage its actions on a {@link Transaction}, commit, and (when asked) run the whole
 * operation again on a fresh snapshot after a conflict. Afterwards the post-commit hooks run:
 * a checkpoint every `delta.checkpointInterval` versions and log cleanup.
 */
import { DeltaError, describeError, isDeltaError } from '../errors.js';
import { writeCheckpoint } from '../log/checkpoint-write.js';
import { cleanupExpiredLogs } from '../log/cleanup.js';
import type { Metadata } from '../protocol/actions.js';
import { loadSnapshot } from '../log/snapshot.js';
import { openStorage } from '../storage/open.js';
import type { S3StorageOptions } from '../storage/s3.js';
import type { Storage } from '../storage/storage.js';
import { Snapshot } from '../table/snapshot.js';
import type { IsolationLevel } from '../txn/conflicts.js';
import { ensureSafeCommits } from '../txn/probe.js';
import { type CommitOutcome, Transaction } from '../txn/transaction.js';

/** Options shared by every write operation. */
export interface CommonWriteOptions {
  /** Default `WriteSerializable`. */
  readonly isolationLevel?: IsolationLevel;
  /**
   * Exactly-once for streaming writers: the commit carries `txn(appId, version)` and is skipped
   * (`status: 'duplicate'`) when the table already holds that version or a newer one for `appId`.
   */
  readonly appTransaction?: { readonly appId: string; readonly version: number };
  /** How many times to rerun the operation on a fresh snapshot after a conflict. Default 0. */
  readonly retryOnConflict?: number;
  /** Skip the put-if-absent probe: no other process writes this table. */
  readonly singleWriter?: boolean;
  /** Clock for commit and file timestamps; injectable for tests. */
  readonly clock?: () => number;
  /** S3 settings when the location is an `s3://` URL. */
  readonly s3?: S3StorageOptions;
  /** Skip the automatic checkpoint after the commit (it is then due at the next commit). */
  readonly skipCheckpoint?: boolean;
  /** Progress of long operations: `done` of `total` units of `what`. */
  readonly onProgress?: (what: string, done: number, total: number) => void;
}

/** What an operation reports besides its commit outcome. */
export type OperationMetrics = Readonly<Record<string, number>>;

/** What ran after a commit: the checkpoint it was due for, or why that failed. */
export interface PostCommitReport {
  /** Version of the checkpoint written after the commit, when one was due. */
  readonly checkpointVersion?: number;
  /** Log files deleted by expired-log cleanup after the checkpoint. */
  readonly logFilesDeleted?: number;
  /**
   * A post-commit failure. The commit itself stands; a missing checkpoint only makes the next
   * snapshot load replay more JSON, so this is reported rather than thrown.
   */
  readonly error?: DeltaError;
}

/** The result of a write operation: the commit outcome plus the operation's metrics. */
export type OperationResult = CommitOutcome & {
  readonly metrics: OperationMetrics;
  readonly postCommit?: PostCommitReport;
};

/** The storage behind a location or an already-open store. */
export function resolveStorage(location: string | Storage, s3?: S3StorageOptions): Storage {
  return typeof location === 'string' ? openStorage(location, s3 ? { s3 } : {}) : location;
}

/** The latest snapshot, or `undefined` when there is no table yet. */
export async function latestSnapshot(storage: Storage): Promise<Snapshot | undefined> {
  try {
    return new Snapshot(await loadSnapshot(storage));
  } catch (err) {
    if (isDeltaError(err, 'TableNotFound')) return undefined;
    throw err;
  }
}

/** What an operation body gets: the transaction (its snapshot inside) and the store. */
export interface OperationContext {
  readonly storage: Storage;
  readonly txn: Transaction;
  /** Commit/file clock. */
  readonly now: () => number;
}

/**
 * Runs `body` in a transaction on the latest snapshot and commits, rerunning the body on a fresh
 * snapshot up to `retryOnConflict` times when the commit conflicts.
 *
 * `body` returns the operation metrics, or `undefined` when there is nothing to commit (a delete
 * that matched no row): then no version is written and the outcome says `committed` at the
 * snapshot version with zero attempts, so callers need not special-case no-ops.
 */
export async function runOperation(
  storage: Storage,
  operation: { name: string; parameters?: Readonly<Record<string, unknown>>; requireTable?: boolean },
  options: CommonWriteOptions,
  body: (ctx: OperationContext) => Promise<OperationMetrics | undefined>,
): Promise<OperationResult> {
  const retries = options.retryOnConflict ?? 0;
  const now = options.clock ?? Date.now;
  // Probe before the body writes any data file: a store that will be refused must not be left
  // holding orphans.
  await ensureSafeCommits(storage, { singleWriter: options.singleWriter });
  for (let round = 0; ; round++) {
    const snapshot = await latestSnapshot(storage);
    if (!snapshot && operation.requireTable !== false) {
      throw new DeltaError('TableNotFound', `no Delta table at ${storage.url}`, {
        help: 'create the table first (delta-ts write creates it from the first input file)',
      });
    }
    const txn = new Transaction(storage, snapshot, {
      operation: operation.name,
      operationParameters: operation.parameters ?? {},
      ...(options.isolationLevel ? { isolationLevel: options.isolationLevel } : {}),
      ...(options.singleWriter !== undefined ? { singleWriter: options.singleWriter } : {}),
      clock: now,
    });
    if (options.appTransaction)
      txn.setAppTransaction(options.appTransaction.appId, options.appTransaction.version);
    const known = options.appTransaction && snapshot?.txns.get(options.appTransaction.appId);
    if (options.appTransaction && known && known.version >= options.appTransaction.version) {
      return {
        status: 'duplicate',
        appId: options.appTransaction.appId,
        txnVersion: options.appTransaction.version,
        metrics: {},
      };
    }
    const metrics = await body({ storage, txn, now });
    if (metrics === undefined) {
      return { status: 'committed', version: snapshot?.version ?? -1, attempts: 0, actions: [], metrics: {} };
    }
    txn.setMetrics(stringifyMetrics(metrics));
    const outcome = await txn.commit();
    if (outcome.status === 'conflict' && round < retries) continue;
    if (outcome.status === 'committed' && options.skipCheckpoint !== true) {
      const metadata = outcome.actions.find((a) => a.metaData)?.metaData ?? snapshot?.metadata;
      const postCommit = await afterCommit(storage, outcome.version, metadata, now());
      if (postCommit) return { ...outcome, metrics, postCommit };
    }
    return { ...outcome, metrics };
  }
}

/** Spark records operation metrics as strings; readers of history expect that shape. */
function stringifyMetrics(m: OperationMetrics): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) out[k] = String(v);
  return out;
}

/**
 * Post-commit hooks: a checkpoint every `delta.checkpointInterval` versions (default 10, as
 * Spark and delta-rs), then expired-log cleanup (which honours `delta.enableExpiredLogCleanup`
 * and `delta.logRetentionDuration` itself). A checkpoint is only ever written for the version
 * this writer just committed, so it never describes a commit that does not exist.
 */
async function afterCommit(
  storage: Storage,
  version: number,
  metadata: Metadata | undefined,
  now: number,
): Promise<PostCommitReport | undefined> {
  const configured = Number(metadata?.configuration['delta.checkpointInterval']);
  const interval = Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_CHECKPOINT_INTERVAL;
  if (version === 0 || version % interval !== 0) return undefined;
  try {
    const checkpoint = await writeCheckpoint(storage, version, { now });
    const cleanup = await cleanupExpiredLogs(storage, { now });
    return { checkpointVersion: checkpoint.version, logFilesDeleted: cleanup.deleted.length };
  } catch (err) {
    const error = isDeltaError(err)
      ? err
      : new DeltaError(
          'StorageError',
          `post-commit checkpoint of version ${version} failed: ${describeError(err)}`,
          { cause: err },
        );
    return { error };
  }
}

/** Commits between automatic checkpoints when the table does not set `delta.checkpointInterval`. */
export const DEFAULT_CHECKPOINT_INTERVAL = 10;
