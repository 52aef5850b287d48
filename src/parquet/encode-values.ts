import { ByteStringTable } from '../expr/byte-strings.js';
import { compareByteRanges, copyBytes } from '../expr/numbers.js';
import { setBitRange } from './bits.js';
import type { Leaf } from './encode-leaf.js';

/**
 * The values of one column chunk gathered from Arrow: a validity bitmap in Parquet's bit order
 * (which is Arrow's, so definition levels are the bitmap itself), and the non-null values in their
 * PLAIN byte form, or dictionary indices plus the dictionary (byte arrays, and 4- and 8-byte
 * numbers that repeat). Fixed-width columns without nulls are viewed in place, not copied.
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

/** A column chunk encoded against its dictionary. */
export interface DictionaryValues {
  readonly indices: Int32Array;
  readonly size: number;
  /**
   * The entries: byte arrays as `bytes[starts[k]..starts[k+1])`; without `starts`, fixed-width
   * values of the chunk's `width` in their PLAIN form, one after another.
   */
  readonly bytes: Uint8Array;
  readonly starts: Int32Array | undefined;
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
  const fixed = gatherFixed(leaf, parts, present, width);
  // Numbers that repeat (prices, quantities, codes) shrink to a few bits each against a dictionary,
  // as arrow-rs writes them; ids and timestamps prove distinct in a sample and stay PLAIN.
  const direct = leaf.kind === 'fixed4' || leaf.kind === 'fixed8';
  const dictionary = direct && present > 0 ? fixedDictionary(fixed, width, present) : undefined;
  return { rows, valid, nullCount, width, fixed, ...(dictionary === undefined ? {} : { dictionary }) };
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

/**
 * Dictionary-encodes `present` PLAIN values of 4 or 8 bytes by their bit patterns (so -0 and 0, or
 * two NaNs of different payloads, stay distinct entries, and every value reads back bit for bit),
 * or returns `undefined`: when a sample of the values is all distinct, when the dictionary outgrows
 * {@link DICTIONARY_LIMIT}, or as soon as it can no longer come out smaller than PLAIN.
 */
function fixedDictionary(fixed: Uint8Array, width: number, present: number): DictionaryValues | undefined {
  const per = width >> 2;
  const aligned = fixed.byteOffset % 4 === 0 ? fixed : fixed.slice();
  const words = new Int32Array(aligned.buffer, aligned.byteOffset, present * per);
  if (sampleDistinct(words, per, present)) return undefined;
  const limit = Math.floor(DICTIONARY_LIMIT / width);
  const indices = new Int32Array(present);
  // Open addressing over entry numbers + 1, rehashed at half load; entries' words in `entries`. The
  // slot is the product's high bits: its low bits only mix the values' low bits, which repeat for
  // timestamps and round numbers.
  let shift = 22;
  let mask = 1023;
  let table = new Int32Array(mask + 1);
  let entries = new Int32Array(512 * per);
  let size = 0;
  for (let i = 0; i < present; i++) {
    const lo = words[i * per] ?? 0;
    const hi = per === 2 ? (words[i * per + 1] ?? 0) : 0;
    let slot = hashWords(lo, hi) >>> shift;
    let entry = -1;
    for (;;) {
      const e = (table[slot] ?? 0) - 1;
      if (e < 0) break;
      if (entries[e * per] === lo && (per === 1 || entries[e * per + 1] === hi)) {
        entry = e;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (entry < 0) {
      // Unlike strings, numbers repeating within a range of tens of thousands (amounts in cents)
      // can look distinct over the first thousands of values, so those do not decide. But once the
      // dictionary page plus the chunk's indices would outweigh PLAIN, no later repeat can win it
      // back (both only grow): give up then.
      if (size === limit || (size + 1) * width + (present * bitWidth(size + 1)) / 8 >= present * width)
        return undefined;
      entry = size++;
      if (size * per > entries.length) {
        const grown = new Int32Array(entries.length * 2);
        grown.set(entries);
        entries = grown;
      }
      entries[entry * per] = lo;
      if (per === 2) entries[entry * per + 1] = hi;
      table[slot] = entry + 1;
      if (size * 2 > mask) {
        mask = mask * 2 + 1;
        shift--;
        table = new Int32Array(mask + 1);
        for (let e = 0; e < size; e++) {
          const l = entries[e * per] ?? 0;
          const u = per === 2 ? (entries[e * per + 1] ?? 0) : 0;
          let s = hashWords(l, u) >>> shift;
          while ((table[s] ?? 0) !== 0) s = (s + 1) & mask;
          table[s] = e + 1;
        }
      }
    }
    indices[i] = entry;
  }
  const bytes = new Uint8Array(entries.buffer, 0, size * width);
  return { indices, size, bytes, starts: undefined };
}

/**
 * Whether {@link DISTINCT_PROBE} values spread evenly over the chunk are all distinct: a key, a
 * timestamp or a full-precision measurement, whose dictionary would only be given up late (by then
 * having hashed most of the chunk). Amounts drawn from tens of thousands of values already repeat
 * within such a sample, though the first few thousand values may not.
 */
function sampleDistinct(words: Int32Array, per: number, present: number): boolean {
  if (present < DISTINCT_PROBE) return false;
  const step = Math.floor(present / DISTINCT_PROBE);
  const bits = 32 - Math.clz32(DISTINCT_PROBE * 2 - 1);
  const mask = (1 << bits) - 1;
  // Slots hold sample number + 1; a sample's words are read back from `words` to compare.
  const table = new Int32Array(mask + 1);
  for (let k = 0; k < DISTINCT_PROBE; k++) {
    const at = k * step * per;
    const lo = words[at] ?? 0;
    const hi = per === 2 ? (words[at + 1] ?? 0) : 0;
    let slot = hashWords(lo, hi) >>> (32 - bits);
    for (;;) {
      const other = (table[slot] ?? 0) - 1;
      if (other < 0) break;
      const o = other * step * per;
      if (words[o] === lo && (per === 1 || words[o + 1] === hi)) return false;
      slot = (slot + 1) & mask;
    }
    table[slot] = k + 1;
  }
  return true;
}

/**
 * A 32-bit hash of a value's low and high words (high 0 for 4-byte values), multiplicative: table
 * slots are taken from its high bits.
 */
function hashWords(lo: number, hi: number): number {
  return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
}

/** Bits of a dictionary index into `size` entries (at least 1). */
export function bitWidth(size: number): number {
  return Math.max(1, 32 - Math.clz32(size - 1));
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
