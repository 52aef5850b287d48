/**
 * VACUUM: deleting files under the table root that the table no longer needs.
 *
 * A file is deleted when all of these hold (Delta's documented VACUUM semantics):
 *
 * - no live `add` of the latest snapshot and no *unexpired* `remove` tombstone (deletion newer than
 *   the cutoff) references it, neither as data file nor as its deletion-vector file: files of
 *   versions still inside the retention window stay, so time travel and concurrent readers of
 *   recent versions keep working;
 * - it was last modified before the cutoff `now − retention` (retention: `retentionHours`, default
 *   `delta.deletedFileRetentionDuration`, one week), so files of a write still in progress (written
 *   but not yet committed) are never taken;
 * - it is not hidden: `_delta_log/` is never touched, and any path with a segment starting with `_`
 *   or `.` (`_SUCCESS`, `.crc` side files, other tools' directories) is skipped, except the change
 *   data directory `_change_data/` and partition directories `<column>=…` of partition columns whose
 *   names start with `_`.
 *
 * A retention shorter than the table's is refused unless `force` is set, because it can delete files
 * that a running reader or writer of a recent version still needs. The writer protocol is always
 * checked first (PROTOCOL.md "VACUUM Protocol Check": a newer writer feature may keep files that an
 * older VACUUM would not recognise as referenced).
 *
 * Log paths are URIs and storage keys are decoded paths; both sides go through the reader's path
 * resolution (`resolveDataLocation`), so `a%20b/x.parquet` in the log protects the key `a b/x.parquet`.
 */
import { DeltaError } from '../errors.js';
import type { DeletionVectorDescriptor } from '../protocol/actions.js';
import { uuidDvKey } from '../protocol/dv/format.js';
import { columnMappingMode } from '../protocol/features.js';
import { resolveDataLocation } from '../protocol/paths.js';
import { parseSchema } from '../protocol/schema.js';
import { physicalName } from '../scan/column-mapping.js';
import { reconstruct } from '../log/reconstruct.js';
import { deletedFileRetentionMs } from '../log/retention.js';
import type { Storage } from '../storage/storage.js';
import { checkWriteSupported } from '../write/protocol.js';

const HOUR_MS = 3_600_000;

/** Options of {@link vacuum}. */
export interface VacuumOptions {
  /** Retention in hours (default: `delta.deletedFileRetentionDuration`, 168 hours). */
  readonly retentionHours?: number;
  /** List what would be deleted without deleting it. */
  readonly dryRun?: boolean;
  /** Allow a retention shorter than the table's (dangerous: see the module comment). */
  readonly force?: boolean;
  /** Current time in ms (default `Date.now()`). */
  readonly now?: number;
  /** Called after each deletion with (deleted so far, total to delete); also once with (0, total). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Deletions in flight at once (default 16). */
  readonly concurrency?: number;
}

/** What {@link vacuum} found and did. */
export interface VacuumResult {
  /** The snapshot version whose references were protected. */
  readonly version: number;
  readonly dryRun: boolean;
  /** Retention applied, in ms, and the resulting cutoff (ms since the epoch). */
  readonly retentionMs: number;
  readonly cutoff: number;
  /** Keys deleted (or, in a dry run, that would be), sorted. */
  readonly files: readonly string[];
  /** Their total size in bytes. */
  readonly bytes: number;
  /** Objects under the table root considered (hidden ones excluded). */
  readonly scanned: number;
}

/**
 * Deletes unreferenced files older than the retention (see the module comment for the rule).
 *
 * @throws DeltaError `InvalidArgument` for a negative or non-finite `retentionHours`, or one shorter
 *   than the table's retention without `force` (with help text); `UnsupportedFeature` when this
 *   build may not write the table; log and storage errors.
 */
