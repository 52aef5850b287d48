import { type RecordBatch, type Schema, tableFromIPC } from 'apache-arrow';
import { ParquetFile, readSchema } from 'parquet-wasm';
import { DeltaError, describeError } from '../errors.js';

/**
 * Parquet decoding. This folder is the only place that imports parquet-wasm, so the decoder can be
 * swapped (or moved to worker threads) without touching log replay or scanning.
 */

/** Options of {@link readParquetBatches}. */
export interface ParquetReadOptions {
  /** Physical column names to read (top-level); all when omitted. */
  readonly columns?: readonly string[];
  /** Rows per Arrow batch (default {@link DEFAULT_BATCH_SIZE}). */
  readonly batchSize?: number;
  /** Where the bytes came from, for error messages. */
  readonly source?: string;
}

/**
 * Rows per decoded batch unless the caller says otherwise. Large enough that per-batch overhead
 * (wasm calls, Arrow object construction, conversion set-up) is negligible, small enough that one
 * batch of a wide table stays a few megabytes.
 */
export const DEFAULT_BATCH_SIZE = 65_536;

/**
 * One Parquet file opened for reading: the footer is parsed once and the bytes are handed to the
 * decoder once, however many row groups and column selections are read afterwards. Must be
 * {@link ParquetFileReader.close}d: the decoder's memory for it is not garbage collected.
 */
export interface ParquetFileReader {
  /** Where the bytes came from, for error messages. */
  readonly source: string;
  /** The Arrow schema of the file, with field metadata (including `PARQUET:field_id`). */
  readonly schema: Schema;
  /** Number of row groups in the file. */
  readonly numRowGroups: number;
  /** Decodes the file one row group at a time (see {@link readParquetBatches}). */
  batches(options?: Omit<ParquetReadOptions, 'source'>): AsyncIterable<RecordBatch>;
  /** Releases the decoder's copy of the file; idempotent. */
  close(): void;
}

/**
 * Opens `bytes` as a Parquet file. Errors: `CorruptData` naming `source` when the footer or schema
 * cannot be read.
 */
export async function openParquetFile(bytes: Uint8Array, source = '<parquet>'): Promise<ParquetFileReader> {
  let file: ParquetFile;
  try {
    file = await ParquetFile.fromFile(new Blob([bytes]));
  } catch (err) {
    throw corrupt(`${source} is not a valid Parquet file`, source, err);
  }
  try {
    const schema = tableFromIPC(file.schema().intoIPCStream()).schema;
    const numRowGroups = file.metadata().numRowGroups();
    return new WasmFileReader(file, source, schema, numRowGroups);
  } catch (err) {
    file.free();
    throw corrupt(`cannot read the Parquet schema of ${source}`, source, err);
  }
}

class WasmFileReader implements ParquetFileReader {
  private closed = false;

  constructor(
    private readonly file: ParquetFile,
    readonly source: string,
    readonly schema: Schema,
    readonly numRowGroups: number,
  ) {}

  async *batches(options: Omit<ParquetReadOptions, 'source'> = {}): AsyncIterable<RecordBatch> {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    for (let rg = 0; rg < this.numRowGroups; rg++) {
      if (this.closed) throw corrupt(`${this.source} was closed while reading`, this.source, undefined);
      let batches: RecordBatch[];
      try {
        const table = await this.file.read({
          rowGroups: [rg],
          batchSize,
          ...(options.columns ? { columns: [...options.columns] } : {}),
        });
        batches = tableFromIPC(table.intoIPCStream()).batches;
      } catch (err) {
        throw new DeltaError(
          'CorruptData',
          `cannot decode row group ${rg} of ${this.source}: ${describeError(err)}`,
          { cause: err, context: { file: this.source, rowGroup: rg } },
        );
      }
      yield* batches;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.file.free();
  }
}

/**
 * Decodes a Parquet file into Arrow record batches, one row group at a time, so that at most one
 * decoded row group is alive besides the file bytes. A projected read of a column the file lacks
 * is an error.
 */
export async function* readParquetBatches(
  bytes: Uint8Array,
  options: ParquetReadOptions = {},
): AsyncIterable<RecordBatch> {
  const reader = await openParquetFile(bytes, options.source);
  try {
    yield* reader.batches(options);
  } finally {
    // The WebAssembly-side file handle is not garbage collected; release it even on early exit.
    reader.close();
  }
}

/**
 * The Arrow schema of a Parquet file, with field metadata (including `PARQUET:field_id`).
 * Synchronous for callers that only need the schema; a reader that also decodes rows should use
 * {@link openParquetFile}, which hands the bytes to the decoder once for both.
 */
export function readParquetSchema(bytes: Uint8Array, source = '<parquet>'): Schema {
  try {
    return tableFromIPC(readSchema(bytes).intoIPCStream()).schema;
  } catch (err) {
    throw corrupt(`cannot read the Parquet schema of ${source}`, source, err);
  }
}

function corrupt(message: string, source: string, err: unknown): DeltaError<'CorruptData'> {
  return new DeltaError('CorruptData', err === undefined ? message : `${message}: ${describeError(err)}`, {
    cause: err,
    context: { file: source },
  });
}
