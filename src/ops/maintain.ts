/**
 * Table maintenance that changes files but not rows: RESTORE to an earlier version, and OPTIMIZE
 * (bin-packing small files into files of the target size).
 */
import type { RecordBatch } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import type { Expr } from '../expr/ast.js';
import { parsePredicate } from '../expr/parse.js';
import type { Action, Add } from '../protocol/actions.js';
import { resolveDataLocation } from '../protocol/paths.js';
import { openDataFile } from '../scan/file-reader.js';
import type { Storage } from '../storage/storage.js';
import type { Snapshot } from '../table/snapshot.js';
import { DeltaTable } from '../table/table.js';
import { addMayMatch, fileKey } from '../txn/conflicts.js';
import { requireSnapshot } from './dml.js';
import { writeDataBatches } from './files.js';
import { checkWritable } from './guards.js';
import { fetchFileAndDv, onlyPartitionColumns, removeOf } from './rewrite.js';
import {
  type CommonWriteOptions,
  type OperationMetrics,
  type OperationResult,
  resolveStorage,
  runOperation,
} from './run.js';

/** Options of {@link restoreTable}. */
export interface RestoreOptions extends CommonWriteOptions {
  /** The version to restore. */
  readonly version: number;
}

/**
 * Makes the latest version equal to `version` again, in one new commit: files added since are
 * removed, files removed since are added back, and the metadata of `version` is restored. The
 * protocol is never downgraded. Fails with `FileNotFound` naming the file when a file to bring
 * back was vacuumed, before anything is committed.
 */
export function restoreTable(location: string | Storage, options: RestoreOptions): Promise<OperationResult> {
  const storage = resolveStorage(location, options.s3);
  return runOperation(
    storage,
    { name: 'RESTORE', parameters: { version: options.version } },
    options,
    async ({ txn, now }): Promise<OperationMetrics | undefined> => {
      const snap = requireSnapshot(txn.snapshot);
      checkWritable(snap, 'RESTORE');
      const table = await DeltaTable.open(storage);
      const target = await table.snapshot({ version: options.version });
      const url = storage.url;
      const current = new Map(snap.files.map((f) => [fileKey(f, url), f]));
      const wanted = new Map(target.files.map((f) => [fileKey(f, url), f]));
      const at = now();
      const actions: Action[] = [];
      let restoredBytes = 0;
      for (const [key, add] of wanted) {
        if (current.has(key)) continue;
        const location = resolveDataLocation(add.path, { tableUrl: url, allowOutsideRoot: false });
        if (location.kind === 'key' && !(await storage.head(location.key))) {
          throw new DeltaError(
            'FileNotFound',
            `cannot restore version ${options.version}: data file ${add.path} no longer exists (vacuumed?)`,
            {
              help: 'restore a more recent version whose files are still present',
              context: { file: add.path, version: options.version },
            },
          );
        }
        actions.push({ add: { ...add, dataChange: true, modificationTime: add.modificationTime } });
        restoredBytes += add.size;
      }
      let removedBytes = 0;
      for (const [key, add] of current) {
        if (wanted.has(key)) continue;
        actions.push({ remove: removeOf(add, at) });
        removedBytes += add.size;
      }
      const metadataChanged =
        target.metadata.schemaString !== snap.metadata.schemaString ||
        JSON.stringify(target.metadata) !== JSON.stringify(snap.metadata);
      if (actions.length === 0 && !metadataChanged) return undefined;
      if (metadataChanged) txn.stage({ metaData: target.metadata });
      txn.recordRead(true, snap.files);
      txn.stage(...actions);
      return {
        tableSizeAfterRestore: target.files.reduce((n, f) => n + f.size, 0),
        numOfFilesAfterRestore: target.files.length,
        numRemovedFiles: actions.filter((a) => a.remove).length,
        numRestoredFiles: actions.filter((a) => a.add).length,
        removedFilesSize: removedBytes,
        restoredFilesSize: restoredBytes,
      };
    },
  );
}

/** Options of {@link optimizeTable}. */
export interface OptimizeOptions extends CommonWriteOptions {
  /** Restrict to partitions matching this predicate (partition columns only). */
  readonly where?: string | Expr;
  /** Target size of the compacted files in bytes. Default `delta.targetFileSize` or 100 MiB. */
  readonly targetFileSize?: number;
  /** Parquet compression of the new files, default snappy. */
  readonly compression?: 'snappy' | 'zstd';
}

