import { type Table, tableToIPC } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { DeltaError, describeError } from '../errors.js';

/** Parquet codecs the writer offers (all of them readable by Spark, delta-rs and DuckDB). */
export type ParquetCompression = 'snappy' | 'zstd' | 'gzip' | 'uncompressed';

const CODECS: Readonly<Record<ParquetCompression, Compression>> = {
  snappy: Compression.SNAPPY,
  zstd: Compression.ZSTD,
  gzip: Compression.GZIP,
  uncompressed: Compression.UNCOMPRESSED,
};

/** Options of {@link writeParquetBytes}. */
export interface ParquetWriteOptions {
  /** Maximum rows per row group; several row groups let readers stream a file. */
  readonly maxRowGroupSize?: number;
  /** Whether columns may be dictionary-encoded (the Parquet default). */
  readonly dictionary?: boolean;
  /** Page compression; default snappy, the codec Delta writers have long used. */
  readonly compression?: ParquetCompression;
}

/**
 * Encodes an Arrow table as a Parquet file. Kept next to the reader so that parquet-wasm stays
 * confined to this folder. Arrow field metadata `PARQUET:field_id` becomes the Parquet field id
 * (column mapping needs it); timestamps are written as INT64 with the Arrow unit and
 * `isAdjustedToUTC` set when the Arrow type has a zone; decimals as DECIMAL on INT32, INT64 or
 * FIXED_LEN_BYTE_ARRAY by precision; lists with a `list` repeated group.
 */
export function writeParquetBytes(table: Table, options: ParquetWriteOptions = {}): Uint8Array {
  try {
    let builder = new WriterPropertiesBuilder().setCompression(CODECS[options.compression ?? 'snappy']);
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
