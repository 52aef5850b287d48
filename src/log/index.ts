/**
 * The Delta log: listing, segment selection, commit and checkpoint parsing, and replay into a
 * {@link LogState}. The table facade and the CLI use this module only through these exports.
 */
export { type LogState, type SnapshotOptions, loadSnapshot } from './snapshot.js';
export { type CommitRecord, type HistoryEntry, listVersions, readCommit, readHistory } from './history.js';
export {
  type CheckpointSet,
  type CommitFile,
  type CompactionFile,
  type LogFileName,
  type LogListing,
  LAST_CHECKPOINT_KEY,
  LOG_DIR,
  SIDECAR_DIR,
  commitKey,
  listLog,
  parseLogFileName,
  versionPrefix,
} from './listing.js';
export { type LogSegment, hintedLogEntryExists, selectSegment } from './segment.js';
export { dvUniqueId } from './replay.js';
export { ictEnablementVersion } from './timestamps.js';
export {
  type CheckpointOptions,
  type CheckpointResult,
  type LastCheckpointInfo,
  checkpointState,
  updateLastCheckpoint,
  writeCheckpoint,
} from './checkpoint-write.js';
export { type CleanupOptions, type CleanupResult, cleanupExpiredLogs, cutoffCheckpoint } from './cleanup.js';
export {
  DEFAULT_DELETED_FILE_RETENTION,
  DEFAULT_LOG_RETENTION,
  DELETED_FILE_RETENTION_KEY,
  LOG_RETENTION_KEY,
  deletedFileRetentionMs,
  logRetentionMs,
  parseInterval,
} from './retention.js';
