/**
 * Metadata cleanup (PROTOCOL.md "Metadata Cleanup"): deleting log files no retained version needs.
 *
 * The rule, which keeps every version from the cutoff on reconstructable:
 *
 * 1. `cutoff` = midnight UTC of the day `now − retention` falls on (retention =
 *    `delta.logRetentionDuration`, default 30 days). The *cutoff commit* is the newest commit whose
 *    file was last modified at or before `cutoff`.
 * 2. The *cutoff checkpoint* is the newest complete checkpoint not newer than the cutoff commit.
 *    Without one nothing is deleted: every older version would lose its only route.
 * 3. Deleted: commits, checkpoint files (any format, including torn multi-part sets) and `.crc`
 *    files of versions strictly before the cutoff checkpoint, and compaction files starting at or
 *    before it. Kept: the cutoff checkpoint, its own commit (its `commitInfo` and in-commit timestamp
 *    live only there), and everything after it. Oldest files go first, so a cleanup that dies half
 *    way still leaves a contiguous log behind the checkpoint.
 * 4. Sidecars (`_delta_log/_sidecars/`) referenced by no retained checkpoint are deleted when they
 *    are older than both the cutoff and a day (a sidecar younger than that may belong to a
 *    checkpoint being written right now). If any retained checkpoint cannot be read, no sidecar is
 *    deleted, since its references are unknown.
 *
 * `delta.enableExpiredLogCleanup = false` on the table turns cleanup off.
 */
import type { Action } from '../protocol/actions.js';
import type { Storage } from '../storage/storage.js';
import { checkWriteSupported } from '../write/protocol.js';
import { readParquetActions, sidecarKey } from './checkpoint.js';
import { type LogListing, LOG_DIR, SIDECAR_DIR, listLog, parseLogFileName } from './listing.js';
import { parseActions } from './ndjson.js';
import { reconstruct } from './reconstruct.js';
import { booleanProperty, logRetentionMs } from './retention.js';

const DAY_MS = 86_400_000;
const CRC = /^(\d{20})\.crc$/;

/** Options of {@link cleanupExpiredLogs}. */
export interface CleanupOptions {
  /** Current time in ms (default `Date.now()`). */
  readonly now?: number;
  /** Retention in ms, instead of the table's `delta.logRetentionDuration`. */
  readonly retention?: number;
  /** List what would be deleted without deleting it. */
  readonly dryRun?: boolean;
}

/** What {@link cleanupExpiredLogs} did. */
export interface CleanupResult {
  /** Keys deleted (or, in a dry run, that would be), oldest version first, sidecars last. */
  readonly deleted: readonly string[];
  /** The cutoff checkpoint's version; `undefined` when there was none and nothing was deleted. */
  readonly checkpointVersion: number | undefined;
  /** The cutoff time used (ms since the epoch). */
  readonly cutoff: number;
  /** False when the table turned cleanup off (`delta.enableExpiredLogCleanup = false`). */
  readonly enabled: boolean;
  readonly dryRun: boolean;
}

/**
 * Deletes expired log files of the table (see the module comment for the exact rule).
 *
 * @throws DeltaError `UnsupportedFeature` when this build may not write the table (cleanup is a
 *   write: a newer writer feature might keep state in the log that must not be deleted);
 *   `InvalidArgument` for a malformed retention property; storage errors.
 */
export async function cleanupExpiredLogs(
  storage: Storage,
  options: CleanupOptions = {},
): Promise<CleanupResult> {
  const now = options.now ?? Date.now();
  const dryRun = options.dryRun === true;
  const listing = await listLog(storage);
  const { replayer, segment } = await reconstruct(storage, undefined, { files: false, listing });
  const { protocol, metadata } = replayer.requireProtocolAndMetadata(segment.version);
  checkWriteSupported(protocol, metadata);
  const retention = options.retention ?? logRetentionMs(metadata);
  const cutoff = Math.floor((now - retention) / DAY_MS) * DAY_MS;
  if (!booleanProperty(metadata, 'delta.enableExpiredLogCleanup', true)) {
    return { deleted: [], checkpointVersion: undefined, cutoff, enabled: false, dryRun };
  }
  const checkpointVersion = cutoffCheckpoint(listing, cutoff);
  if (checkpointVersion === undefined)
    return { deleted: [], checkpointVersion, cutoff, enabled: true, dryRun };
  const expired = await expiredLogFiles(storage, checkpointVersion);
  const sidecars = await orphanedSidecars(
    storage,
    listing,
    checkpointVersion,
    Math.min(cutoff, now - DAY_MS),
  );
  const deleted = [...expired, ...sidecars];
  if (!dryRun) for (const key of deleted) await storage.delete(key);
  return { deleted, checkpointVersion, cutoff, enabled: true, dryRun };
}

