import { type Data, type Field, RecordBatch, Struct, makeData } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import { openParquetFile } from '../parquet/read.js';
import type { ByteSource } from '../parquet/source.js';
import { parsePartitionValue } from '../protocol/partition.js';
import type { StructField, StructType } from '../protocol/schema.js';
import { deltaToArrowSchema, selectFields } from './arrow-schema.js';
import { nullData, type Selection } from './arrow-data.js';
import { type ColumnMappingMode, findPhysicalField, physicalName } from './column-mapping.js';
import { convertColumn } from './convert.js';
import { constantData } from './constant.js';

/**
 * Reading one data file of a snapshot into logical Arrow batches (ARCHITECTURE.md "Data files").
 * This is where the physical layout of a file (column mapping names or ids, types as the writer
 * stored them, partition values kept in the log instead of the file, deleted rows) is turned into
 * the table's logical schema, so that everything above sees one consistent shape.
 */

/** Rows of a file removed by a deletion vector. */
export interface DeletedRows {
  /** Whether the 0-based row index within the file (across all row groups) is deleted. */
  has(rowIndex: number): boolean;
}

/** What to produce from every file of one scan. */
export interface FileReadPlan {
  /** The snapshot's logical schema. */
  readonly schema: StructType;
  /** Logical names of the partition columns (`metaData.partitionColumns`). */
  readonly partitionColumns: readonly string[];
  /** The table's `delta.columnMapping.mode`. */
  readonly columnMappingMode: ColumnMappingMode;
  /** Logical top-level columns to output, in this order; all in schema order when omitted. */
  readonly columns?: readonly string[];
  /** Zone of zone-less `timestamp` partition values (the writer's; default UTC). */
  readonly partitionTimeZone?: string;
}

/** The file to read: its path (for errors), partition values from the log, and deleted rows. */
export interface DataFileRef {
  readonly path: string;
  readonly partitionValues: Readonly<Record<string, string | null>>;
  readonly deletedRows?: DeletedRows;
}

/** How one output column is produced. */
type ColumnSource =
  | { readonly kind: 'partition'; readonly value: unknown }
  | { readonly kind: 'file'; readonly name: string }
  | { readonly kind: 'missing' };

/** Where and how {@link openDataFile} decodes. */
export interface DataFileOptions {
  /** Decode on a worker thread when the file is large enough (default `false`: in-thread). */
  readonly workers?: boolean;
  /** The caller hands `bytes` over: their buffer may move to a worker instead of being copied. */
  readonly transfer?: boolean;
}

/** A data file opened by {@link openDataFile}, already decoding. Must be closed. */
export interface DataFileReader {
  /** The logical batches (see {@link readDataFile}); iterate once. */
  batches(): AsyncIterable<RecordBatch>;
  /** Releases the decoder's copy of the file, also mid-iteration; idempotent. */
  close(): void;
}

/**
 * Opens `bytes` of `file` (or a {@link ByteSource} read range by range, which keeps the file out
 * of memory) and starts decoding the columns `plan` needs, so that a scan can open the next files
 * while it is still converting the current one. Same contract and errors as {@link readDataFile}.
 */
