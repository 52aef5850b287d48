import { DeltaError } from '../errors.js';
import {
  LOG_DIR,
  hintedLogEntryExists,
  listVersions,
  loadSnapshot,
  parseLogFileName,
  readHistory,
} from '../log/index.js';
import type { CommitInfo, DeletionVectorDescriptor } from '../protocol/actions.js';
import { loadDeletionVector, type DeletionVector } from '../protocol/dv/dv.js';
import { resolveDataLocation } from '../protocol/paths.js';
import { assertTimeZone } from '../protocol/time-zone.js';
import { openStorage } from '../storage/open.js';
import type { S3StorageOptions } from '../storage/s3.js';
import type { Storage } from '../storage/storage.js';
import { ChangeScan, type ChangesOptions } from './changes.js';
import { Scan, type ScanOptions, type ScanSource } from './scan.js';
import { Snapshot } from './snapshot.js';
import { type VacuumOptions, type VacuumResult, vacuum } from './vacuum.js';
import { type CheckpointOptions, type CheckpointResult, writeCheckpoint } from '../log/checkpoint-write.js';
import { type CleanupOptions, type CleanupResult, cleanupExpiredLogs } from '../log/cleanup.js';
import { type DeleteOptions, type UpdateOptions, deleteRows, updateRows } from '../ops/dml.js';
import { type OptimizeOptions, type RestoreOptions, optimizeTable, restoreTable } from '../ops/maintain.js';
import { type MergeOptions, mergeRows } from '../ops/merge.js';
import type { OperationResult } from '../ops/run.js';
import { type WriteOptions, writeTable } from '../ops/write.js';
import type { DataInput } from '../write/conform.js';

/** Options of {@link DeltaTable.open}. */
export interface OpenOptions {
  /**
   * Allow `add` and deletion-vector paths that point outside the table root. Off by default: a log
   * that references `../other-table/…` or another bucket is refused, so a crafted log cannot make a
   * reader disclose files it was not asked to read.
   */
  readonly allowOutsideRoot?: boolean;
  /** S3 settings for `s3://` locations (endpoint, region, credentials, path style). */
  readonly s3?: S3StorageOptions;
  /**
   * IANA zone of `timestamp` partition values written without a zone (PROTOCOL.md: the writer's
   * zone, which the log does not record; Spark writes its session zone). Default UTC.
   */
  readonly partitionTimeZone?: string;
}

/** One entry of {@link DeltaTable.history}. */
export interface HistoryEntry {
  readonly version: number;
  /** Commit time, ms since the epoch (in-commit timestamp when the table records them). */
  readonly timestamp: number;
  readonly commitInfo: CommitInfo | undefined;
}

/**
 * A Delta table at a location: the entry point of the library.
 *
 * `DeltaTable` holds no table state itself: each call replays the log for the version asked, so a
 * long-lived process always sees new commits and time travel is just another version number.
 */
export class DeltaTable implements ScanSource {
  /** The storage rooted at the table directory. */
  readonly storage: Storage;
  /** Whether paths outside the table root may be read. */
  readonly allowOutsideRoot: boolean;

  private readonly s3: S3StorageOptions | undefined;

  private constructor(storage: Storage, options: OpenOptions) {
    this.storage = storage;
    this.allowOutsideRoot = options.allowOutsideRoot ?? false;
    this.s3 = options.s3;
    if (options.partitionTimeZone !== undefined) assertTimeZone(options.partitionTimeZone);
    this.partitionTimeZone = options.partitionTimeZone;
  }

  /** Zone of zone-less timestamp partition values; see {@link OpenOptions.partitionTimeZone}. */
  readonly partitionTimeZone: string | undefined;

