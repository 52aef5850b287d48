import { type RecordBatch, type Schema, tableFromIPC } from 'apache-arrow';
import {
  DEFAULT_BATCH_SIZE,
  type DecodedRowGroup,
  DecodingFile,
  type RowGroupSlice,
  corrupt,
  materialize,
  planSlices,
  projectSchema,
} from './decode.js';
import { type DecoderChoice, defaultDecoder, openFlatFile } from './flat.js';
import { type DecoderPool, type PooledFile, sharedDecoderPool } from './pool.js';
import { type ByteSource, isByteSource } from './source.js';
import { parquetWasm } from './wasm.js';

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

export { DEFAULT_BATCH_SIZE } from './decode.js';

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
  /**
   * Which decoder reads the file: `'javascript'` (flat files, see `flat.ts`; row groups it cannot
   * read still go to WebAssembly) or `'wasm'`.
   */
  readonly decoder: 'javascript' | 'wasm';
  /** Number of row groups in the file. */
  readonly numRowGroups: number;
  /** Decodes the file one row group at a time (see {@link readParquetBatches}). */
  batches(options?: Omit<ParquetReadOptions, 'source'>): AsyncIterable<RecordBatch>;
  /** Releases the decoder's copy of the file; idempotent. */
  close(): void;
}

/** Where {@link openParquetFile} decodes. */
export interface ParquetOpenOptions {
  /**
   * Decode with the help of a worker thread of the shared pool (default `false`): a flat file read
   * by the JavaScript decoder shares large row groups with a worker (split by columns), any other
   * file decodes on a WebAssembly worker. Files under {@link MIN_WORKER_BYTES} and runs without the
   * compiled worker decode in-thread regardless.
   */
  readonly workers?: boolean;
  /** Move `bytes`' buffer to the worker instead of copying it; the caller must not reuse it. */
  readonly transfer?: boolean;
  /**
   * `'auto'` (default, see {@link defaultDecoder}): flat files decode in JavaScript, the rest in
   * WebAssembly. `'wasm'`: WebAssembly only.
   */
  readonly decoder?: DecoderChoice;
}

/** Files smaller than this decode in-thread: the hop to a worker would cost more than it saves. */
export const MIN_WORKER_BYTES = 1 << 20;

/**
 * Opens `bytes` (or a {@link ByteSource} read range by range) as a Parquet file. Errors: `CorruptData` naming `source` when the footer or schema
 * cannot be read.
 */
export async function openParquetFile(
  bytes: Uint8Array | ByteSource,
  source = '<parquet>',
  options: ParquetOpenOptions = {},
): Promise<ParquetFileReader> {
  if ((options.decoder ?? defaultDecoder()) === 'auto') {
    const flat = await openFlatFile(
      bytes,
      source,
      options.workers === undefined ? {} : { workers: options.workers },
    );
    if (flat !== undefined) return flat;
  }
  const size = isByteSource(bytes) ? bytes.size : bytes.byteLength;
  const pool = options.workers === true && size >= MIN_WORKER_BYTES ? sharedDecoderPool() : null;
  // With every worker busy, this thread decodes the file itself (when it is reached) rather than
  // queueing it: that keeps all cores decoding and never waits on a worker that is still starting.
  if (pool?.hasCapacity()) {
    // A worker needs the bytes themselves; a fresh whole-file read is ours to transfer.
    const whole = isByteSource(bytes) ? await bytes.read(0, size) : bytes;
    return PooledFileReader.open(pool, whole, source, options.transfer === true || whole !== bytes);
  }
  return new LocalFileReader(await DecodingFile.open(bytes, source));
}

/**
 * Decodes on a pool worker, one slice ahead: when batches are asked for, the first slice (see
 * {@link planSlices}) is requested at once, and each time one is handed over the next is requested,
 * so the worker decodes while the caller converts. At most two decoded slices of a file are alive.
 */
class PooledFileReader implements ParquetFileReader {
  readonly decoder = 'wasm';

  private constructor(
    private readonly file: PooledFile,
    readonly source: string,
    readonly schema: Schema,
  ) {}

  static async open(
    pool: DecoderPool,
    bytes: Uint8Array,
    source: string,
    transfer: boolean,
  ): Promise<PooledFileReader> {
    const file = await pool.open(bytes, source, transfer);
    try {
      return new PooledFileReader(file, source, tableFromIPC(file.schemaIpc).schema);
    } catch (err) {
      file.close();
      throw corrupt(`cannot read the Parquet schema of ${source}`, source, err);
    }
  }

  get numRowGroups(): number {
    return this.file.rowGroups.length;
  }

  batches(options: Omit<ParquetReadOptions, 'source'> = {}): AsyncIterable<RecordBatch> {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const projected = projectSchema(this.schema, options.columns);
    const slices = planSlices(this.file.rowGroups, batchSize);
    const request = (k: number): Promise<DecodedRowGroup> | undefined => {
      const slice = slices[k];
      if (slice === undefined) return undefined;
      const p = this.file.decode(slice, options.columns, batchSize);
      // Awaited in order below; a failure of a slice never reached must not go unhandled.
      p.catch(() => undefined);
      return p;
    };
    // Started now, not on first iteration, so a file opened ahead is decoded ahead.
    let next = request(0);
    return (async function* () {
      for (let k = 0; next !== undefined; k++) {
        const decoded = await next;
        next = request(k + 1);
        yield* release(materialize(decoded, projected));
      }
    })();
  }

  close(): void {
    this.file.close();
  }
}

/** Decodes on the calling thread. */
class LocalFileReader implements ParquetFileReader {
  readonly decoder = 'wasm';

  constructor(private readonly file: DecodingFile) {}

  get source(): string {
    return this.file.source;
  }

  get schema(): Schema {
    return this.file.schema;
  }

  get numRowGroups(): number {
    return this.file.numRowGroups;
  }

  async *batches(options: Omit<ParquetReadOptions, 'source'> = {}): AsyncIterable<RecordBatch> {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const projected = projectSchema(this.file.schema, options.columns);
    const slices: RowGroupSlice[] = planSlices(this.file.rowGroups, batchSize);
    for (const { rowGroup, range } of slices)
      yield* release(
        materialize(
          await this.file.decode(rowGroup, { columns: options.columns, batchSize, range }),
          projected,
        ),
      );
  }

  close(): void {
    this.file.close();
  }
}

/**
 * Yields `batches` in order, dropping each from the array as it goes, so a batch the caller is done
 * with can be collected while the rest of its slice is still being read (~4 MiB lower peak RSS on
 * a 10M-row scan).
 */
function* release(batches: RecordBatch[]): Generator<RecordBatch> {
  for (let b = batches.shift(); b !== undefined; b = batches.shift()) yield b;
}

/**
 * Decodes a Parquet file into Arrow record batches, one row group (or slice of a large one, see
 * {@link planSlices}) at a time, so that at most one decoded slice is alive besides the file bytes. A projected read of a column the file lacks
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
    return tableFromIPC(parquetWasm().readSchema(bytes).intoIPCStream()).schema;
  } catch (err) {
    throw corrupt(`cannot read the Parquet schema of ${source}`, source, err);
  }
}