/** The newest checkpoint not newer than the newest commit modified at or before `cutoff`. */
export function cutoffCheckpoint(listing: LogListing, cutoff: number): number | undefined {
  let cutoffCommit: number | undefined;
  for (const c of listing.commits) if (c.meta.lastModified <= cutoff) cutoffCommit = c.version;
  if (cutoffCommit === undefined) return undefined;
  const limit = cutoffCommit;
  return listing.checkpoints.filter((c) => c.version <= limit).at(-1)?.version;
}

/** Log files (not in subdirectories) that step 3 of the rule deletes, oldest version first. */
async function expiredLogFiles(storage: Storage, checkpointVersion: number): Promise<string[]> {
  const found: Array<{ key: string; version: number }> = [];
  for await (const meta of storage.list(LOG_DIR)) {
    const name = meta.key.slice(LOG_DIR.length);
    if (name.includes('/')) continue;
    const crc = CRC.exec(name);
    if (crc?.[1] !== undefined) {
      const version = Number(crc[1]);
      if (version < checkpointVersion) found.push({ key: meta.key, version });
      continue;
    }
    const parsed = parseLogFileName(name) ?? tornPart(name);
    if (parsed === undefined) continue;
    if ((parsed.type === 'commit' || parsed.type === 'checkpoint') && parsed.version < checkpointVersion)
      found.push({ key: meta.key, version: parsed.version });
    else if (parsed.type === 'compaction' && parsed.start <= checkpointVersion)
      found.push({ key: meta.key, version: parsed.start });
  }
  return found.sort((a, b) => a.version - b.version || (a.key < b.key ? -1 : 1)).map((f) => f.key);
}

/**
 * Multi-part checkpoint names `parseLogFileName` rejects as malformed but that are still parts a
 * writer left behind (e.g. of a one-part "set"): old ones are garbage all the same.
 */
function tornPart(name: string): { type: 'checkpoint'; version: number } | undefined {
  const m = /^(\d{20})\.checkpoint\.\d{10}\.\d{10}\.parquet$/.exec(name);
  return m?.[1] === undefined ? undefined : { type: 'checkpoint', version: Number(m[1]) };
}

/** Sidecars no retained checkpoint references and last modified before `olderThan`. */
async function orphanedSidecars(
  storage: Storage,
  listing: LogListing,
  checkpointVersion: number,
  olderThan: number,
): Promise<string[]> {
  const candidates: string[] = [];
  for await (const meta of storage.list(SIDECAR_DIR)) {
    if (meta.lastModified < olderThan && !meta.key.slice(SIDECAR_DIR.length).includes('/'))
      candidates.push(meta.key);
  }
  if (candidates.length === 0) return [];
  const referenced = new Set<string>();
  try {
    for (const checkpoint of listing.checkpoints) {
      if (checkpoint.version < checkpointVersion || checkpoint.format === 'multipart') continue;
      for (const file of checkpoint.files) {
        const onAction = (a: Action): void => {
          if (a.sidecar) referenced.add(sidecarKey(storage, a.sidecar.path));
        };
        const bytes = await storage.get(file.key);
        if (file.key.endsWith('.json')) parseActions(bytes, { file: file.key }, onAction);
        else await readParquetActions(bytes, file.key, ['sidecar'], onAction);
      }
    }
  } catch {
    // A retained checkpoint we cannot read may reference any sidecar: delete none.
    return [];
  }
  return candidates.filter((key) => !referenced.has(key));
}
