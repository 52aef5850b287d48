import { ByteStringTable } from '../expr/byte-strings.js';
import { compareByteRanges, copyBytes } from '../expr/numbers.js';
import { setBitRange } from './bits.js';
import type { Leaf } from './encode-leaf.js';

/**
 * The values of one column chunk gathered from Arrow: a validity bitmap in Parquet's bit order
 * (which is Arrow's, so definition levels are the bitmap itself), and the non-null values in their
 * PLAIN byte form, or dictionary indices plus the dictionary for byte-array columns. Fixed-width
 * columns without nulls are viewed in place, not copied.
 */

/**
 * One column's rows as the encoder reads them: the fields of an Arrow `Data` it uses (an Arrow
 * `Data` is one, and so is a plain object of typed arrays). As in Arrow, `values`
 * of fixed-width types start at the part's first row, while `nullBitmap` (and boolean `values`)
 * are indexed from bit `offset`, and `valueOffsets` index into all of `values`.
 */
export interface ColumnPart {
  readonly length: number;
  readonly offset: number;
  readonly nullCount: number;
  readonly nullBitmap: Uint8Array | undefined;
  readonly values: ArrayBufferView;
  readonly valueOffsets: Int32Array | undefined;
}

/** A chunk's values, ready to be cut into pages. */
export interface GatheredValues {
  readonly rows: number;
  /** Bit `i` set when row `i` is non-null; `undefined` when the leaf is required. */
  readonly valid: Uint8Array | undefined;
  readonly nullCount: number;
  /** PLAIN bytes of the non-null values of fixed-width kinds (booleans: one byte per value). */
  readonly fixed?: Uint8Array;
  /** Width of a value in `fixed`. */
  readonly width: number;
  /** Non-null byte-array values as `bytes[starts[k]..starts[k+1])` (plain fallback). */
  readonly strings?: { readonly bytes: Uint8Array; readonly starts: Int32Array };
  /** Dictionary indices of the non-null values, with the dictionary's PLAIN page. */
  readonly dictionary?: DictionaryValues;
}

/** A byte-array column chunk encoded against its dictionary. */
export interface DictionaryValues {
  readonly indices: Int32Array;
  readonly size: number;
  /** The entries as `bytes[starts[k]..starts[k+1])`. */
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
}

/** Dictionaries whose PLAIN page would exceed this are abandoned for PLAIN values (arrow-rs's default). */
export const DICTIONARY_LIMIT = 1 << 20;

/**
 * After this many values, a dictionary holding more than half as many entries is abandoned: the
 * values are mostly distinct (ids, names), and indices plus dictionary would not be smaller.
 */
const DISTINCT_PROBE = 4096;

/** Gathers rows of `parts` (in order, `rows` in total) for `leaf`. */
export function gatherValues(leaf: Leaf, parts: readonly ColumnPart[], rows: number): GatheredValues {
  const { valid, nullCount } = validityBits(leaf, parts, rows);
  const present = rows - nullCount;
  if (leaf.kind === 'bytes') {
    // A chunk of nulls only gets no dictionary: a page of zero entries is legal, but rare enough
    // that not every reader may have met one.
    const dictionary = present > 0 ? dictionaryEncode(parts, present) : undefined;
    if (dictionary !== undefined) return { rows, valid, nullCount, width: 0, dictionary };
    return { rows, valid, nullCount, width: 0, strings: gatherStrings(parts, present) };
  }
  const width =
    leaf.kind === 'bool' ? 1 : leaf.kind === 'fixed8' ? 8 : leaf.kind === 'decimal' ? decimalWidth(leaf) : 4;
  return { rows, valid, nullCount, width, fixed: gatherFixed(leaf, parts, present, width) };
}

function decimalWidth(leaf: Leaf): number {
  return leaf.typeLength > 0 ? leaf.typeLength : leaf.physical === 1 ? 4 : 8;
}

