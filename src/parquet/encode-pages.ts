import { countSetBits, varintLength, writeVarint } from './bits.js';
import type { Leaf } from './encode-leaf.js';
import { copyBytes } from '../expr/numbers.js';
import { bitWidth, byteRangeBounds, type GatheredValues } from './encode-values.js';
import { snappyCompress, snappyMaxLength } from './snappy-compress.js';
import { ThriftWriter } from './thrift-write.js';

/**
 * Cuts a gathered column chunk into Parquet pages (data page v1, the version every reader takes):
 * a dictionary page when there is a dictionary, then data pages of at most {@link PAGE_ROWS} rows
 * and about {@link PAGE_BYTES} of values, each with its definition levels (the validity bitmap,
 * bit-packed as it is) and values (PLAIN, or dictionary indices bit-packed). Also computes the
 * chunk's statistics.
 */

/** Rows per data page at most (a multiple of 8, so pages start on a byte of the bitmap). */
export const PAGE_ROWS = 20_000;
/** Target uncompressed size of a data page's values. */
export const PAGE_BYTES = 1 << 20;

const DATA_PAGE = 0;
const DICTIONARY_PAGE = 2;
/** parquet.thrift `Encoding`. */
export const Encoding = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;

/** Page compression the JavaScript encoder applies (parquet.thrift `CompressionCodec`). */
export type PageCodec = 'snappy' | 'uncompressed';

/**
 * The bytes of a file being encoded, appended page by page into one buffer sized from an estimate
 * (grown by doubling past it), so pages need no buffers of their own and no final concatenation.
 */
export class ByteSink {
  private bytes: Uint8Array;
  /** Bytes written so far. */
  length = 0;

  constructor(estimate: number) {
    this.bytes = new Uint8Array(Math.max(1024, estimate));
  }

  /** Appends `part`. */
  write(part: Uint8Array): void {
    if (this.length + part.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + part.length));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(part, this.length);
    this.length += part.length;
  }

  /**
   * The bytes written; the sink must not be written afterwards. A view when they fill most of the
   * buffer, else a copy, so a file waiting to be stored holds about its own size in memory (the
   * writer bounds the bytes in flight by that size).
   */
  finish(): Uint8Array {
    const view = this.bytes.subarray(0, this.length);
    return this.length * 5 >= this.bytes.length * 4 ? view : view.slice();
  }
}

/**
 * Scratch for a page's assembled body and its compressed form, reused by every page: encoding is
 * synchronous and each page is copied into the sink before the next is built, so sharing is safe,
 * and allocating (and zeroing) both per page cost more than compressing small ones.
 */
let bodyScratch: Uint8Array = new Uint8Array(1 << 16);
let packedScratch: Uint8Array = new Uint8Array(1 << 16);

function scratchFor(current: Uint8Array, n: number): Uint8Array {
  return current.length >= n ? current : new Uint8Array(Math.max(n, current.length * 2));
}

/** One encoded column chunk (its pages are in the sink it was encoded into). */
export interface EncodedChunk {
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Bytes of the dictionary page (header included), 0 without one. */
  readonly dictionaryBytes: number;
  readonly encodings: number[];
  readonly nullCount: number;
  /** PLAIN-encoded bounds of the non-null values, when the leaf has an order and a value. */
  readonly min: Uint8Array | undefined;
  readonly max: Uint8Array | undefined;
  /** Whether the bounds are values of the chunk, not cut-down stand-ins. */
  readonly minExact: boolean;
  readonly maxExact: boolean;
}

