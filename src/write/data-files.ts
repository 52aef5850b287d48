import { randomUUID } from 'node:crypto';
import { type Data, type RecordBatch, type Schema, Table } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import { type ParquetCompression, writeParquetBytes } from '../parquet/write.js';
import type { Add, AddCDCFile } from '../protocol/actions.js';
import type { ColumnMappingMode } from '../protocol/features.js';
import type { StructType } from '../protocol/schema.js';
import { deltaToArrowSchema } from '../scan/arrow-schema.js';
import type { Storage } from '../storage/storage.js';
import { conformBatch, type DataInput, toBatches } from './conform.js';
import { keyToAddPath, partitionFields, splitByPartition } from './partition-split.js';
import { physicalArrowSchema, toPhysicalBatch } from './physical.js';
import { FileStatsCollector } from './stats.js';

/**
 * Writing data files and change-data files: rows split by partition, encoded as Parquet under
 * physical names (see `physical.ts`), rolled over at a target size, stored with put-if-absent (a
 * data file must never be overwritten), described by `add` (with statistics) or `cdc` actions.
 * Nothing is committed here: the transaction layer puts the actions in a commit.
 */

/** Files are rolled over at about this many bytes unless the caller says otherwise (100 MiB). */
export const DEFAULT_TARGET_FILE_SIZE = 100 * 1024 * 1024;

/** Name of the change type column of change-data files. */
export const CHANGE_TYPE_COLUMN = '_change_type';

/** Everything about the table a file writer needs. */
export interface WriteContext {
  /** The table's logical schema (with column-mapping metadata when mapping is on). */
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
  readonly columnMappingMode: ColumnMappingMode;
  /** Table configuration (stats columns, `delta.parquet.compression.codec`). */
  readonly configuration: Readonly<Record<string, string>>;
  /**
   * Roll over to a new file when the estimated Parquet size reaches this (bytes; default
   * {@link DEFAULT_TARGET_FILE_SIZE}). The estimate is the Arrow size of the buffered rows times the
   * compression ratio seen on the files written so far (1 before the first), so files come out at
   * or somewhat under the target.
   */
  readonly targetFileSize?: number;
  /** Also roll over after this many rows. */
  readonly maxRowsPerFile?: number;
  /** Parquet codec; default the table's `delta.parquet.compression.codec`, else snappy. */
  readonly compression?: ParquetCompression;
  /** `dataChange` of the returned actions (false for compaction-like rewrites). */
  readonly dataChange: boolean;
  /** `modificationTime` of the returned `add`s, ms since the epoch (default: now). */
  readonly now?: number;
  /** `data` (default) writes table data files; `cdc` change-data files under `_change_data/`. */
  readonly kind?: 'data' | 'cdc';
}

/** One file written. */
interface WrittenFile {
  readonly path: string;
  readonly partitionValues: Readonly<Record<string, string | null>>;
  readonly size: number;
  readonly stats: string | undefined;
}

/**
 * Writes `data` (logical column names and types conforming to `ctx.schema`; anything convertible
 * by `conformBatch` is accepted) as Parquet data files and returns their `add` actions, with
 * statistics. Empty input writes nothing and returns `[]`.
 *
 * @throws DeltaError `SchemaMismatch`/`ConstraintViolation` from conforming the data,
 *   `AlreadyExists` if a generated file name is taken (never expected: names hold a random UUID),
 *   `StorageError` from the store.
 */
export async function writeDataFiles(storage: Storage, data: DataInput, ctx: WriteContext): Promise<Add[]> {
  const now = ctx.now ?? Date.now();
  const files = await writeFiles(storage, data, { ...ctx, kind: ctx.kind ?? 'data' });
  return files.map((f) => ({
    path: f.path,
    partitionValues: f.partitionValues,
    size: f.size,
    modificationTime: now,
    dataChange: ctx.dataChange,
    ...(f.stats === undefined ? {} : { stats: f.stats }),
  }));
}

/**
 * Writes change-data files (PROTOCOL.md "Change Data Files") under `_change_data/`, keeping the
 * partition directories, and returns their `cdc` actions. The data must carry a string
 * `_change_type` column; it is added to the schema when `ctx.schema` lacks it.
 */
