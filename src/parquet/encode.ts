import type { Data, Table } from 'apache-arrow';
import { flatLeaves, type Leaf, writeSchemaElements } from './encode-schema.js';
import { encodePages, type EncodedChunk, type PageCodec } from './encode-pages.js';
import { gatherValues } from './encode-values.js';
import { ThriftWriter } from './thrift-write.js';

/**
 * The JavaScript Parquet encoder for flat tables (every column a primitive), the shape of nearly
 * every data file a streaming job appends. Encoding here rather than in parquet-wasm saves
 * compiling the WebAssembly module (~40 ms in a fresh process), serialising each batch to Arrow IPC
 * and copying it into and out of the wasm heap; the file layout (data page v1, dictionary-encoded
 * byte arrays, PLAIN elsewhere, statistics per column chunk) is one every Delta reader takes.
 */

/** Rows per row group at most (the default of arrow-rs and parquet-wasm). */
export const DEFAULT_ROW_GROUP_ROWS = 1024 * 1024;

const MAGIC = Uint8Array.of(0x50, 0x41, 0x52, 0x31);
const CODEC = { uncompressed: 0, snappy: 1 } as const;
const CREATED_BY = 'delta-ts';

/** Options of {@link encodeFlatParquet}. */
export interface FlatEncodeOptions {
  readonly compression: PageCodec;
  readonly maxRowGroupSize?: number;
}

/** Whether {@link encodeFlatParquet} can encode tables of this schema. */
export function canEncodeFlat(table: Table): boolean {
  return flatLeaves(table.schema) !== undefined;
}

/**
 * Encodes `table` as a Parquet file, or returns `undefined` when a column is nested or of a type
 * this encoder does not write (the caller falls back to parquet-wasm). A non-nullable column with
 * nulls throws a `TypeError` naming it.
 */
export function encodeFlatParquet(table: Table, options: FlatEncodeOptions): Uint8Array | undefined {
  const leaves = flatLeaves(table.schema);
  if (leaves === undefined) return undefined;
  const limit = Math.max(1, options.maxRowGroupSize ?? DEFAULT_ROW_GROUP_ROWS);
  const body: Uint8Array[] = [MAGIC];
  let offset = MAGIC.length;
  const groups: RowGroupMeta[] = [];
  // An empty table gets no row group at all, as arrow-rs writes it.
  for (let start = 0; start < table.numRows; start += limit) {
    const rows = Math.min(limit, table.numRows - start);
    const chunks: ChunkMeta[] = [];
    leaves.forEach((leaf, k) => {
      const parts = rowsOf(table, k, start, rows);
      const encoded = encodePages(leaf, gatherValues(leaf, parts, rows), options.compression);
      chunks.push({ leaf, encoded, offset, rows });
      for (const page of encoded.pages) body.push(page);
      offset += encoded.compressedSize;
    });
    groups.push({ chunks, rows });
  }
  const footer = fileMetadata(leaves, groups, table.numRows, CODEC[options.compression]);
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setUint32(0, footer.length, true);
  tail.set(MAGIC, 4);
  body.push(footer, tail);
  let size = 0;
  for (const part of body) size += part.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of body) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

interface ChunkMeta {
  readonly leaf: Leaf;
  readonly encoded: EncodedChunk;
  /** File offset of the chunk's first page. */
  readonly offset: number;
  readonly rows: number;
}

interface RowGroupMeta {
  readonly chunks: readonly ChunkMeta[];
  readonly rows: number;
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

function fileMetadata(
  leaves: readonly Leaf[],
  groups: readonly RowGroupMeta[],
  rows: number,
  codec: number,
): Uint8Array {
  const w = new ThriftWriter().i32(1, 1);
  writeSchemaElements(w, leaves);
  w.i64(3, rows);
  w.structList(4, groups, (g, group) => {
    g.structList(1, group.chunks, (c, chunk) => {
      c.i64(2, chunk.offset).struct(3, (m) => columnMetadata(m, chunk, codec));
    });
    let uncompressed = 0;
    let compressed = 0;
    for (const chunk of group.chunks) {
      uncompressed += chunk.encoded.uncompressedSize;
      compressed += chunk.encoded.compressedSize;
    }
    g.i64(2, uncompressed).i64(3, group.rows);
    const first = group.chunks[0];
    if (first !== undefined) g.i64(5, first.offset);
    g.i64(6, compressed);
  });
  w.string(6, CREATED_BY);
  // TypeDefinedOrder for every leaf: readers only trust min_value/max_value under a known order.
  w.structList(7, leaves, (o) => o.struct(1, () => undefined));
  return w.finish();
}

function columnMetadata(m: ThriftWriter, chunk: ChunkMeta, codec: number): void {
  const { leaf, encoded, offset } = chunk;
  m.i32(1, leaf.physical)
    .i32List(2, encoded.encodings)
    .stringList(3, [leaf.name])
    .i32(4, codec)
    .i64(5, chunk.rows)
    .i64(6, encoded.uncompressedSize)
    .i64(7, encoded.compressedSize)
    .i64(9, offset + encoded.dictionaryBytes);
  if (encoded.dictionaryBytes > 0) m.i64(11, offset);
  m.struct(12, (s) => {
    s.i64(3, encoded.nullCount);
    if (encoded.max !== undefined) s.binary(5, encoded.max);
    if (encoded.min !== undefined) s.binary(6, encoded.min);
    if (encoded.max !== undefined) s.bool(7, encoded.maxExact);
    if (encoded.min !== undefined) s.bool(8, encoded.minExact);
  });
}