export async function vacuum(storage: Storage, options: VacuumOptions = {}): Promise<VacuumResult> {
  const now = options.now ?? Date.now();
  const { segment, replayer } = await reconstruct(storage, undefined, { files: true, tombstones: true });
  const { protocol, metadata } = replayer.requireProtocolAndMetadata(segment.version);
  checkWriteSupported(protocol, metadata);
  const tableRetention = deletedFileRetentionMs(metadata);
  const retentionMs = retentionOf(options, tableRetention);
  const cutoff = now - retentionMs;

  const referenced = new Set<string>();
  const protect = (path: string): void => {
    const location = resolveDataLocation(path, { tableUrl: storage.url, allowOutsideRoot: true });
    if (location.kind === 'key') referenced.add(location.key);
  };
  const protectDv = (dv: DeletionVectorDescriptor | null | undefined): void => {
    if (dv?.storageType === 'u') referenced.add(uuidDvKey(dv));
    else if (dv?.storageType === 'p') protect(dv.pathOrInlineDv);
  };
  for (const add of replayer.files.values()) {
    protect(add.path);
    protectDv(add.deletionVector);
  }
  for (const remove of replayer.tombstones.values()) {
    if ((remove.deletionTimestamp ?? 0) <= cutoff) continue;
    protect(remove.path);
    protectDv(remove.deletionVector);
  }

  const mode = columnMappingMode(metadata, protocol);
  const schema = parseSchema(metadata.schemaString);
  const partitionDirs = metadata.partitionColumns.map((name) => {
    const field = schema.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    return `${field ? physicalName(field, mode) : name}=`;
  });
  const doomed: Array<{ key: string; size: number }> = [];
  let scanned = 0;
  for await (const meta of storage.list('')) {
    if (isHidden(meta.key, partitionDirs)) continue;
    scanned++;
    if (!referenced.has(meta.key) && meta.lastModified < cutoff)
      doomed.push({ key: meta.key, size: meta.size });
  }
  doomed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const files = doomed.map((d) => d.key);
  const bytes = doomed.reduce((n, d) => n + d.size, 0);
  const dryRun = options.dryRun === true;
  if (!dryRun) await deleteAll(storage, files, options);
  return { version: segment.version, dryRun, retentionMs, cutoff, files, bytes, scanned };
}

function retentionOf(options: VacuumOptions, tableRetention: number): number {
  const hours = options.retentionHours;
  if (hours === undefined) return tableRetention;
  if (!Number.isFinite(hours) || hours < 0) {
    throw new DeltaError('InvalidArgument', `retentionHours must be a number of hours >= 0, got ${hours}`, {
      context: { retentionHours: hours },
    });
  }
  const ms = hours * HOUR_MS;
  if (ms < tableRetention && options.force !== true) {
    const tableHours = tableRetention / HOUR_MS;
    throw new DeltaError(
      'InvalidArgument',
      `refusing to vacuum with a retention of ${hours} hours, shorter than the table's delta.deletedFileRetentionDuration (${tableHours} hours)`,
      {
        context: { retentionHours: hours, tableRetentionHours: tableHours },
        help:
          `files removed less than ${tableHours} hours ago may still be read by running queries, by time travel ` +
          `within the retention, or by writers that have not committed yet; deleting them can corrupt those. ` +
          `Use a retention of at least ${tableHours} hours, or pass force (--force) if no such reader or writer exists.`,
      },
    );
  }
  return ms;
}

/**
 * Whether VACUUM must leave `key` alone: `_delta_log/`, and every path with a segment starting with
 * `_` or `.`, except `_change_data` as the first segment and partition directories of partition
 * columns whose (physical) names start with `_`.
 */
export function isHidden(key: string, partitionDirs: readonly string[] = []): boolean {
  const segments = key.split('/');
  return segments.some((segment, i) => {
    if (!segment.startsWith('_') && !segment.startsWith('.')) return false;
    if (i === 0 && segment === '_change_data' && segments.length > 1) return false;
    const isDir = i < segments.length - 1;
    return !(isDir && partitionDirs.some((p) => segment.startsWith(p)));
  });
}

async function deleteAll(storage: Storage, keys: readonly string[], options: VacuumOptions): Promise<void> {
  const total = keys.length;
  let done = 0;
  options.onProgress?.(0, total);
  const limit = Math.max(1, options.concurrency ?? 16);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++];
      if (key === undefined) return;
      await storage.delete(key);
      done++;
      options.onProgress?.(done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, total) }, () => worker()));
}