  /**
   * Opens the table at `location` (a local path, `file://` URL, `s3://bucket/prefix` or
   * `memory://name`) or on a ready {@link Storage}. Fails with `TableNotFound` when there is no
   * Delta log there, so a typo in a path is reported at once rather than as an empty table.
   * Protocol support is checked by every snapshot, since it can differ between versions.
   */
  static async open(location: string | Storage, options: OpenOptions = {}): Promise<DeltaTable> {
    const storage =
      typeof location === 'string' ? openStorage(location, options.s3 ? { s3: options.s3 } : {}) : location;
    // Only the existence of a log is checked here: replaying it now would be repeated by the first
    // snapshot, and a table whose latest version is unreadable may still be time-travelled.
    if (!(await hasLogEntry(storage))) {
      throw new DeltaError(
        'TableNotFound',
        `no Delta table at ${storage.url}: _delta_log/ holds no commit and no checkpoint`,
        {
          help: 'check the path; a Delta table is a directory with a _delta_log/ folder of JSON commits',
        },
      );
    }
    return new DeltaTable(storage, options);
  }

  /** The table at a version or time (default: latest). */
  async snapshot(options: { version?: number; timestamp?: number | Date | string } = {}): Promise<Snapshot> {
    return this.snapshotFor(options);
  }