/** Encodes `values` of `leaf` as the pages of one column chunk, appended to `sink`. */
export function encodePages(
  leaf: Leaf,
  values: GatheredValues,
  codec: PageCodec,
  sink: ByteSink,
): EncodedChunk {
  let compressedSize = 0;
  let uncompressedSize = 0;
  const emit = (type: number, body: Uint8Array, header: (w: ThriftWriter) => void): void => {
    let stored = body;
    if (codec === 'snappy') {
      packedScratch = scratchFor(packedScratch, snappyMaxLength(body.length));
      stored = snappyCompress(body, packedScratch);
    }
    const w = new ThriftWriter().i32(1, type).i32(2, body.length).i32(3, stored.length);
    header(w);
    const head = w.finish();
    sink.write(head);
    sink.write(stored);
    compressedSize += head.length + stored.length;
    uncompressedSize += head.length + body.length;
  };
  const { dictionary } = values;
  let dictionaryBytes = 0;
  let width = 0;
  if (dictionary !== undefined) {
    const { bytes, starts, size } = dictionary;
    const page = starts === undefined ? bytes : plainStrings(bytes, starts, 0, size);
    emit(DICTIONARY_PAGE, page, (w) => w.struct(7, (d) => d.i32(1, size).i32(2, Encoding.PLAIN)));
    dictionaryBytes = compressedSize;
    width = bitWidth(size);
  }
  const encoding = dictionary === undefined ? Encoding.PLAIN : Encoding.RLE_DICTIONARY;
  let row = 0;
  let value = 0;
  do {
    const count = pageRows(values, row, value);
    const present = values.valid === undefined ? count : countSetBits(values.valid, row, count);
    const parts: Uint8Array[] = [];
    if (values.valid !== undefined) parts.push(levels(values.valid, row, count, present));
    if (dictionary !== undefined) parts.push(bitPacked(dictionary.indices, value, present, width));
    else parts.push(plainValues(leaf, values, value, present));
    emit(DATA_PAGE, concat(parts), (w) =>
      w.struct(5, (d) => d.i32(1, count).i32(2, encoding).i32(3, Encoding.RLE).i32(4, Encoding.RLE)),
    );
    row += count;
    value += present;
  } while (row < values.rows);
  const bounds = boundsOf(leaf, values);
  return {
    compressedSize,
    uncompressedSize,
    dictionaryBytes,
    encodings:
      dictionary === undefined
        ? [Encoding.PLAIN, Encoding.RLE]
        : [Encoding.PLAIN, Encoding.RLE, Encoding.RLE_DICTIONARY],
    nullCount: values.nullCount,
    ...bounds,
  };
}

/** Rows of the page starting at `row` (whose first non-null value is `value`). */
function pageRows(values: GatheredValues, row: number, value: number): number {
  const left = values.rows - row;
  const { strings, valid } = values;
  if (strings === undefined) {
    const perPage =
      values.width > 0 ? Math.max(8, (Math.floor(PAGE_BYTES / values.width) >> 3) << 3) : PAGE_ROWS;
    return Math.min(left, PAGE_ROWS, perPage);
  }
  // PLAIN byte arrays: stop at the first multiple of 8 rows past the byte budget.
  let bytes = 0;
  let v = value;
  let n = 0;
  while (n < left && n < PAGE_ROWS) {
    const r = row + n;
    if (valid === undefined || ((valid[r >> 3] ?? 0) & (1 << (r & 7))) !== 0) {
      bytes += 4 + (strings.starts[v + 1] ?? 0) - (strings.starts[v] ?? 0);
      v++;
    }
    n++;
    if (bytes >= PAGE_BYTES && (n & 7) === 0) break;
  }
  return n;
}

/** Definition levels of a page, prefixed by their length as data page v1 stores them. */
function levels(valid: Uint8Array, row: number, count: number, present: number): Uint8Array {
  // One RLE run when the page has no nulls (or only nulls); otherwise the bitmap bit-packed.
  if (present === count || present === 0) {
    const run = varintLength(count * 2);
    const out = new Uint8Array(4 + run + 1);
    new DataView(out.buffer).setUint32(0, run + 1, true);
    out[writeVarint(out, 4, count * 2)] = present === 0 ? 0 : 1;
    return out;
  }
  const groups = (count + 7) >> 3;
  const head = varintLength(groups * 2 + 1);
  const out = new Uint8Array(4 + head + groups);
  new DataView(out.buffer).setUint32(0, head + groups, true);
  writeVarint(out, 4, groups * 2 + 1);
  out.set(valid.subarray(row >> 3, (row >> 3) + groups), 4 + head);
  // Bits past the page's last row belong to the next page; a reader ignores them, zero them anyway.
  if ((count & 7) !== 0) out[out.length - 1] = (out[out.length - 1] ?? 0) & ((1 << (count & 7)) - 1);
  return out;
}

