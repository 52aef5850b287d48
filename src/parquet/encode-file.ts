import { type Leaf, writeSchemaElements } from './encode-leaf.js';
import { ByteSink, encodePages, type EncodedChunk, type PageCodec } from './encode-pages.js';
import { type ColumnPart, gatherValues } from './encode-values.js';
import { ThriftWriter } from './thrift-write.js';

/**
 * Assembles a flat Parquet file from column parts: the magic, each row group's column chunks (see
 * `encode-pages.ts`), the footer. It sees columns only as {@link ColumnPart}s and leaves only as
 * plain data, so it needs no apache-arrow and can run wherever the parts are (an encoder thread
 * was tried: on this project's 2-core bench host it did not pay, see bench/RESULTS.md);
 * `encode.ts` is the Arrow-facing entry.
 */

const MAGIC = Uint8Array.of(0x50, 0x41, 0x52, 0x31);
const CODEC = { uncompressed: 0, snappy: 1 } as const;
const CREATED_BY = 'delta-ts';

/** One row group to encode: its row count and, per leaf, the parts holding its rows in order. */
export interface RowGroupInput {
  readonly rows: number;
  readonly columns: ReadonlyArray<readonly ColumnPart[]>;
}

/**
 * Encodes `groups` of the columns `leaves` as one Parquet file compressed with `codec`. A
 * non-nullable leaf with nulls throws a `TypeError` naming it.
 */
export function encodeFlatFile(
  leaves: readonly Leaf[],
  groups: readonly RowGroupInput[],
  codec: PageCodec,
): Uint8Array {
  const sink = new ByteSink(estimateBytes(groups));
  sink.write(MAGIC);
  let rows = 0;
  const metas: RowGroupMeta[] = [];
  for (const group of groups) {
    const chunks: ChunkMeta[] = [];
    leaves.forEach((leaf, k) => {
      const parts = group.columns[k] ?? [];
      const offset = sink.length;
      const encoded = encodePages(leaf, gatherValues(leaf, parts, group.rows), codec, sink);
      chunks.push({ leaf, encoded, offset, rows: group.rows });
    });
    metas.push({ chunks, rows: group.rows });
    rows += group.rows;
  }
  const footer = fileMetadata(leaves, metas, rows, CODEC[codec]);
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setUint32(0, footer.length, true);
  tail.set(MAGIC, 4);
  sink.write(footer);
  sink.write(tail);
  return sink.finish();
}

/** The Arrow bytes of the parts plus a margin: about the size of the file before compression. */
function estimateBytes(groups: readonly RowGroupInput[]): number {
  let n = 4096;
  for (const group of groups)
    for (const parts of group.columns)
      for (const part of parts) n += part.values.byteLength + (part.valueOffsets?.byteLength ?? 0);
  return n;
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
