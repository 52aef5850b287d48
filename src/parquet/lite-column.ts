import { type LeafKind, type LiteChunk, type LiteNode, LiteUnsupported } from './lite-meta.js';
import { decodeHybrid } from './bits.js';
import { decompressPage } from './flat-pages.js';
import { ThriftReader, num, struct } from './thrift.js';

/**
 * Decoding one column chunk in JavaScript: its pages (v1 and v2, with or without a dictionary),
 * levels (RLE/bit-packed hybrid) and PLAIN or dictionary-encoded values, for the codecs and types a
 * Delta checkpoint is written with. Anything else raises {@link LiteUnsupported}.
 */

/** The shredded values of one leaf column: one (rep, def) pair per slot, values where def is max. */
export interface LeafColumn {
  readonly count: number;
  /** Repetition levels, or undefined when the column is not repeated (all 0). */
  readonly reps: Uint8Array | undefined;
  /** Definition levels, or undefined when the column is required all the way (all max). */
  readonly defs: Uint8Array | undefined;
  /** The non-null values, in order. */
  readonly values: unknown[];
}

/** Reads the chunk of `leaf` from the whole-file `bytes`. */
export function readLeafColumn(bytes: Uint8Array, chunk: LiteChunk, leaf: LiteNode): LeafColumn {
  const kind = leaf.leaf;
  if (kind === undefined) throw new LiteUnsupported(leaf.unsupported ?? `column ${leaf.path.join('.')}`);
  const maxDef = leaf.defLevel;
  const maxRep = leaf.repLevel;
  const total = chunk.numValues;
  const reps = maxRep > 0 ? new Uint8Array(total) : undefined;
  const defs = maxDef > 0 ? new Uint8Array(total) : undefined;
  const values: unknown[] = [];
  let dictionary: unknown[] | undefined;
  let filled = 0;
  const end = chunk.start + chunk.compressedSize;
  if (end > bytes.length) throw new LiteUnsupported('column chunk past the end of the file');
  const reader = new ThriftReader(bytes, chunk.start);
  while (filled < total) {
    if (reader.pos >= end) throw new LiteUnsupported('column chunk ends before its values');
    const header = reader.readStruct();
    const type = num(header, 1);
    const uncompressed = num(header, 2) ?? 0;
    const compressed = num(header, 3) ?? 0;
    const body = bytes.subarray(reader.pos, reader.pos + compressed);
    reader.pos += compressed;
    if (type === 2) {
      const dict = struct(header, 7);
      const enc = num(dict, 2) ?? 0;
      if (enc !== 0 && enc !== 2) throw new LiteUnsupported(`dictionary encoding ${enc}`);
      const data = decompressPage(body, chunk.codec, uncompressed);
      dictionary = [];
      decodePlain(data, 0, kind, num(dict, 1) ?? 0, dictionary);
      continue;
    }
    if (type !== 0 && type !== 3) continue; // index pages and unknown page types carry no values
    let n: number;
    let data: Uint8Array;
    let at = 0;
    let encoding: number;
    if (type === 0) {
      const h = struct(header, 5);
      n = num(h, 1) ?? 0;
      encoding = num(h, 2) ?? 0;
      data = decompressPage(body, chunk.codec, uncompressed);
      if (reps) at = readLevels(data, at, maxRep, reps, filled, n, true, num(h, 4));
      if (defs) at = readLevels(data, at, maxDef, defs, filled, n, true, num(h, 3));
    } else {
      const h = struct(header, 8);
      n = num(h, 1) ?? 0;
      encoding = num(h, 4) ?? 0;
      const defLen = num(h, 5) ?? 0;
      const repLen = num(h, 6) ?? 0;
      if (reps) readLevels(body.subarray(0, repLen), 0, maxRep, reps, filled, n, false, 3);
      if (defs) readLevels(body.subarray(repLen, repLen + defLen), 0, maxDef, defs, filled, n, false, 3);
      const rest = body.subarray(repLen + defLen);
      data = h?.get(7) === false ? rest : decompressPage(rest, chunk.codec, uncompressed - repLen - defLen);
    }
    if (filled + n > total) throw new LiteUnsupported('pages hold more values than the chunk');
    let present = n;
    if (defs) {
      present = 0;
      for (let i = filled; i < filled + n; i++) if (defs[i] === maxDef) present++;
    }
    if (encoding === 0) decodePlain(data, at, kind, present, values);
    else if (encoding === 2 || encoding === 8) {
      if (dictionary === undefined) throw new LiteUnsupported('dictionary-encoded page without a dictionary');
      const width = data[at] ?? 0;
      const idx = new Uint32Array(present);
      decodeHybrid(data, at + 1, data.length, width, idx, 0, present);
      for (let i = 0; i < present; i++) {
        const v = dictionary[idx[i] ?? 0];
        if (v === undefined) throw new LiteUnsupported('dictionary index out of range');
        values.push(v);
      }
    } else if (encoding === 3 && kind === 'bool') {
      const len = new DataView(data.buffer, data.byteOffset + at, 4).getUint32(0, true);
      const bits = new Uint32Array(present);
      decodeHybrid(data, at + 4, at + 4 + len, 1, bits, 0, present);
      for (let i = 0; i < present; i++) values.push(bits[i] === 1);
    } else throw new LiteUnsupported(`value encoding ${encoding}`);
    filled += n;
  }
  return { count: total, reps, defs, values };
}

