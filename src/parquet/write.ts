import { type RecordBatch, type Schema, Table, tableToIPC, util } from 'apache-arrow';
import type { Compression, RecordBatch as WasmBatch, WriterProperties } from 'parquet-wasm';
import { DeltaError, describeError } from '../errors.js';
import { encodeFlatParquet } from './encode.js';
import type { PageCodec } from './encode-pages.js';
import { parquetWasm } from './wasm.js';

/** Parquet codecs the writer offers (all of them readable by Spark, delta-rs and DuckDB). */
export type ParquetCompression = 'snappy' | 'zstd' | 'gzip' | 'uncompressed';

/** The wasm codec of each name; a function so that importing this module loads no WebAssembly. */
function codec(name: ParquetCompression): Compression {
  const { Compression: C } = parquetWasm();
  const codecs: Readonly<Record<ParquetCompression, Compression>> = {
    snappy: C.SNAPPY,
    zstd: C.ZSTD,
    gzip: C.GZIP,
    uncompressed: C.UNCOMPRESSED,
  };
  return codecs[name];
}

/** Options of {@link writeParquetBytes}. */
export interface ParquetWriteOptions {
  /** Maximum rows per row group; several row groups let readers stream a file. */
  readonly maxRowGroupSize?: number;
  /** Whether columns may be dictionary-encoded (the Parquet default). */
  readonly dictionary?: boolean;
  /** Page compression; default snappy, the codec Delta writers have long used. */
  readonly compression?: ParquetCompression;
  /**
   * `'auto'` (default, unless `DELTA_TS_PARQUET_ENCODER=wasm` is set): flat tables compressed with
   * snappy or not at all are encoded in JavaScript (`encode.ts`), anything else by parquet-wasm.
   * `'wasm'`: parquet-wasm only, the way to compare the two or to set the JavaScript one aside.
   */
  readonly encoder?: 'auto' | 'wasm';
}

function defaultEncoder(): 'auto' | 'wasm' {
  return process.env['DELTA_TS_PARQUET_ENCODER'] === 'wasm' ? 'wasm' : 'auto';
}

/**
 * Encodes an Arrow table as a Parquet file (see {@link ParquetWriteOptions.encoder} for which
 * encoder runs). Kept next to the reader so that parquet-wasm stays confined to this folder. Arrow field metadata `PARQUET:field_id` becomes the Parquet field id
 * (column mapping needs it); timestamps are written as INT64 with the Arrow unit and
 * `isAdjustedToUTC` set when the Arrow type has a zone; decimals as DECIMAL on INT32, INT64 or
 * FIXED_LEN_BYTE_ARRAY by precision; lists with a `list` repeated group.
 */
export function writeParquetBytes(table: Table, options: ParquetWriteOptions = {}): Uint8Array {
  try {
    const codec = javascriptCodec(options);
    if (codec !== undefined) {
      const bytes = encodeFlatParquet(table, {
        compression: codec,
        ...(options.maxRowGroupSize === undefined ? {} : { maxRowGroupSize: options.maxRowGroupSize }),
      });
      if (bytes !== undefined) return bytes;
    }
    const wasm = parquetWasm();
    const wasmTable = wasm.Table.fromIPCStream(tableToIPC(table, 'stream'));
    return wasm.writeParquet(wasmTable, properties(options));
  } catch (err) {
    throw encodeError(err);
  }
}

/** The page codec when the JavaScript encoder may take a table under `options`. */
function javascriptCodec(options: ParquetWriteOptions): PageCodec | undefined {
  const compression = options.compression ?? 'snappy';
  if ((options.encoder ?? defaultEncoder()) !== 'auto' || options.dictionary === false) return undefined;
  return compression === 'snappy' || compression === 'uncompressed' ? compression : undefined;
}

/**
 * Encodes record batches of one schema as one Parquet file, pulling them one at a time: only the
 * current batch is held in Arrow form, and the WebAssembly side keeps only encoded pages, so the
 * peak memory of a large file (a checkpoint of a 300k-file table) is a batch, not the whole table.
 * `batches` must yield at least one batch (it may be empty) to give the file its schema; the
 * layout of the file is the same as {@link writeParquetBytes} gives for the batches as one table.
 *
 * parquet-wasm's stream writer takes an error of its input as the end of the data and hangs on a
 * batch of another schema, so both are caught here: the iterator's error is rethrown after the
 * writer finishes (never returning a truncated file), and every batch's schema is checked first.
 */
export async function writeParquetBatches(
  batches: Iterable<RecordBatch>,
  options: ParquetWriteOptions = {},
): Promise<Uint8Array> {
  const iterator = batches[Symbol.iterator]();
  let schema: Schema | undefined;
  let failure: { error: unknown } | undefined;
  const nextWasmBatches = (): WasmBatch[] | undefined => {
    const next = iterator.next();
    if (next.done === true) return undefined;
    const batch = next.value;
    schema ??= batch.schema;
    if (!util.compareSchemas(schema, batch.schema)) {
      throw new TypeError(`a batch of schema ${String(batch.schema)} follows batches of ${String(schema)}`);
    }
    const table = parquetWasm().Table.fromIPCStream(tableToIPC(new Table([batch]), 'stream'));
    // The batches share the table's buffers; freeing the table now keeps wasm memory flat.
    const wasmBatches = table.recordBatches();
    table.free();
    return wasmBatches;
  };
  try {
    const source = new ReadableStream<WasmBatch>({
      // The stream asks again only after something was enqueued, so a pull that gets no wasm
      // batch (an empty one may decode to none) goes on to the next.
      pull(controller) {
        try {
          for (;;) {
            const wasmBatches = nextWasmBatches();
            if (wasmBatches === undefined) break;
            for (const batch of wasmBatches) controller.enqueue(batch);
            if (wasmBatches.length > 0) return;
          }
        } catch (error) {
          failure = { error };
        }
        controller.close();
      },
    });
    const chunks: Uint8Array[] = [];
    let length = 0;
    const encoded = (await parquetWasm().transformParquetStream(
      source,
      properties(options),
    )) as ReadableStream<Uint8Array>;
    for await (const chunk of encoded) {
      chunks.push(chunk);
      length += chunk.length;
    }
    if (failure) throw failure.error;
    const bytes = new Uint8Array(length);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    return bytes;
  } catch (err) {
    throw encodeError(err);
  } finally {
    iterator.return?.();
  }
}

function properties(options: ParquetWriteOptions): WriterProperties {
  let builder = new (parquetWasm().WriterPropertiesBuilder)().setCompression(
    codec(options.compression ?? 'snappy'),
  );
  if (options.maxRowGroupSize !== undefined) builder = builder.setMaxRowGroupSize(options.maxRowGroupSize);
  if (options.dictionary !== undefined) builder = builder.setDictionaryEnabled(options.dictionary);
  return builder.build();
}

function encodeError(err: unknown): DeltaError {
  if (err instanceof DeltaError) return err;
  return new DeltaError('InvalidArgument', `cannot encode the table as Parquet: ${describeError(err)}`, {
    cause: err,
  });
}
