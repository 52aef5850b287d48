import { type Table, tableToIPC } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { DeltaError, describeError } from '../errors.js';

/** Options of {@link writeParquetBytes}. */
export interface ParquetWriteOptions {
  /** Maximum rows per row group; several row groups let readers stream a file. */
  readonly maxRowGroupSize?: number;
  /** Whether columns may be dictionary-encoded (the Parquet default). */
  readonly dictionary?: boolean;
}

/**
 * Encodes an Arrow table as a Snappy-compressed Parquet file. Kept next to the reader so that
 * parquet-wasm stays confined to this folder; the writer path and tests that need real Parquet
 * bytes with particular physical types (narrow integers, large strings, several row groups) use it.
 */
export function writeParquetBytes(table: Table, options: ParquetWriteOptions = {}): Uint8Array {
  try {
    let builder = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY);
    if (options.maxRowGroupSize !== undefined) builder = builder.setMaxRowGroupSize(options.maxRowGroupSize);
    if (options.dictionary !== undefined) builder = builder.setDictionaryEnabled(options.dictionary);
    const wasmTable = WasmTable.fromIPCStream(tableToIPC(table, 'stream'));
    return writeParquet(wasmTable, builder.build());
  } catch (err) {
    throw new DeltaError('InvalidArgument', `cannot encode the table as Parquet: ${describeError(err)}`, {
      cause: err,
    });
  }
}