  /** @internal The {@link ScanSource} hook; same as {@link snapshot}. */
  async snapshotFor(options: { version?: number; timestamp?: number | Date | string }): Promise<Snapshot> {
    if (options.version !== undefined && options.timestamp !== undefined) {
      throw new DeltaError('InvalidArgument', 'give a version or a timestamp, not both');
    }
    if (options.version !== undefined && (!Number.isInteger(options.version) || options.version < 0)) {
      throw new DeltaError(
        'InvalidArgument',
        `version must be a non-negative integer, got ${options.version}`,
      );
    }
    const timestamp = options.timestamp === undefined ? undefined : parseTimestamp(options.timestamp);
    const state = await loadSnapshot(this.storage, {
      ...(options.version !== undefined ? { version: options.version } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
    });
    return new Snapshot(state, { partitionTimeZone: this.partitionTimeZone });
  }

  /** The range of versions that can be read (the earliest is the oldest reconstructable one). */
  versions(): Promise<{ earliest: number; latest: number }> {
    return listVersions(this.storage);
  }

  /** Commit history, newest first. */
  history(options: { limit?: number } = {}): Promise<HistoryEntry[]> {
    return readHistory(this.storage, options);
  }

  /** A lazy scan of one version; see {@link ScanOptions}. */
  scan(options: ScanOptions = {}): Scan {
    return new Scan(this, options);
  }

  /**
   * Reads the file a log path names. Paths are resolved against the table root; one outside it is
   * refused with `PathOutsideTable` unless the table was opened with `allowOutsideRoot`.
   */
  async fetchFile(path: string): Promise<Uint8Array> {
    const location = resolveDataLocation(path, {
      tableUrl: this.storage.url,
      allowOutsideRoot: this.allowOutsideRoot,
    });
    if (location.kind === 'key') return this.storage.get(location.key);
    const external = await this.openExternal(location.url);
    return external.storage.get(external.key);
  }

  /** Loads a deletion vector (inline, relative or absolute), or `undefined` when there is none. */
  async loadDv(descriptor: DeletionVectorDescriptor | null | undefined): Promise<DeletionVector | undefined> {
    if (!descriptor) return undefined;
    return loadDeletionVector(this.storage, descriptor, {
      tableUrl: this.storage.url,
      allowOutsideRoot: this.allowOutsideRoot,
      openExternal: (url) => this.openExternal(url),
    });
  }

  /** Opens the store of a file outside the table root: its directory becomes the storage root. */
  private async openExternal(url: string): Promise<{ storage: Storage; key: string }> {
    const slash = url.lastIndexOf('/');
    if (slash < 0) throw new DeltaError('InvalidArgument', `cannot open ${url}: not a URL with a path`);
    return {
      storage: openStorage(url.slice(0, slash), this.s3 ? { s3: this.s3 } : {}),
      key: decodeURIComponent(url.slice(slash + 1)),
    };
  }

  /** Appends `data` in one commit (schema enforced; `mergeSchema` adds columns). */
  append(
    data: DataInput,
    options: Omit<WriteOptions, 'mode' | 'where' | 's3'> = {},
  ): Promise<OperationResult> {
    return writeTable(this.storage, data, { ...options, mode: 'append' });
  }

  /** Replaces every row, or the rows matching `options.where`, with `data`, in one commit. */
  overwrite(data: DataInput, options: Omit<WriteOptions, 'mode' | 's3'> = {}): Promise<OperationResult> {
    return writeTable(this.storage, data, { ...options, mode: 'overwrite' });
  }

  /** Deletes the rows matching `options.where` (all rows when omitted). */
  delete(options: Omit<DeleteOptions, 's3'> = {}): Promise<OperationResult> {
    return deleteRows(this.storage, options);
  }

  /** Sets columns of the rows matching `options.where`. */
  update(options: Omit<UpdateOptions, 's3'>): Promise<OperationResult> {
    return updateRows(this.storage, options);
  }

  /** Upserts/deletes `source` rows by key; see {@link MergeOptions}. */
  merge(source: DataInput, options: Omit<MergeOptions, 's3'>): Promise<OperationResult> {
    return mergeRows(this.storage, source, options);
  }

  /** Makes the latest version equal to an earlier one, in a new commit. */
  restore(version: number, options: Omit<RestoreOptions, 'version' | 's3'> = {}): Promise<OperationResult> {
    return restoreTable(this.storage, { ...options, version });
  }

  /** Compacts small files; see {@link OptimizeOptions}. */
  optimize(options: Omit<OptimizeOptions, 's3'> = {}): Promise<OperationResult> {
    return optimizeTable(this.storage, options);
  }

  /** Writes a checkpoint of `version` (default latest) and updates `_last_checkpoint`. */
  checkpoint(version?: number, options: CheckpointOptions = {}): Promise<CheckpointResult> {
    return writeCheckpoint(this.storage, version, options);
  }

  /** Deletes unreferenced data files older than the retention; see {@link VacuumOptions}. */
  vacuum(options: VacuumOptions = {}): Promise<VacuumResult> {
    return vacuum(this.storage, options);
  }

  /** Deletes log files older than `delta.logRetentionDuration` that no retained version needs. */
  cleanupLogs(options: CleanupOptions = {}): Promise<CleanupResult> {
    return cleanupExpiredLogs(this.storage, options);
  }

  /** The change data feed between two versions; see {@link ChangesOptions}. */
  changes(options: ChangesOptions): ChangeScan {
    return new ChangeScan(this, options);
  }
}

/** Accepts ms since epoch, a Date, or an ISO-8601 / `YYYY-MM-DD[ HH:MM:SS]` string (UTC unless zoned). */
export function parseTimestamp(value: number | Date | string): number {
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime();
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(trimmed) ? trimmed : `${trimmed.replace(' ', 'T')}Z`;
  const ms = Date.parse(/^\d{4}-\d\d-\d\dZ$/.test(iso) ? `${iso.slice(0, -1)}T00:00:00Z` : iso);
  if (Number.isNaN(ms)) {
    throw new DeltaError('InvalidArgument', `cannot parse timestamp ${JSON.stringify(value)}`, {
      help: 'use ISO-8601 (2024-05-01T12:00:00Z), "2024-05-01 12:00:00" (UTC) or milliseconds since the epoch',
    });
  }
  return ms;
}

/** Whether `_delta_log/` holds at least one commit or checkpoint; stops at the first one. */
async function hasLogEntry(storage: Storage): Promise<boolean> {
  if (await hintedLogEntryExists(storage)) return true;
  for await (const meta of storage.list(LOG_DIR)) {
    const parsed = parseLogFileName(meta.key.slice(LOG_DIR.length));
    if (parsed?.type === 'commit' || parsed?.type === 'checkpoint') return true;
  }
  return false;
}
