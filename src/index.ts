/**
 * delta-ts: the Delta Lake transaction protocol for TypeScript.
 *
 * This module is the public API; the CLI and the services are built on nothing else.
 */
export * from './errors.js';

// Storage
export * from './storage/storage.js';
export { LocalStorage } from './storage/local.js';
export { MemoryStorage } from './storage/memory.js';
export { S3Storage, type S3StorageOptions } from './storage/s3.js';
export { openStorage } from './storage/open.js';

// Protocol data
export * from './protocol/actions.js';
export * from './protocol/schema.js';
export {
  checkReadSupported,
  columnMappingMode,
  SUPPORTED_READER_FEATURES,
  type ColumnMappingMode,
} from './protocol/features.js';
export {
  parsePartitionValue,
  serializePartitionValue,
  escapePartitionPathSegment,
  unescapePartitionPathSegment,
} from './protocol/partition.js';
export {
  loadDeletionVector,
  deletionVectorUniqueId,
  type DeletionVector,
  type LoadDeletionVectorOptions,
} from './protocol/dv/dv.js';
export {
  resolveDataPath,
  resolveDataLocation,
  canonicalPathKey,
  type DataLocation,
} from './protocol/paths.js';

// Log
export { loadSnapshot, readCommit, readHistory, listVersions, type LogState } from './log/index.js';

// Data
export { readParquetBatches, readParquetSchema } from './parquet/read.js';
export { readDataFile, type DataFileRef, type DeletedRows, type FileReadPlan } from './scan/file-reader.js';
export { deltaToArrowSchema, deltaToArrowType } from './scan/arrow-schema.js';

// Writing
export { Transaction, type TransactionOptions, type CommitOutcome, ENGINE_INFO } from './txn/transaction.js';
export type { IsolationLevel, ConflictKind } from './txn/conflicts.js';
export { ensureSafeCommits, type ProbeOptions } from './txn/probe.js';
export { writeTable, type WriteOptions } from './ops/write.js';
export { deleteRows, updateRows, type DeleteOptions, type UpdateOptions } from './ops/dml.js';
export { mergeRows, type MergeOptions } from './ops/merge.js';
export { restoreTable, optimizeTable, type RestoreOptions, type OptimizeOptions } from './ops/maintain.js';
export type { CommonWriteOptions, OperationResult, OperationMetrics, PostCommitReport } from './ops/run.js';
export { writeCheckpoint, type CheckpointOptions, type CheckpointResult } from './log/checkpoint-write.js';
export { cleanupExpiredLogs, type CleanupOptions, type CleanupResult } from './log/cleanup.js';
export { vacuum, type VacuumOptions, type VacuumResult } from './table/vacuum.js';
export type { DataInput } from './write/conform.js';
export { arrowToDeltaSchema } from './write/schema.js';

// Predicates and formats
export type * from './expr/ast.js';
export { parsePredicate } from './expr/parse.js';
export { printExpr } from './expr/print.js';
export { evaluatePredicate, filterBatch } from './expr/evaluate.js';
export { mayMatchFile, parseFileStats, type FileStats } from './expr/skipping.js';
export { toCanonicalRows } from './format/canonical.js';
export {
  formatRows,
  formatNdjson,
  formatCsv,
  formatTable,
  ndjsonLine,
  csvLine,
  type OutputFormat,
} from './format/output.js';

// Tables
export { DeltaTable, parseTimestamp, type OpenOptions, type HistoryEntry } from './table/table.js';
export { Snapshot, type TableDescription } from './table/snapshot.js';
export { Scan, type ScanOptions, type ScanFile } from './table/scan.js';
export { ChangeScan, withChangeColumns, type ChangesOptions, type ChangeType } from './table/changes.js';