export async function writeCdcFiles(
  storage: Storage,
  data: DataInput,
  ctx: WriteContext,
): Promise<AddCDCFile[]> {
  const hasChangeType = ctx.schema.fields.some((f) => f.name === CHANGE_TYPE_COLUMN);
  const schema: StructType = hasChangeType
    ? ctx.schema
    : {
        type: 'struct',
        fields: [
          ...ctx.schema.fields,
          { name: CHANGE_TYPE_COLUMN, type: { type: 'string' }, nullable: false, metadata: {} },
        ],
      };
  const files = await writeFiles(storage, data, { ...ctx, schema, kind: 'cdc' });
  return files.map((f) => ({
    path: f.path,
    partitionValues: f.partitionValues,
    size: f.size,
    dataChange: ctx.dataChange,
  }));
}

const CODECS: Readonly<Record<string, ParquetCompression>> = {
  snappy: 'snappy',
  zstd: 'zstd',
  gzip: 'gzip',
  uncompressed: 'uncompressed',
  none: 'uncompressed',
};

const EXTENSIONS: Readonly<Record<ParquetCompression, string>> = {
  snappy: '.snappy',
  zstd: '.zstd',
  gzip: '.gz',
  uncompressed: '',
};

/** The codec to write with: the caller's, else the table property, else snappy. */
export function chooseCompression(
  ctx: Pick<WriteContext, 'compression' | 'configuration'>,
): ParquetCompression {
  if (ctx.compression !== undefined) return ctx.compression;
  const raw = ctx.configuration['delta.parquet.compression.codec'];
  if (raw === undefined) return 'snappy';
  const codec = CODECS[raw.trim().toLowerCase()];
  if (codec === undefined)
    throw new DeltaError(
      'UnsupportedFeature',
      `table property delta.parquet.compression.codec is ${JSON.stringify(raw)}; this build writes ${Object.keys(CODECS).join(', ')}`,
      { context: { field: 'delta.parquet.compression.codec' }, help: 'set the property to snappy or zstd' },
    );
  return codec;
}

/** Bytes held by a column's buffers (an estimate of its encoded size before compression). */
function dataBytes(data: Data): number {
  let n = (data.values?.byteLength ?? 0) + (data.valueOffsets?.byteLength ?? 0);
  n += data.nullCount > 0 ? (data.nullBitmap?.byteLength ?? 0) : 0;
  for (const child of data.children) n += dataBytes(child);
  return n;
}

interface OpenFile {
  readonly partitionValues: Readonly<Record<string, string | null>>;
  readonly directory: string;
  readonly batches: RecordBatch[];
  rows: number;
  bytes: number;
}

/**
 * Encoded files whose writes may be under way at once, and their bytes: a file is put while the
 * next one is encoded, so the store's latency (an fsync per file on local disk) overlaps encoding
 * instead of adding to it, and at most this much encoded data waits in memory.
 */
const MAX_PUTS_IN_FLIGHT = 4;
const MAX_BYTES_IN_FLIGHT = 128 * 1024 * 1024;

/** A writer's state shared by all partitions of one call. */
class FileWriter {
  private readonly files: WrittenFile[] = [];
  private ratio = 1;
  private counter = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private bytesInFlight = 0;
  private failure: { readonly error: unknown } | undefined;
  private readonly physical: Schema;
  private readonly codec: ParquetCompression;

  constructor(
    private readonly storage: Storage,
    private readonly ctx: WriteContext & { kind: 'data' | 'cdc' },
  ) {
    this.physical = physicalArrowSchema(ctx.schema, ctx.columnMappingMode, ctx.partitionColumns);
    this.codec = chooseCompression(ctx);
  }

  /** Estimated Parquet bytes of `arrowBytes` of Arrow data. */
  estimate(arrowBytes: number): number {
    return arrowBytes * this.ratio;
  }

  async flush(file: OpenFile): Promise<void> {
    if (file.rows === 0) return;
    const { ctx } = this;
    const physical = file.batches.map((b) =>
      toPhysicalBatch(b, ctx.schema, this.physical, ctx.partitionColumns),
    );
    const bytes = writeParquetBytes(new Table(this.physical, physical), { compression: this.codec });
    let stats: string | undefined;
    if (ctx.kind === 'data') {
      const collector = new FileStatsCollector(ctx.schema, {
        mode: ctx.columnMappingMode,
        partitionColumns: ctx.partitionColumns,
        configuration: ctx.configuration,
      });
      for (const b of file.batches) collector.add(b);
      stats = collector.toJson();
    }
    const task = String(this.counter++).padStart(5, '0');
    const ext = `${EXTENSIONS[this.codec]}.parquet`;
    const name =
      ctx.kind === 'cdc'
        ? `cdc-${task}-${randomUUID()}.c000${ext}`
        : `part-${task}-${randomUUID()}-c000${ext}`;
    const key = [ctx.kind === 'cdc' ? '_change_data' : '', file.directory, name]
      .filter((s) => s !== '')
      .join('/');
    if (file.bytes > 0) this.ratio = Math.min(2, Math.max(0.01, bytes.byteLength / file.bytes));
    this.files.push({
      path: keyToAddPath(key),
      partitionValues: file.partitionValues,
      size: bytes.byteLength,
      stats,
    });
    file.batches.length = 0;
    file.rows = 0;
    file.bytes = 0;
    await this.put(key, bytes);
  }

