/**
 * A Delta transaction: read a snapshot, stage actions, commit them atomically as the next version,
 * rebasing over concurrent commits that do not conflict.
 *
 * The commit outcome is a tagged union rather than an exception, because losing a race is an
 * ordinary result for a streaming writer: it wants to branch on `status`, not catch and parse.
 */
import { randomUUID } from 'node:crypto';
import { DeltaError } from '../errors.js';
import type { Expr } from '../expr/ast.js';
import type { Action, Add, CommitInfo, Metadata, Protocol } from '../protocol/actions.js';
import type { Storage } from '../storage/storage.js';
import type { Snapshot } from '../table/snapshot.js';
import { encodeCommit, readWinningCommits, tryWriteCommit } from './commit-file.js';
import { appliedTxn, fileKey, findConflict, type IsolationLevel } from './conflicts.js';
import { ensureSafeCommits } from './probe.js';
import { ROW_TRACKING_DOMAIN, assignRowIds, highWaterMark, rowTrackingSupported } from './row-tracking.js';

/** The engine string recorded in every commitInfo. */
export const ENGINE_INFO = 'delta-ts/0.1.0';

/** Options of a {@link Transaction}. */
export interface TransactionOptions {
  /** The operation name recorded in commitInfo (`WRITE`, `DELETE`, `MERGE`…). */
  readonly operation: string;
  /** Operation parameters recorded in commitInfo. */
  readonly operationParameters?: Readonly<Record<string, unknown>>;
  /** Metrics recorded in commitInfo (`numOutputRows`…). */
  readonly operationMetrics?: Readonly<Record<string, unknown>>;
  /** Default `WriteSerializable`. */
  readonly isolationLevel?: IsolationLevel;
  /** Attempts before giving up with a `retryable` outcome. Default 1000. */
  readonly maxAttempts?: number;
  /** Skip the put-if-absent probe: the caller promises no other process writes the table. */
  readonly singleWriter?: boolean;
  /** Clock for commit timestamps; injectable for tests. */
  readonly clock?: () => number;
  /** Sleep between attempts; injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** How a commit ended. */
export type CommitOutcome =
  /** The actions are version `version` of the table. */
  | {
      readonly status: 'committed';
      readonly version: number;
      readonly attempts: number;
      readonly actions: readonly Action[];
    }
  /**
   * The transaction's `txn(appId, version)` was already committed (before it started or by a
   * concurrent writer): nothing was written. `version` is the table version that holds it, when known.
   */
  | {
      readonly status: 'duplicate';
      readonly appId: string;
      readonly txnVersion: number;
      readonly version?: number;
    }
  /** A concurrent commit conflicts; `error.help` says what to do. */
  | { readonly status: 'conflict'; readonly error: DeltaError<'CommitConflict'>; readonly attempts: number }
  /** The store kept failing transiently, or the attempts ran out; retrying later may succeed. */
  | { readonly status: 'retryable'; readonly error: DeltaError; readonly attempts: number };

/** A staged, uncommitted set of actions against one snapshot (or against no table, to create it). */
export class Transaction {
  /** The snapshot read; `undefined` when the transaction creates the table. */
  readonly snapshot: Snapshot | undefined;
  private readonly storage: Storage;
  private readonly options: TransactionOptions;
  private readonly staged: Action[] = [];
  private readonly readPredicates: (Expr | true)[] = [];
  private readonly readFiles = new Set<string>();
  private readonly appIds = new Set<string>();
  private appTxn: { appId: string; version: number } | undefined;
  private committed = false;
  private metrics: Readonly<Record<string, unknown>> | undefined;

  constructor(storage: Storage, snapshot: Snapshot | undefined, options: TransactionOptions) {
    this.storage = storage;
    this.snapshot = snapshot;
    this.options = options;
  }

  /** The version read, or -1 for a table being created. */
  get readVersion(): number {
    return this.snapshot?.version ?? -1;
  }

  /**
   * Declares what the operation read: `predicate` (or `true` for everything) and the files it
   * chose by it. Concurrent commits that add matching files or remove these files conflict.
   */
  recordRead(predicate: Expr | true, files: Iterable<Add>): void {
    this.readPredicates.push(predicate);
    for (const f of files) this.readFiles.add(fileKey(f, this.storage.url));
  }

  /** Stages actions (add, remove, cdc, metaData, protocol, domainMetadata). */
  stage(...actions: Action[]): void {
    for (const action of actions) {
      if (action.commitInfo)
        throw new DeltaError('InvalidArgument', 'commitInfo is written by the transaction itself');
      if (action.txn) throw new DeltaError('InvalidArgument', 'use setAppTransaction for txn actions');
      this.staged.push(action);
    }
  }

  /**
   * Makes the commit idempotent for a streaming writer: it carries `txn(appId, version)`, and is
   * skipped as a duplicate when the table already holds that version or a newer one for `appId`.
   */
  setAppTransaction(appId: string, version: number): void {
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new DeltaError('InvalidArgument', `txn version must be a non-negative integer, got ${version}`);
    }
    this.appTxn = { appId, version };
    this.appIds.add(appId);
  }

  /** The last version `appId` committed as of the snapshot read (records the dependency). */
  appVersion(appId: string): number | undefined {
    this.appIds.add(appId);
    return this.snapshot?.txns.get(appId)?.version;
  }

  /** Sets the metrics recorded in commitInfo (known only once the operation has run). */
  setMetrics(metrics: Readonly<Record<string, unknown>>): void {
    this.metrics = metrics;
  }