function validityBits(
  leaf: Leaf,
  parts: readonly ColumnPart[],
  rows: number,
): { valid: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  for (const part of parts) nullCount += part.nullCount;
  if (!leaf.nullable) {
    if (nullCount > 0)
      throw new TypeError(`column ${leaf.name} is not nullable but has ${nullCount} null values`);
    return { valid: undefined, nullCount: 0 };
  }
  const valid = new Uint8Array((rows + 7) >> 3);
  let at = 0;
  for (const part of parts) {
    const bitmap = part.nullBitmap;
    const n = part.length;
    if (part.nullCount === 0 || bitmap === undefined || bitmap.length === 0) setBitRange(valid, at, n);
    else if ((at & 7) === 0 && (part.offset & 7) === 0) {
      valid.set(bitmap.subarray(part.offset >> 3, (part.offset + n + 7) >> 3), at >> 3);
      // The last byte may carry bits past the part; the next part's bits are ORed over zeros.
      const end = at + n;
      if ((end & 7) !== 0) valid[end >> 3] = (valid[end >> 3] ?? 0) & ((1 << (end & 7)) - 1);
    } else {
      for (let i = 0; i < n; i++) {
        const pos = part.offset + i;
        if (((bitmap[pos >> 3] ?? 0) & (1 << (pos & 7))) !== 0) {
          const bit = at + i;
          valid[bit >> 3] = (valid[bit >> 3] ?? 0) | (1 << (bit & 7));
        }
      }
    }
    at += n;
  }
  return { valid, nullCount };
}

/** Whether row `i` of `part` (part-relative) is non-null. */
function isValid(part: ColumnPart, i: number): boolean {
  const bitmap = part.nullBitmap;
  if (part.nullCount === 0 || bitmap === undefined || bitmap.length === 0) return true;
  const pos = part.offset + i;
  return ((bitmap[pos >> 3] ?? 0) & (1 << (pos & 7))) !== 0;
}

function bytesOf(values: ArrayBufferView, from: number, to: number): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset + from, to - from);
}

function gatherFixed(leaf: Leaf, parts: readonly ColumnPart[], present: number, width: number): Uint8Array {
  const only = parts.length === 1 ? parts[0] : undefined;
  const direct = leaf.kind === 'fixed4' || leaf.kind === 'fixed8';
  if (direct && only !== undefined && only.nullCount === 0) {
    return bytesOf(only.values as ArrayBufferView, 0, only.length * width);
  }
  const out = new Uint8Array(present * width);
  const view = new DataView(out.buffer);
  let k = 0;
  for (const part of parts) {
    const n = part.length;
    const dense = part.nullCount === 0;
    if (direct) {
      const source = bytesOf(part.values as ArrayBufferView, 0, n * width);
      if (dense) {
        out.set(source, k * width);
        k += n;
        continue;
      }
      // Word by word (values of typed arrays are aligned to their width): no view per value.
      const words = width >> 2;
      const from = new Int32Array(source.buffer, source.byteOffset, n * words);
      const to = new Int32Array(out.buffer, 0, present * words);
      for (let i = 0; i < n; i++) {
        if (!isValid(part, i)) continue;
        for (let w = 0; w < words; w++) to[k * words + w] = from[i * words + w] ?? 0;
        k++;
      }
      continue;
    }
    for (let i = 0; i < n; i++) {
      if (!dense && !isValid(part, i)) continue;
      writeConverted(leaf, part, i, view, out, k * width, width);
      k++;
    }
  }
  return out;
}