/** Dictionary indices `[from, from + n)`: the bit width, then one bit-packed run. */
function bitPacked(indices: Int32Array, from: number, n: number, width: number): Uint8Array {
  const groups = (n + 7) >> 3;
  const out = new Uint8Array(1 + varintLength(groups * 2 + 1) + groups * width);
  out[0] = width;
  let at = writeVarint(out, 1, groups * 2 + 1);
  // Widths stay at most 18 (the dictionary is capped at 1 MiB), so acc never passes 31 bits.
  let acc = 0;
  let bits = 0;
  const end = from + n;
  for (let i = from; i < end; i++) {
    acc |= (indices[i] ?? 0) << bits;
    bits += width;
    while (bits >= 8) {
      out[at++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out[at] = acc & 0xff;
  return out;
}

function plainValues(leaf: Leaf, values: GatheredValues, from: number, n: number): Uint8Array {
  const { fixed, strings, width } = values;
  if (strings !== undefined) return plainStrings(strings.bytes, strings.starts, from, n);
  if (fixed === undefined) return new Uint8Array(0);
  if (leaf.kind !== 'bool') return fixed.subarray(from * width, (from + n) * width);
  const out = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (fixed[from + i] === 1) out[i >> 3] = (out[i >> 3] ?? 0) | (1 << (i & 7));
  return out;
}

/** PLAIN byte arrays: each value's length (4 bytes, little-endian), then its bytes. */
function plainStrings(bytes: Uint8Array, starts: Int32Array, from: number, n: number): Uint8Array {
  const first = starts[from] ?? 0;
  const last = starts[from + n] ?? 0;
  const out = new Uint8Array(4 * n + last - first);
  const view = new DataView(out.buffer);
  let at = 0;
  for (let k = from; k < from + n; k++) {
    const s = starts[k] ?? 0;
    const e = starts[k + 1] ?? 0;
    view.setInt32(at, e - s, true);
    copyBytes(bytes, s, e, out, at + 4);
    at += 4 + e - s;
  }
  return out;
}

/** The page body: `parts` as they are when one, else joined in the reused body scratch. */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  bodyScratch = scratchFor(bodyScratch, n);
  let at = 0;
  for (const p of parts) {
    bodyScratch.set(p, at);
    at += p.length;
  }
  return bodyScratch.subarray(0, n);
}

/** Byte-array bounds longer than this are cut (and marked inexact), as arrow-rs does. */
const MAX_BOUND_BYTES = 64;

interface Bounds {
  readonly min: Uint8Array | undefined;
  readonly max: Uint8Array | undefined;
  readonly minExact: boolean;
  readonly maxExact: boolean;
}

/** Min and max of the chunk in the leaf's order, PLAIN-encoded. */
function boundsOf(leaf: Leaf, values: GatheredValues): Bounds {
  const present = values.rows - values.nullCount;
  const none = { min: undefined, max: undefined, minExact: true, maxExact: true };
  if (present === 0) return none;
  if (leaf.order === 'bytes') {
    const dictionary = values.dictionary;
    const source =
      dictionary?.starts !== undefined
        ? { bytes: dictionary.bytes, starts: dictionary.starts }
        : values.strings;
    if (source === undefined) return none;
    const n = dictionary?.size ?? present;
    const { min, max } = byteRangeBounds(source.bytes, source.starts, n);
    const cut = (k: number): Uint8Array =>
      source.bytes.slice(source.starts[k] ?? 0, source.starts[k + 1] ?? 0);
    return boundsWithin(cut(min), cut(max), leaf.text);
  }
  const { width } = values;
  // The bounds of the values are those of their distinct values, fewer to look at.
  const fixed = values.dictionary?.bytes ?? values.fixed;
  if (fixed === undefined) return none;
  return fixedBounds(leaf, fixed, values.dictionary?.size ?? present, width);
}

/** Min and max of `present` PLAIN values of `width` bytes in the leaf's (non-byte-array) order. */
function fixedBounds(leaf: Leaf, fixed: Uint8Array, present: number, width: number): Bounds {
  const none = { min: undefined, max: undefined, minExact: true, maxExact: true };
  const pick = (k: number): Uint8Array => fixed.slice(k * width, k * width + width);
  if (leaf.order === 'bool') {
    let sawFalse = false;
    let sawTrue = false;
    for (let i = 0; i < present; i++)
      if (fixed[i] === 1) sawTrue = true;
      else sawFalse = true;
    return { ...none, min: Uint8Array.of(sawFalse ? 0 : 1), max: Uint8Array.of(sawTrue ? 1 : 0) };
  }
  // Typed arrays over the values (Arrow's buffers and ours are aligned to the value width).
  const aligned = fixed.byteOffset % width === 0 ? fixed : fixed.slice();
  const { buffer, byteOffset } = aligned;
  if (leaf.order === 'float') {
    const floats =
      width === 4
        ? new Float32Array(buffer, byteOffset, present)
        : new Float64Array(buffer, byteOffset, present);
    let lo = Infinity;
    let hi = -Infinity;
    let seen = false;
    for (let i = 0; i < present; i++) {
      const v = floats[i] ?? NaN;
      if (v !== v) continue;
      seen = true;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!seen) return none;
    // A zero bound is written as -0 (min) and +0 (max), so either sign of zero is inside them.
    return { ...none, min: floatBytes(lo === 0 ? -0 : lo, width), max: floatBytes(hi === 0 ? 0 : hi, width) };
  }
  let min = 0;
  let max = 0;
  if (leaf.order === 'bigEndian') {
    for (let i = 1; i < present; i++) {
      if (compareBigEndian(fixed, i, min, width) < 0) min = i;
      if (compareBigEndian(fixed, i, max, width) > 0) max = i;
    }
  } else if (width === 4) {
    const ints = new Int32Array(buffer, byteOffset, present);
    let lo = ints[0] ?? 0;
    let hi = lo;
    for (let i = 1; i < present; i++) {
      const v = ints[i] ?? 0;
      if (v < lo) {
        lo = v;
        min = i;
      } else if (v > hi) {
        hi = v;
        max = i;
      }
    }
  } else {
    // Little-endian int64 as (signed high word, unsigned low word) pairs: no bigint per value.
    const words = new Int32Array(buffer, byteOffset, present * 2);
    let minHi = words[1] ?? 0;
    let minLo = (words[0] ?? 0) >>> 0;
    let maxHi = minHi;
    let maxLo = minLo;
    for (let i = 1; i < present; i++) {
      const h = words[2 * i + 1] ?? 0;
      const l = (words[2 * i] ?? 0) >>> 0;
      if (h < minHi || (h === minHi && l < minLo)) {
        min = i;
        minHi = h;
        minLo = l;
      } else if (h > maxHi || (h === maxHi && l > maxLo)) {
        max = i;
        maxHi = h;
        maxLo = l;
      }
    }
  }
  return { ...none, min: pick(min), max: pick(max) };
}

/**
 * Byte-array bounds of at most {@link MAX_BOUND_BYTES} (what arrow-rs keeps): a longer min is cut
 * to a prefix, which sorts no later; a longer max is cut and its last byte that can grow is
 * incremented, which sorts later. Cuts fall on character boundaries of UTF-8 values, and only
 * ASCII bytes are incremented there, so a bound stays valid UTF-8. No such max: none is written.
 */
function boundsWithin(min: Uint8Array, max: Uint8Array, utf8: boolean): Bounds {
  const cutAt = (v: Uint8Array): number => {
    let n = MAX_BOUND_BYTES;
    while (utf8 && n > 0 && ((v[n] ?? 0) & 0xc0) === 0x80) n--;
    return n;
  };
  const out: { -readonly [K in keyof Bounds]: Bounds[K] } = { min, max, minExact: true, maxExact: true };
  if (min.length > MAX_BOUND_BYTES) {
    out.min = min.slice(0, cutAt(min));
    out.minExact = false;
  }
  if (max.length > MAX_BOUND_BYTES) {
    out.max = undefined;
    out.maxExact = false;
    const prefix = max.slice(0, cutAt(max));
    for (let j = prefix.length - 1; j >= 0; j--) {
      const b = prefix[j] ?? 0;
      if (b < (utf8 ? 0x7f : 0xff) && (!utf8 || b < 0x80)) {
        prefix[j] = b + 1;
        out.max = prefix.slice(0, j + 1);
        break;
      }
    }
  }
  return out;
}

/** Order of two big-endian two's-complement values of `width` bytes (decimals as FLBA). */
function compareBigEndian(bytes: Uint8Array, a: number, b: number, width: number): number {
  // The sign bit flipped, the bytes compare as unsigned.
  const x0 = (bytes[a * width] ?? 0) ^ 0x80;
  const y0 = (bytes[b * width] ?? 0) ^ 0x80;
  if (x0 !== y0) return x0 - y0;
  for (let k = 1; k < width; k++) {
    const x = bytes[a * width + k] ?? 0;
    const y = bytes[b * width + k] ?? 0;
    if (x !== y) return x - y;
  }
  return 0;
}

function floatBytes(value: number, width: number): Uint8Array {
  const out = new Uint8Array(width);
  const view = new DataView(out.buffer);
  if (width === 4) view.setFloat32(0, value, true);
  else view.setFloat64(0, value, true);
  return out;
}