  /** Starts writing one file, after waiting for room among the writes in flight. */
  private async put(key: string, bytes: Uint8Array): Promise<void> {
    while (
      this.inFlight.size >= MAX_PUTS_IN_FLIGHT ||
      (this.inFlight.size > 0 && this.bytesInFlight + bytes.byteLength > MAX_BYTES_IN_FLIGHT)
    )
      await Promise.race(this.inFlight);
    if (this.failure) throw this.failure.error;
    this.bytesInFlight += bytes.byteLength;
    const write: Promise<void> = this.storage
      .put(key, bytes, { ifAbsent: true })
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.inFlight.delete(write);
        this.bytesInFlight -= bytes.byteLength;
      });
    this.inFlight.add(write);
  }

  /**
   * Waits for every write in flight; the files, in the order they were flushed, once all are
   * stored. Throws the first write failure (the files are then unreferenced, left for VACUUM).
   */
  async finish(): Promise<WrittenFile[]> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure.error;
    return this.files;
  }
}

async function writeFiles(
  storage: Storage,
  data: DataInput,
  ctx: WriteContext & { kind: 'data' | 'cdc' },
): Promise<WrittenFile[]> {
  const target = Math.max(1, ctx.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE);
  const maxRows = ctx.maxRowsPerFile ?? Number.POSITIVE_INFINITY;
  const writer = new FileWriter(storage, ctx);
  const open = new Map<string, OpenFile>();
  try {
    await fillFiles(writer, open, data, ctx, target, maxRows);
  } catch (err) {
    // Writes already started finish (or fail) before the error is reported: nothing keeps
    // writing into the table after the call has returned.
    await writer.finish().catch(() => undefined);
    throw err;
  }
  return writer.finish();
}

/** Splits the input into partitions and files, flushing each file as it fills and at the end. */
async function fillFiles(
  writer: FileWriter,
  open: Map<string, OpenFile>,
  data: DataInput,
  ctx: WriteContext & { kind: 'data' | 'cdc' },
  target: number,
  maxRows: number,
): Promise<void> {
  const arrowSchema = deltaToArrowSchema(ctx.schema);
  const fields = partitionFields(ctx.schema, ctx.partitionColumns);
  for await (const input of toBatches(data)) {
    if (input.numRows === 0) continue;
    const batch = conformBatch(input, ctx.schema, arrowSchema);
    for (const slice of splitByPartition(batch, ctx.schema, fields, ctx.columnMappingMode)) {
      let file = open.get(slice.directory);
      if (file === undefined) {
        file = {
          partitionValues: slice.partitionValues,
          directory: slice.directory,
          batches: [],
          rows: 0,
          bytes: 0,
        };
        open.set(slice.directory, file);
      }
      await append(writer, file, slice.batch, target, maxRows);
    }
  }
  for (const file of open.values()) await writer.flush(file);
}

/** Adds rows to an open file, cutting the batch where the file reaches its size or row limit. */
async function append(
  writer: FileWriter,
  file: OpenFile,
  batch: RecordBatch,
  target: number,
  maxRows: number,
): Promise<void> {
  const bytes = dataBytes(batch.data);
  const perRow = bytes / Math.max(1, batch.numRows);
  let start = 0;
  while (start < batch.numRows) {
    const roomBytes = (target - writer.estimate(file.bytes)) / Math.max(writer.estimate(perRow), 1e-9);
    const room = Math.max(1, Math.min(maxRows - file.rows, Math.ceil(roomBytes)));
    const end = Math.min(batch.numRows, start + room);
    const piece = start === 0 && end === batch.numRows ? batch : batch.slice(start, end);
    file.batches.push(piece);
    file.rows += end - start;
    file.bytes += perRow * (end - start);
    start = end;
    if (file.rows >= maxRows || writer.estimate(file.bytes) >= target) await writer.flush(file);
  }
}
