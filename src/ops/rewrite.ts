/**
 * Row-level changes to existing data files, shared by DELETE, UPDATE and MERGE.
 *
 * An operation decides, batch by batch, which rows of a file it touches (deletes, or replaces by
 * new rows). A touched file is then either rewritten (copy-on-write: the untouched rows go to a
 * new file, the old one is removed) or, when the table has deletion vectors enabled, kept and
 * given a deletion vector marking the touched rows, which writes a few bytes instead of the
 * whole file. Replacement rows go to new files in both cases. With change data feed on, the
 * touched rows and their replacements are also written as `_change_data` files.
 */
import type { RecordBatch } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import { filterBatch } from '../expr/evaluate.js';
import type { Action, Add, Remove } from '../protocol/actions.js';
import { RoaringSet } from '../protocol/dv/dv.js';
import { openDataFile } from '../scan/file-reader.js';
import type { Snapshot } from '../table/snapshot.js';
import type { DeltaTable } from '../table/table.js';
import { addMayMatch } from '../txn/conflicts.js';
import type { Expr } from '../expr/ast.js';
import { referencedColumns } from '../expr/columns.js';
import { type ChangeType, writeChangeFiles, writeDataBatches, writeDeletionVector } from './files.js';

/** What an operation does with one batch of a file (all rows, deleted ones included). */
export interface BatchDecision {
  /** 1 = the row is touched (deleted or replaced). Rows already deleted by a DV are ignored. */
  readonly touched: Uint8Array;
  /**
   * Which touched rows are deleted rather than replaced (MERGE mixes both); by default every
   * touched row has the change type {@link RewriteOptions.touchedChange}.
   */
  readonly deleted?: Uint8Array;
  /** New rows replacing touched ones (UPDATE, MERGE updates), in the table's logical schema. */
  readonly replacements?: readonly RecordBatch[];
}

/** Decides per batch; `live` masks the rows not already deleted by the file's deletion vector. */
export type Decide = (batch: RecordBatch, live: Uint8Array) => BatchDecision;

/** Totals of a rewrite, for the operation metrics. */
export interface RewriteStats {
  filesRemoved: number;
  filesAdded: number;
  rowsTouched: number;
  rowsCopied: number;
  rowsReplaced: number;
  deletionVectorsAdded: number;
}

/** Options of {@link rewriteFiles}. */
export interface RewriteOptions {
  readonly now: number;
  /** The change type of touched rows in the change data feed (delete, or update_preimage). */
  readonly touchedChange: Extract<ChangeType, 'delete' | 'update_preimage'>;
  readonly onFile?: (done: number, total: number) => void;
}

/** Whether writes to this snapshot mark deleted rows with deletion vectors instead of rewriting. */
export function usesDeletionVectors(snap: Snapshot): boolean {
  return (
    snap.properties['delta.enableDeletionVectors'] === 'true' &&
    (snap.protocol.readerFeatures ?? []).includes('deletionVectors') &&
    (snap.protocol.writerFeatures ?? []).includes('deletionVectors')
  );
}

/** The live files that may hold rows matching `predicate` (all of them without one). */
export function filesMatching(snap: Snapshot, predicate: Expr | undefined): Add[] {
  return predicate ? snap.files.filter((f) => addMayMatch(snap, f, predicate)) : [...snap.files];
}

/** The commitInfo metrics every row-rewriting operation reports, under Spark's names. */
export function rewriteMetrics(stats: RewriteStats, rowsName: string): Record<string, number> {
  return {
    [rowsName]: stats.rowsTouched,
    numRemovedFiles: stats.filesRemoved,
    numAddedFiles: stats.filesAdded,
    numCopiedRows: stats.rowsCopied,
    numDeletionVectorsAdded: stats.deletionVectorsAdded,
  };
}

/** Whether commits to this snapshot must write change data. */
export function writesChangeData(snap: Snapshot): boolean {
  return snap.properties['delta.enableChangeDataFeed'] === 'true';
}

/**
 * Applies `decide` to every row of `files` and returns the actions (remove, add, cdc) that record
 * the result, plus totals. Files no row of which is touched produce no action.
 */
