/**
 * The snapshot API of the log: `loadSnapshot` returns the reconciled state of one version, which the
 * table facade turns into scans, and everything else in the library builds on.
 */
import { DeltaError } from '../errors.js';
import type { Add, CommitInfo, DomainMetadata, Metadata, Protocol, Txn } from '../protocol/actions.js';
import { checkReadSupported } from '../protocol/features.js';
import { type StructType, parseSchema } from '../protocol/schema.js';
import type { Storage } from '../storage/storage.js';
import { listLog } from './listing.js';
import { type Reconstructed, reconstruct } from './reconstruct.js';
import { ictEnablementVersion, readCommitInfo, versionAtTimestamp } from './timestamps.js';

/** The reconciled state of one table version (PROTOCOL.md "Action Reconciliation"). */
export interface LogState {
  /** The version reconstructed. */
  readonly version: number;
  /** Commit time in ms: the in-commit timestamp when enabled, else the commit file's mtime. */
  readonly timestamp: number;
  readonly protocol: Protocol;
  readonly metadata: Metadata;
  /** `metadata.schemaString`, parsed. */
  readonly schema: StructType;
  /** The live logical files, each `Add` exactly as the log wrote it (path not re-encoded). */
  readonly files: Add[];
  /** appId → latest `txn`. */
  readonly txns: ReadonlyMap<string, Txn>;
  /** domain → latest `domainMetadata`, removed domains dropped. */
  readonly domainMetadata: ReadonlyMap<string, DomainMetadata>;
  /** The `commitInfo` of the commit at `version`, when that commit has one. */
  readonly commitInfo: CommitInfo | undefined;
}

/** Which version {@link loadSnapshot} reconstructs; at most one of the two may be given. */
export interface SnapshotOptions {
  /** An exact version. */
  readonly version?: number;
  /** The latest version committed at or before this time (ms since the epoch, or a Date). */
  readonly timestamp?: number | Date;
}

/**
 * Knobs for tests and benchmarks, not part of the public contract.
 * @internal
 */
export interface InternalSnapshotOptions extends SnapshotOptions {
  /** Replay from JSON commits only. */
  readonly ignoreCheckpoints?: boolean;
  /** Use log compaction files (default true). */
  readonly useCompactions?: boolean;
}

/**
 * Loads the state of the table at the latest version, at `version`, or at `timestamp`.
 *
 * The latest version is found from `_last_checkpoint` when that hint is valid (listing only from the
 * checkpoint on), else by listing the whole log. The table's protocol is checked with
 * `checkReadSupported` before anything is returned.
 *
 * @throws DeltaError `TableNotFound` (no log), `VersionNotFound` (version or time outside the log,
 *   with the available range), `InvalidLog` (gap, missing protocol/metadata, unreadable checkpoint
 *   with no other route), `CorruptLog` (unparsable commit, naming version and line),
 *   `UnsupportedFeature` (reader features this build lacks), `InvalidArgument` (both options given).
 */
export async function loadSnapshot(
  storage: Storage,
  options: InternalSnapshotOptions = {},
): Promise<LogState> {
  if (options.version !== undefined && options.timestamp !== undefined) {
    throw new DeltaError('InvalidArgument', 'give either a version or a timestamp to load, not both', {
      context: { version: options.version },
    });
  }
  let version = options.version;
  let listing;
  if (options.timestamp !== undefined) {
    const at = options.timestamp instanceof Date ? options.timestamp.getTime() : options.timestamp;
    if (!Number.isFinite(at)) {
      throw new DeltaError('InvalidArgument', `invalid timestamp ${String(options.timestamp)}`);
    }
    listing = await listLog(storage);
    version = await versionAtTimestamp(storage, listing, at);
  }
  const r = await reconstruct(storage, version, {
    files: true,
    ignoreCheckpoints: options.ignoreCheckpoints,
    useCompactions: options.useCompactions,
    listing,
  });
  if (r.commitInfo === undefined && r.segment.tip && r.segment.checkpoint && r.segment.commits.length === 0) {
    // The checkpoint is at the snapshot version, so commit N was not replayed; its commitInfo (the
    // in-commit timestamp above all) is still the snapshot's, and the file usually still exists.
    return buildState({ ...r, commitInfo: await readCommitInfo(storage, r.segment.tip) });
  }
  return buildState(r);
}

/** Turns a replayed segment into a {@link LogState}, validating protocol, metadata and schema. */
export function buildState(r: Reconstructed): LogState {
  const { segment, replayer, commitInfo } = r;
  const { protocol, metadata } = replayer.requireProtocolAndMetadata(segment.version);
  checkReadSupported(protocol, metadata);
  return {
    version: segment.version,
    timestamp: snapshotTimestamp(r, metadata),
    protocol,
    metadata,
    schema: parseSchema(metadata.schemaString),
    files: [...replayer.files.values()],
    txns: replayer.txns,
    domainMetadata: replayer.domains,
    commitInfo,
  };
}

/**
 * The timestamp of the snapshot version: `commitInfo.inCommitTimestamp` from the version on which
 * in-commit timestamps were enabled, else the commit file's modification time.
 */
function snapshotTimestamp(r: Reconstructed, metadata: Metadata): number {
  const { segment, commitInfo } = r;
  const enabledFrom = ictEnablementVersion(metadata);
  if (enabledFrom !== undefined && segment.version >= enabledFrom) {
    const ict = commitInfo?.inCommitTimestamp;
    if (typeof ict === 'number') return ict;
    throw new DeltaError(
      'InvalidLog',
      `in-commit timestamps are enabled (since version ${enabledFrom}) but commit ${segment.version} has no commitInfo.inCommitTimestamp`,
      { context: { version: segment.version, field: 'commitInfo.inCommitTimestamp' } },
    );
  }
  if (segment.tip) return segment.tip.meta.lastModified;
  // The commit file of a checkpointed version may be gone; the checkpoint was written after it.
  return segment.checkpoint?.files[0]?.lastModified ?? 0;
}