const DEFAULT_TARGET = 100 * 1024 * 1024;

/**
 * Bin-packs the files of each partition that are smaller than the target size (and files with
 * deletion vectors, which compaction purges) into files of about the target size, in one commit
 * with `dataChange: false`: readers of the change feed see no change, and concurrent appends do
 * not conflict with it.
 */
export function optimizeTable(
  location: string | Storage,
  options: OptimizeOptions = {},
): Promise<OperationResult> {
  const storage = resolveStorage(location, options.s3);
  return runOperation(
    storage,
    { name: 'OPTIMIZE', parameters: { predicate: typeof options.where === 'string' ? options.where : '[]' } },
    options,
    async ({ txn, now }): Promise<OperationMetrics | undefined> => {
      const snap = requireSnapshot(txn.snapshot);
      checkWritable(snap, 'OPTIMIZE');
      const where =
        options.where === undefined
          ? undefined
          : typeof options.where === 'string'
            ? parsePredicate(options.where, snap.schema)
            : options.where;
      if (where && !onlyPartitionColumns(where, snap)) {
        throw new DeltaError('InvalidArgument', 'OPTIMIZE … WHERE accepts partition columns only', {
          context: { columns: snap.partitionColumns.join(',') },
        });
      }
      const configured = Number(snap.properties['delta.targetFileSize']);
      const target = options.targetFileSize ?? (configured > 0 ? configured : DEFAULT_TARGET);
      const bins = planBins(snap, where, target);
      const files = bins.flat();
      if (files.length === 0) return undefined;
      txn.recordRead(where ?? true, files);
      const table = await DeltaTable.open(storage);
      const at = now();
      let added = 0;
      let done = 0;
      for (const bin of bins) {
        const adds = await writeDataBatches(storage, snap, liveRows(table, snap, bin), {
          now: at,
          dataChange: false,
          targetFileSize: target,
          ...(options.compression ? { compression: options.compression } : {}),
        });
        txn.stage(...bin.map((f) => ({ remove: { ...removeOf(f, at), dataChange: false } })));
        txn.stage(...adds.map((add) => ({ add })));
        added += adds.length;
        done += bin.length;
        options.onProgress?.('files', done, files.length);
      }
      return {
        numFilesRemoved: files.length,
        numFilesAdded: added,
        numBatches: bins.length,
        totalConsideredFiles: snap.files.length,
      };
    },
  );
}

/** Groups compaction candidates per partition into bins of at most `target` bytes. */
function planBins(snap: Snapshot, where: Expr | undefined, target: number): Add[][] {
  const byPartition = new Map<string, Add[]>();
  for (const f of snap.files) {
    if (where && !addMayMatch(snap, f, where)) continue;
    if (f.size >= target && !f.deletionVector) continue;
    const key = JSON.stringify(snap.partitionColumns.map((c) => f.partitionValues[c] ?? null));
    const list = byPartition.get(key) ?? [];
    list.push(f);
    byPartition.set(key, list);
  }
  const bins: Add[][] = [];
  for (const files of byPartition.values()) {
    files.sort((a, b) => a.size - b.size);
    let bin: Add[] = [];
    let size = 0;
    const flush = (): void => {
      // A single file is only worth rewriting when it carries deleted rows to purge.
      if (bin.length > 1 || bin.some((f) => f.deletionVector)) bins.push(bin);
      bin = [];
      size = 0;
    };
    for (const f of files) {
      if (size + f.size > target && bin.length > 0) flush();
      bin.push(f);
      size += f.size;
    }
    if (bin.length > 0) flush();
  }
  return bins;
}

/** The live rows (deletion vectors applied) of `files`, batch by batch. */
async function* liveRows(
  table: DeltaTable,
  snap: Snapshot,
  files: readonly Add[],
): AsyncIterable<RecordBatch> {
  const plan = {
    schema: snap.schema,
    partitionColumns: snap.partitionColumns,
    columnMappingMode: snap.columnMappingMode,
    partitionTimeZone: snap.partitionTimeZone,
  };
  for (const add of files) {
    const { bytes, deleted } = await fetchFileAndDv(table, add);
    const reader = await openDataFile(
      bytes,
      { path: add.path, partitionValues: add.partitionValues, ...(deleted ? { deletedRows: deleted } : {}) },
      plan,
    );
    try {
      yield* reader.batches();
    } finally {
      reader.close();
    }
  }
}