/** Reads `n` levels at `at` into `out[from..]`; v1 pages prefix them with their byte length. */
function readLevels(
  data: Uint8Array,
  at: number,
  max: number,
  out: Uint8Array,
  from: number,
  n: number,
  prefixed: boolean,
  encoding: number | undefined,
): number {
  if (encoding !== undefined && encoding !== 3) throw new LiteUnsupported(`level encoding ${encoding}`);
  const width = 32 - Math.clz32(max);
  if (!prefixed) {
    decodeHybrid(data, at, data.length, width, out, from, n);
    return data.length;
  }
  if (at + 4 > data.length) throw new LiteUnsupported('truncated levels');
  const len = new DataView(data.buffer, data.byteOffset + at, 4).getUint32(0, true);
  decodeHybrid(data, at + 4, at + 4 + len, width, out, from, n);
  return at + 4 + len;
}

/** Appends `n` PLAIN-encoded values of `kind` at `at` to `out`. */
function decodePlain(data: Uint8Array, at: number, kind: LeafKind, n: number, out: unknown[]): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = at;
  const need = (k: number): void => {
    if (pos + k > data.length) throw new LiteUnsupported('PLAIN values end early');
  };
  switch (kind) {
    case 'bool':
      need((n + 7) >> 3);
      for (let i = 0; i < n; i++) out.push((((data[pos + (i >> 3)] ?? 0) >> (i & 7)) & 1) === 1);
      return;
    case 'int32':
      need(4 * n);
      for (let i = 0; i < n; i++, pos += 4) out.push(view.getInt32(pos, true));
      return;
    case 'int64':
      need(8 * n);
      for (let i = 0; i < n; i++, pos += 8) out.push(int64(view, pos));
      return;
    case 'float':
      need(4 * n);
      for (let i = 0; i < n; i++, pos += 4) out.push(view.getFloat32(pos, true));
      return;
    case 'double':
      need(8 * n);
      for (let i = 0; i < n; i++, pos += 8) out.push(view.getFloat64(pos, true));
      return;
    case 'string': {
      // One native call per string: decoding is most of the cost of a checkpoint (paths, stats).
      const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      for (let i = 0; i < n; i++) {
        need(4);
        const len = view.getUint32(pos, true);
        pos += 4;
        need(len);
        out.push(text.toString('utf8', pos, pos + len));
        pos += len;
      }
      return;
    }
  }
}

/** A 64-bit integer as a number when exact, else its decimal string (as the Arrow path does). */
function int64(view: DataView, pos: number): number | string {
  const lo = view.getUint32(pos, true);
  const hi = view.getInt32(pos + 4, true);
  const v = hi * 4294967296 + lo;
  if (v >= Number.MIN_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER) return v;
  return view.getBigInt64(pos, true).toString();
}
