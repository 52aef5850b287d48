/**
 * The operations' one door to the file writers: data files, change-data files and deletion-vector
 * files for a snapshot, with the table's layout (partitioning, column mapping, stats settings,
 * compression) taken from the snapshot so no operation has to repeat it.
 */
import { randomUUID } from 'node:crypto';
import { Field, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import type { Action, Add, DeletionVectorDescriptor, Metadata } from '../protocol/actions.js';
import { columnMappingMode } from '../protocol/features.js';
import type { StructType } from '../protocol/schema.js';
import {
  dvFileName,
  encodeDeletionVectorBlob,
  encodeDvFile,
  encodeUuidDescriptor,
  type RoaringSet,
} from '../protocol/dv/dv.js';
import type { Storage } from '../storage/storage.js';
import { type WriteContext, writeCdcFiles, writeDataFiles } from '../write/data-files.js';

/** Change types of the change data feed (PROTOCOL.md "Change Data Files"). */
export type ChangeType = 'insert' | 'delete' | 'update_preimage' | 'update_postimage';

/** The table layout data files are written for: a snapshot, or the metadata of a table being created. */
export interface TableLayout {
  readonly schema: StructType;
  readonly metadata: Metadata;
}

/** File-writing knobs an operation passes through. */
export interface FileOptions {
  readonly now: number;
  readonly dataChange: boolean;
  /** Target size of each data file in bytes (default: `delta.targetFileSize` or the writer's default). */
  readonly targetFileSize?: number;
  /** Parquet compression (default snappy). */
  readonly compression?: 'snappy' | 'zstd';
}

function contextFor(layout: TableLayout, options: FileOptions, kind: 'data' | 'cdc'): WriteContext {
  const configured = Number(layout.metadata.configuration['delta.targetFileSize']);
  const targetFileSize =
    options.targetFileSize ?? (Number.isFinite(configured) && configured > 0 ? configured : undefined);
  return {
    schema: layout.schema,
    partitionColumns: layout.metadata.partitionColumns,
    columnMappingMode: columnMappingMode(layout.metadata),
    configuration: layout.metadata.configuration,
    dataChange: options.dataChange,
    now: options.now,
    kind,
    ...(targetFileSize !== undefined ? { targetFileSize } : {}),
    ...(options.compression ? { compression: options.compression } : {}),
  };
}

/** Writes batches (logical schema of the table) as data files; returns their `add` actions. */
export async function writeDataBatches(
  storage: Storage,
  layout: TableLayout,
  batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>,
  options: FileOptions,
): Promise<Add[]> {
  return writeDataFiles(storage, batches, contextFor(layout, options, 'data'));
}

/**
 * Writes rows with a `_change_type` column as change-data files (`_change_data/…`) and returns
 * the `cdc` actions. Nothing is written for empty input.
 */
export async function writeChangeFiles(
  storage: Storage,
  layout: TableLayout,
  batches: readonly RecordBatch[],
  changeType: ChangeType,
  now: number,
): Promise<Action[]> {
  const tagged: RecordBatch[] = [];
  for (const batch of batches) {
    if (batch.numRows === 0) continue;
    const column = vectorFromArray(new Array<string>(batch.numRows).fill(changeType), new Utf8());
    const schema = new Schema([...batch.schema.fields, new Field('_change_type', new Utf8(), false)]);
    const children = [...batch.data.children, ...column.data];
    tagged.push(
      new RecordBatch(
        schema,
        makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }),
      ),
    );
  }
  if (tagged.length === 0) return [];
  const cdcSchema: StructType = {
    type: 'struct',
    fields: [
      ...layout.schema.fields,
      { name: '_change_type', type: { type: 'string' }, nullable: false, metadata: {} },
    ],
  };
  const files = await writeCdcFiles(
    storage,
    tagged,
    contextFor({ schema: cdcSchema, metadata: layout.metadata }, { now, dataChange: false }, 'cdc'),
  );
  return files.map((cdc) => ({ cdc }));
}

/**
 * Writes a deletion vector as its own `deletion_vector_<uuid>.bin` file and returns the relative
 * (`u`) descriptor. A file rather than an inline DV, because every engine reads file DVs and
 * inline ones bloat the log.
 */
export async function writeDeletionVector(
  storage: Storage,
  rows: RoaringSet,
): Promise<DeletionVectorDescriptor> {
  const uuid = randomUUID();
  const blob = encodeDeletionVectorBlob(rows);
  const { bytes, entries } = encodeDvFile([blob]);
  const [entry] = entries;
  if (!entry) throw new DeltaError('CorruptDeletionVector', 'the deletion-vector encoder returned no entry');
  await storage.put(dvFileName(uuid), bytes, { ifAbsent: true });
  return encodeUuidDescriptor({
    uuid,
    offset: entry.offset,
    sizeInBytes: entry.sizeInBytes,
    cardinality: rows.cardinality,
  });
}
