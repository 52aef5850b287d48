import type { Data, Table } from 'apache-arrow';
import { type PageCodec } from './encode-pages.js';
import { encodeFlatFile, type RowGroupInput } from './encode-file.js';
import { flatLeaves } from './encode-schema.js';

/**
 * The JavaScript Parquet encoder for flat tables (every column a primitive), the shape of nearly
 * every data file a streaming job appends. Encoding here rather than in parquet-wasm saves
 * compiling the WebAssembly module (~40 ms in a fresh process), serialising each batch to Arrow IPC
 * and copying it into and out of the wasm heap; the file layout (data page v1, dictionary-encoded
 * byte arrays, PLAIN elsewhere, statistics per column chunk) is one every Delta reader takes.
 */

/** Rows per row group at most (the default of arrow-rs and parquet-wasm). */
export const DEFAULT_ROW_GROUP_ROWS = 1024 * 1024;

/** Options of {@link encodeFlatParquet}. */
export interface FlatEncodeOptions {
  readonly compression: PageCodec;
  readonly maxRowGroupSize?: number;
}

/**
 * Encodes `table` as a Parquet file, or returns `undefined` when a column is nested or of a type
 * this encoder does not write (the caller falls back to parquet-wasm). A non-nullable column with
 * nulls throws a `TypeError` naming it.
 */
export function encodeFlatParquet(table: Table, options: FlatEncodeOptions): Uint8Array | undefined {
  const leaves = flatLeaves(table.schema);
  if (leaves === undefined) return undefined;
  return encodeFlatFile(leaves, rowGroupsOf(table, options.maxRowGroupSize), options.compression);
}

/**
 * The row groups of `table` (at most `maxRows` rows each; an empty table has none, as arrow-rs
 * writes it), each column as the `Data` pieces of the batches that hold its rows.
 */
export function rowGroupsOf(table: Table, maxRows = DEFAULT_ROW_GROUP_ROWS): RowGroupInput[] {
  const limit = Math.max(1, maxRows);
  const groups: RowGroupInput[] = [];
  for (let start = 0; start < table.numRows; start += limit) {
    const rows = Math.min(limit, table.numRows - start);
    groups.push({ rows, columns: table.schema.fields.map((_, k) => rowsOf(table, k, start, rows)) });
  }
  return groups;
}

/** The `Data` pieces of column `k` covering rows `[start, start + rows)` of `table`. */
function rowsOf(table: Table, k: number, start: number, rows: number): Data[] {
  const parts: Data[] = [];
  let base = 0;
  for (const batch of table.batches) {
    const n = batch.numRows;
    const from = Math.max(start, base);
    const to = Math.min(start + rows, base + n);
    const data = batch.data.children[k];
    if (data !== undefined && to > from)
      parts.push(from === base && to === base + n ? data : data.slice(from - base, to - from));
    base += n;
  }
  return parts;
}