export async function openDataFile(
  bytes: Uint8Array | ByteSource,
  file: DataFileRef,
  plan: FileReadPlan,
  options: DataFileOptions = {},
): Promise<DataFileReader> {
  const fields = selectFields(plan.schema, plan.columns);
  const schema = deltaToArrowSchema(plan.schema, plan.columns);
  const structType = new Struct(schema.fields);
  const reader = await openParquetFile(bytes, file.path, options);
  let decoded: AsyncIterable<RecordBatch>;
  let sources: ColumnSource[];
  try {
    const fileFields = reader.schema.fields;
    sources = fields.map((field) => resolveSource(field, fileFields, file, plan));
    const physical = [...new Set(sources.flatMap((s) => (s.kind === 'file' ? [s.name] : [])))];
    decoded = reader.batches({ columns: physical });
  } catch (err) {
    reader.close();
    throw err;
  }
  const ctx = { mode: plan.columnMappingMode, file: file.path };
  async function* convert(): AsyncIterable<RecordBatch> {
    let firstRow = 0;
    for await (const batch of decoded) {
      const rows = batch.numRows;
      const sel = selectRows(file.deletedRows, firstRow, rows);
      firstRow += rows;
      const length = sel === null ? rows : sel.length;
      if (length === 0) continue;
      const children = fields.map((field, k): Data => {
        const out = schema.fields[k] as Field;
        const source = sources[k];
        if (source === undefined || source.kind === 'missing') return nullData(out.type, length);
        if (source.kind === 'partition') return constantData(out.type, field.type, source.value, length);
        const index = batch.schema.fields.findIndex((f) => f.name === source.name);
        const column = batch.data.children[index];
        if (column === undefined)
          throw new DeltaError(
            'CorruptData',
            `file ${file.path}: the decoder did not return column ${source.name}`,
            { context: { file: file.path, field: field.name } },
          );
        return convertColumn(column, field.type, out.type, sel, length, field.name, ctx);
      });
      yield new RecordBatch(schema, makeData({ type: structType, length, nullCount: 0, children }));
    }
  }
  return { batches: convert, close: () => reader.close() };
}

/**
 * Decodes the Parquet `bytes` of `file` into record batches with exactly the schema
 * `deltaToArrowSchema(plan.schema, plan.columns)`.
 *
 * Only the physical columns needed are decoded. Partition columns come from `partitionValues`
 * (keyed by physical name under column mapping, else by logical name), even if the file also
 * stores them, because the log is authoritative. Columns or nested fields the file lacks read as
 * null; types narrower than the table's are widened exactly. Rows for which
 * `deletedRows.has(index)` is true are dropped; batches left empty are not yielded.
 *
 * Errors: `CorruptData` naming the file when it cannot be decoded or a partition value is bad,
 * `InvalidSchema` naming the column when a stored type cannot be read as the table's type,
 * `UnsupportedFeature` for variant columns.
 */
export async function* readDataFile(
  bytes: Uint8Array,
  file: DataFileRef,
  plan: FileReadPlan,
  options: DataFileOptions = {},
): AsyncIterable<RecordBatch> {
  const reader = await openDataFile(bytes, file, plan, options);
  try {
    yield* reader.batches();
  } finally {
    reader.close();
  }
}

function resolveSource(
  field: StructField,
  fileFields: readonly Field[],
  file: DataFileRef,
  plan: FileReadPlan,
): ColumnSource {
  const index = findPhysicalField(fileFields, field, plan.columnMappingMode);
  const inFile: ColumnSource =
    index < 0 ? { kind: 'missing' } : { kind: 'file', name: fileFields[index]?.name ?? '' };
  if (!plan.partitionColumns.some((p) => p === field.name || p.toLowerCase() === field.name.toLowerCase()))
    return inFile;
  const values = file.partitionValues;
  const key = [physicalName(field, plan.columnMappingMode), field.name].find((k) => Object.hasOwn(values, k));
  if (key === undefined) {
    if (inFile.kind === 'file') return inFile;
    throw new DeltaError(
      'CorruptData',
      `file ${file.path}: partition column ${field.name} has no entry in partitionValues and is not stored in the file`,
      { context: { file: file.path, field: field.name } },
    );
  }
  try {
    return {
      kind: 'partition',
      value: parsePartitionValue(values[key] ?? null, field.type, field.name, {
        timeZone: plan.partitionTimeZone,
      }),
    };
  } catch (err) {
    if (err instanceof DeltaError && err.code === 'CorruptData')
      throw new DeltaError('CorruptData', `file ${file.path}: ${err.message}`, {
        cause: err,
        context: { ...err.context, file: file.path },
      });
    throw err;
  }
}

/** Rows `firstRow..firstRow+rows` of the file that survive the deletion vector, or null for all. */
function selectRows(deleted: DeletedRows | undefined, firstRow: number, rows: number): Selection {
  if (deleted === undefined) return null;
  const kept = new Int32Array(rows);
  let n = 0;
  for (let i = 0; i < rows; i++) if (!deleted.has(firstRow + i)) kept[n++] = i;
  return n === rows ? null : kept.subarray(0, n);
}