/** Converts row `i` of `part` into `width` bytes at `at` (booleans, narrow ints, decimals). */
function writeConverted(
  leaf: Leaf,
  part: ColumnPart,
  i: number,
  view: DataView,
  out: Uint8Array,
  at: number,
  width: number,
): void {
  if (leaf.kind === 'bool') {
    const pos = part.offset + i;
    out[at] = (((part.values as Uint8Array)[pos >> 3] ?? 0) >> (pos & 7)) & 1;
  } else if (leaf.kind === 'widen') {
    view.setInt32(at, (part.values as Int8Array | Int16Array)[i] ?? 0, true);
  } else {
    // Decimal128: four little-endian 32-bit words, least significant first.
    const words = part.values as Uint32Array;
    const w0 = words[i * 4] ?? 0;
    const w1 = words[i * 4 + 1] ?? 0;
    if (width === 4) view.setInt32(at, w0 | 0, true);
    else if (width === 8 && leaf.typeLength === 0) {
      view.setUint32(at, w0, true);
      view.setUint32(at + 4, w1, true);
    } else {
      // Big-endian two's complement: the low `width` of the 16 bytes, most significant first.
      for (let b = 0; b < width; b++) {
        const j = width - 1 - b;
        out[at + b] = ((words[i * 4 + (j >> 2)] ?? 0) >>> ((j & 3) * 8)) & 0xff;
      }
    }
  }
}

/**
 * Dictionary-encodes the non-null values, or returns `undefined` once the dictionary outgrows
 * {@link DICTIONARY_LIMIT} (or the values prove mostly distinct).
 */
function dictionaryEncode(parts: readonly ColumnPart[], present: number): DictionaryValues | undefined {
  const indices = new Int32Array(present);
  const dictionary = new ByteStringTable();
  let k = 0;
  for (const part of parts) {
    const offsets = part.valueOffsets as Int32Array;
    const source = part.values as Uint8Array;
    const dense = part.nullCount === 0;
    for (let i = 0; i < part.length; i++) {
      if (!dense && !isValid(part, i)) continue;
      const entry = dictionary.intern(source, offsets[i] ?? 0, offsets[i + 1] ?? 0);
      // The PLAIN dictionary page: each entry's bytes after a 4-byte length.
      if (entry === dictionary.size - 1 && dictionary.byteLength + 4 * dictionary.size > DICTIONARY_LIMIT)
        return undefined;
      indices[k++] = entry;
      // Mostly distinct values gain nothing from a dictionary; stop paying for the hashing.
      if (k === DISTINCT_PROBE && dictionary.size * 2 > k) return undefined;
    }
  }
  return { indices, size: dictionary.size, bytes: dictionary.bytes, starts: dictionary.starts };
}

function gatherStrings(
  parts: readonly ColumnPart[],
  present: number,
): { bytes: Uint8Array; starts: Int32Array } {
  let total = 0;
  for (const part of parts) {
    const offsets = part.valueOffsets as Int32Array;
    total += (offsets[part.length] ?? 0) - (offsets[0] ?? 0);
  }
  const bytes = new Uint8Array(total);
  const starts = new Int32Array(present + 1);
  let at = 0;
  let k = 0;
  for (const part of parts) {
    const offsets = part.valueOffsets as Int32Array;
    const source = part.values as Uint8Array;
    const first = offsets[0] ?? 0;
    const last = offsets[part.length] ?? 0;
    if (part.nullCount === 0) {
      // A part without nulls moves as one block, its offsets shifted.
      bytes.set(source.subarray(first, last), at);
      const shift = at - first;
      for (let i = 1; i <= part.length; i++) starts[k + i] = (offsets[i] ?? 0) + shift;
      k += part.length;
      at += last - first;
      continue;
    }
    for (let i = 0; i < part.length; i++) {
      if (!isValid(part, i)) continue;
      const start = offsets[i] ?? 0;
      const end = offsets[i + 1] ?? 0;
      copyBytes(source, start, end, bytes, at);
      at += end - start;
      starts[++k] = at;
    }
  }
  return { bytes: bytes.subarray(0, at), starts };
}

/** Indices of the least and greatest byte strings among `starts`' ranges of `bytes`. */
export function byteRangeBounds(
  bytes: Uint8Array,
  starts: Int32Array,
  n: number,
): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (let k = 1; k < n; k++) {
    const s = starts[k] ?? 0;
    const e = starts[k + 1] ?? 0;
    if (compareByteRanges(bytes, s, e, starts[min] ?? 0, starts[min + 1] ?? 0) < 0) min = k;
    if (compareByteRanges(bytes, s, e, starts[max] ?? 0, starts[max + 1] ?? 0) > 0) max = k;
  }
  return { min, max };
}