export async function rewriteFiles(
  table: DeltaTable,
  snap: Snapshot,
  files: readonly Add[],
  decide: Decide,
  options: RewriteOptions,
): Promise<{ actions: Action[]; stats: RewriteStats }> {
  const storage = table.storage;
  const stats: RewriteStats = {
    filesRemoved: 0,
    filesAdded: 0,
    rowsTouched: 0,
    rowsCopied: 0,
    rowsReplaced: 0,
    deletionVectorsAdded: 0,
  };
  const actions: Action[] = [];
  const dv = usesDeletionVectors(snap);
  const cdf = writesChangeData(snap);
  const plan = {
    schema: snap.schema,
    partitionColumns: snap.partitionColumns,
    columnMappingMode: snap.columnMappingMode,
    partitionTimeZone: snap.partitionTimeZone,
  };
  let done = 0;
  for (const add of files) {
    const { bytes, deleted } = await fetchFileAndDv(table, add);
    const reader = await openDataFile(bytes, { path: add.path, partitionValues: add.partitionValues }, plan);
    const kept: RecordBatch[] = [];
    const touchedRows: RecordBatch[] = [];
    const deletedRows: RecordBatch[] = [];
    const replacements: RecordBatch[] = [];
    const touchedPositions: number[] = [];
    let position = 0;
    let total = 0;
    try {
      for await (const batch of reader.batches()) {
        const live = new Uint8Array(batch.numRows);
        for (let i = 0; i < batch.numRows; i++) live[i] = deleted?.has(position + i) === true ? 0 : 1;
        const decision = decide(batch, live);
        const keep = new Uint8Array(batch.numRows);
        const touched = new Uint8Array(batch.numRows);
        for (let i = 0; i < batch.numRows; i++) {
          if (!live[i]) continue;
          if (decision.touched[i]) {
            touched[i] = 1;
            touchedPositions.push(position + i);
          } else keep[i] = 1;
        }
        position += batch.numRows;
        total += batch.numRows;
        if (!dv) kept.push(filterBatch(batch, keep));
        if (cdf && decision.deleted) {
          const gone = new Uint8Array(batch.numRows);
          for (let i = 0; i < batch.numRows; i++) {
            if (touched[i] && decision.deleted[i]) {
              gone[i] = 1;
              touched[i] = 0;
            }
          }
          deletedRows.push(filterBatch(batch, gone));
        }
        if (cdf) touchedRows.push(filterBatch(batch, touched));
        for (const b of decision.replacements ?? []) if (b.numRows > 0) replacements.push(b);
      }
    } finally {
      reader.close();
    }
    done++;
    options.onFile?.(done, files.length);
    if (touchedPositions.length === 0) continue;
    stats.rowsTouched += touchedPositions.length;
    const previouslyDeleted = deleted ? total - countLive(total, deleted) : 0;
    const remaining = total - previouslyDeleted - touchedPositions.length;
    actions.push({ remove: removeOf(add, options.now) });
    stats.filesRemoved++;
    if (remaining > 0 && dv) {
      const positions = deleted ? mergePositions(deleted, total, touchedPositions) : touchedPositions;
      const descriptor = await writeDeletionVector(storage, RoaringSet.from(positions));
      actions.push({
        add: { ...add, deletionVector: descriptor, dataChange: true, stats: widenStats(add.stats) },
      });
      stats.deletionVectorsAdded++;
    } else if (remaining > 0) {
      // The replacements join the copied rows: one new file per partition, not a second small one.
      const adds = await writeDataBatches(storage, snap, [...kept, ...replacements], {
        now: options.now,
        dataChange: true,
      });
      actions.push(...adds.map((a) => ({ add: a })));
      stats.filesAdded += adds.length;
      stats.rowsCopied += remaining;
    }
    if (replacements.length > 0) {
      if (remaining === 0 || dv) {
        const adds = await writeDataBatches(storage, snap, replacements, {
          now: options.now,
          dataChange: true,
        });
        actions.push(...adds.map((a) => ({ add: a })));
        stats.filesAdded += adds.length;
      }
      stats.rowsReplaced += replacements.reduce((n, b) => n + b.numRows, 0);
      if (cdf)
        actions.push(
          ...(await writeChangeFiles(storage, snap, replacements, 'update_postimage', options.now)),
        );
    }
    if (cdf) {
      actions.push(
        ...(await writeChangeFiles(storage, snap, touchedRows, options.touchedChange, options.now)),
      );
      actions.push(...(await writeChangeFiles(storage, snap, deletedRows, 'delete', options.now)));
    }
  }
  return { actions, stats };
}

/** The `remove` recording that `add` leaves the table, carrying its metadata (extendedFileMetadata). */
export function removeOf(add: Add, now: number): Remove {
  return {
    path: add.path,
    deletionTimestamp: now,
    dataChange: true,
    extendedFileMetadata: true,
    partitionValues: add.partitionValues,
    size: add.size,
    ...(add.stats != null ? { stats: add.stats } : {}),
    ...(add.tags ? { tags: add.tags } : {}),
    ...(add.deletionVector ? { deletionVector: add.deletionVector } : {}),
    ...(add.baseRowId != null ? { baseRowId: add.baseRowId } : {}),
    ...(add.defaultRowCommitVersion != null ? { defaultRowCommitVersion: add.defaultRowCommitVersion } : {}),
  };
}

function countLive(total: number, deleted: { has(i: number): boolean }): number {
  let n = 0;
  for (let i = 0; i < total; i++) if (!deleted.has(i)) n++;
  return n;
}

function mergePositions(
  deleted: { has(i: number): boolean },
  total: number,
  added: readonly number[],
): number[] {
  const out: number[] = [];
  for (let i = 0; i < total; i++) if (deleted.has(i)) out.push(i);
  return [...out, ...added].sort((a, b) => a - b);
}

/**
 * Statistics of a file with a deletion vector: the bounds still hold (they may just be wider than
 * the live rows), so they are kept with `tightBounds: false` as PROTOCOL.md requires; numRecords
 * stays the physical row count.
 */
function widenStats(stats: string | null | undefined): string | null | undefined {
  if (typeof stats !== 'string') return stats;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stats);
  } catch (err) {
    throw new DeltaError('CorruptLog', 'file statistics are not valid JSON', { cause: err });
  }
  return JSON.stringify({ ...(parsed as Record<string, unknown>), tightBounds: false });
}

/** Reads a file's bytes and its current deletion vector through the table's path rules. */
export async function fetchFileAndDv(
  table: DeltaTable,
  add: Add,
): Promise<{ bytes: Uint8Array; deleted: { has(i: number): boolean } | undefined }> {
  const [bytes, deleted] = await Promise.all([table.fetchFile(add.path), table.loadDv(add.deletionVector)]);
  return { bytes, deleted };
}

/** Whether `expr` names partition columns only: then partition values decide it exactly, file by file. */
export function onlyPartitionColumns(expr: Expr, snap: Snapshot): boolean {
  const partitions = new Set(snap.partitionColumns.map((c) => c.toLowerCase()));
  return referencedColumns(expr).every((c) => partitions.has(c.toLowerCase()));
}

/** Row-wise AND of two 0/1 masks. */
export function and(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] && b[i] ? 1 : 0;
  return out;
}