  /** Whether nothing was read: an append that cannot conflict with concurrent DML. */
  get isBlindAppend(): boolean {
    return (
      this.readPredicates.length === 0 &&
      this.staged.every((a) => (a.add !== undefined && a.add.dataChange) || a.cdc !== undefined)
    );
  }

  /** Commits the staged actions. May be called once. */
  async commit(): Promise<CommitOutcome> {
    if (this.committed) throw new DeltaError('InvalidArgument', 'this transaction was already committed');
    this.committed = true;
    const known = this.appTxn && this.snapshot?.txns.get(this.appTxn.appId);
    if (this.appTxn && known && known.version >= this.appTxn.version) {
      return { status: 'duplicate', appId: this.appTxn.appId, txnVersion: this.appTxn.version };
    }
    await ensureSafeCommits(this.storage, { singleWriter: this.options.singleWriter });
    return this.attemptLoop();
  }

  private async attemptLoop(): Promise<CommitOutcome> {
    const maxAttempts = this.options.maxAttempts ?? 1000;
    const clock = this.options.clock ?? Date.now;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const txnId = randomUUID();
    const footprint = {
      snapshot: this.snapshot,
      isolationLevel: this.options.isolationLevel ?? 'WriteSerializable',
      readPredicates: this.readPredicates,
      readFiles: this.readFiles,
      actions: this.staged,
      appIds: this.appIds,
    };
    let version = this.readVersion + 1;
    let lastTimestamp = this.snapshot?.timestamp ?? 0;
    let rowIdMark = highWaterMark(this.snapshot?.domainMetadata.get(ROW_TRACKING_DOMAIN));
    let lastError: DeltaError | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const actions = this.finalActions(version, txnId, clock, lastTimestamp, rowIdMark);
      const result = await tryWriteCommit(this.storage, version, encodeCommit(actions), txnId);
      if (result.kind === 'written') return { status: 'committed', version, attempts: attempt, actions };
      if (result.kind === 'retry') {
        lastError = result.error;
        await sleep(backoff(attempt));
        continue;
      }
      const winners = await readWinningCommits(this.storage, version);
      for (const winner of winners) {
        if (appliedTxn(winner.actions, this.appTxn) && this.appTxn) {
          return {
            status: 'duplicate',
            appId: this.appTxn.appId,
            txnVersion: this.appTxn.version,
            version: winner.version,
          };
        }
        const conflict = findConflict(footprint, winner, this.storage.url);
        if (conflict) return { status: 'conflict', error: conflict, attempts: attempt };
        for (const a of winner.actions) {
          const ict = a.commitInfo?.inCommitTimestamp;
          if (typeof ict === 'number') lastTimestamp = Math.max(lastTimestamp, ict);
          if (a.domainMetadata?.domain === ROW_TRACKING_DOMAIN) rowIdMark = highWaterMark(a.domainMetadata);
        }
        version = winner.version + 1;
      }
      lastError = new DeltaError(
        'CommitConflict',
        `lost the race for version ${version - 1} ${attempt} times`,
        {
          retriable: true,
        },
      );
      // Rebased onto the winners: retry at once the first times, then back off to let a crowd spread out.
      if (attempt > 2) await sleep(backoff(attempt - 2));
    }
    const error = new DeltaError(
      'StorageError',
      `gave up committing after ${maxAttempts} attempts${lastError ? `: ${lastError.message}` : ''}`,
      { retriable: true, cause: lastError },
    );
    return { status: 'retryable', error, attempts: maxAttempts };
  }

  /** The actions of one attempt: commitInfo first (in-commit timestamps need it there), then the rest. */
  private finalActions(
    version: number,
    txnId: string,
    clock: () => number,
    lastTimestamp: number,
    rowIdMark: number,
  ): Action[] {
    const now = clock();
    const metadata = this.effectiveMetadata();
    const ict = metadata?.configuration['delta.enableInCommitTimestamps'] === 'true';
    const timestamp = ict ? Math.max(now, lastTimestamp + 1) : now;
    const commitInfo: CommitInfo = {
      timestamp,
      ...(ict ? { inCommitTimestamp: timestamp } : {}),
      operation: this.options.operation,
      operationParameters: this.options.operationParameters ?? {},
      ...(this.snapshot ? { readVersion: this.snapshot.version } : {}),
      isolationLevel: this.options.isolationLevel ?? 'WriteSerializable',
      isBlindAppend: this.isBlindAppend,
      ...((this.metrics ?? this.options.operationMetrics)
        ? { operationMetrics: this.metrics ?? this.options.operationMetrics }
        : {}),
      engineInfo: ENGINE_INFO,
      txnId,
    };
    let body: Action[] = [...this.staged];
    if (this.appTxn) body.push({ txn: { ...this.appTxn, lastUpdated: now } });
    if (rowTrackingSupported(this.effectiveProtocol())) body = assignRowIds(body, version, rowIdMark);
    return [{ commitInfo }, ...body];
  }

  private effectiveMetadata(): Metadata | undefined {
    for (const a of this.staged) if (a.metaData) return a.metaData;
    return this.snapshot?.metadata;
  }

  private effectiveProtocol(): Protocol | undefined {
    for (const a of this.staged) if (a.protocol) return a.protocol;
    return this.snapshot?.protocol;
  }
}

/** Exponential backoff with full jitter, 5 ms doubling up to 1 s. */
function backoff(attempt: number): number {
  const cap = Math.min(1000, 5 * 2 ** Math.min(attempt, 10));
  return Math.floor(Math.random() * cap);
}
