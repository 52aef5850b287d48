/**
 * The RLE / bit-packing hybrid encoding of Parquet (https://github.com/apache/parquet-format,
 * Encodings.md), which carries definition and repetition levels, dictionary indices and RLE
 * booleans. It sits on the hot path of every dictionary-encoded column, so bit-packed runs are
 * unpacked through a small bit buffer rather than one bit at a time.
 */

/** The encoded data ends before the values it announced. */
export class HybridError extends Error {}

/**
 * Decodes `n` values of bit width `width` (0–32) from `data[at..end)` into `out[from..from+n)`;
 * returns the position after the last run read.
 */
export function decodeHybrid(
  data: Uint8Array,
  at: number,
  end: number,
  width: number,
  out: Uint8Array | Uint32Array | Int32Array,
  from: number,
  n: number,
): number {
  if (width < 0 || width > 32) throw new HybridError(`bit width ${width} out of range`);
  let pos = at;
  let i = from;
  const stop = from + n;
  const bytesPer = (width + 7) >> 3;
  let view: DataView | undefined;
  while (i < stop) {
    if (pos >= end) throw new HybridError('RLE/bit-packed data ends early');
    let header = 0;
    let scale = 1;
    for (;;) {
      const b = data[pos++] ?? 0;
      header += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) break;
      scale *= 128;
      if (scale > 2 ** 35) throw new HybridError('RLE run header too long');
    }
    if (header % 2 === 0) {
      const count = header / 2;
      if (pos + bytesPer > end) throw new HybridError('RLE run ends early');
      let value = 0;
      for (let k = 0; k < bytesPer; k++) value += (data[pos + k] ?? 0) * 2 ** (8 * k);
      pos += bytesPer;
      const to = Math.min(stop, i + count);
      out.fill(value, i, to);
      i = to;
      continue;
    }
    const groups = (header - 1) / 2;
    const bytes = groups * width;
    // The last run may be cut short by the end of a v2 level section: only what is there is read.
    const take = Math.min(stop - i, groups * 8);
    if (pos + Math.ceil((take * width) / 8) > end) throw new HybridError('bit-packed run ends early');
    if (width <= 24) {
      view ??= new DataView(data.buffer, data.byteOffset, data.byteLength);
      unpackNarrow(data, view, pos, width, out, i, take);
    } else unpackWide(data, pos, width, out, i, take);
    i += take;
    pos += bytes;
  }
  return pos;
}

/**
 * Whether `data[at..end)` starts with one RLE run of at least `n` copies of `value` (of a width of
 * at most 8 bits): how writers encode, for instance, the definition levels of a page without
 * nulls, which a reader can then skip decoding level by level.
 */
export function isOneRun(data: Uint8Array, at: number, end: number, n: number, value: number): boolean {
  let header = 0;
  let scale = 1;
  for (let pos = at; pos < end && scale <= 2 ** 28; scale *= 128) {
    const b = data[pos++] ?? 0;
    header += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return header % 2 === 0 && header / 2 >= n && pos < end && data[pos] === value;
  }
  return false;
}

/**
 * Unpacks `count` values of at most 24 bits. Each value is cut from the little-endian 32-bit word
 * at its first byte (its bit offset in that byte plus the width never exceed 32): one unaligned
 * load per value, about twice as fast as feeding a bit buffer byte by byte. The last few values,
 * where a 4-byte load would run past the data, take the bytes one by one.
 */
function unpackNarrow(
  data: Uint8Array,
  view: DataView,
  pos: number,
  width: number,
  out: Uint8Array | Uint32Array | Int32Array,
  from: number,
  count: number,
): void {
  const mask = (1 << width) - 1;
  const lastWord = data.length - 4;
  const to = from + count;
  let b = pos;
  let shift = 0;
  for (let i = from; i < to; i++) {
    out[i] = ((b <= lastWord ? view.getUint32(b, true) : tailWord(data, b)) >>> shift) & mask;
    shift += width;
    b += shift >> 3;
    shift &= 7;
  }
}

/** The little-endian word at `data[b..b+4)`, zeros past the end. */
function tailWord(data: Uint8Array, b: number): number {
  let word = 0;
  for (let k = 0; k < 4; k++) word |= (data[b + k] ?? 0) << (8 * k);
  return word;
}

/** Unpacks `count` values of 25–32 bits with arithmetic that cannot overflow 32-bit integers. */
function unpackWide(
  data: Uint8Array,
  pos: number,
  width: number,
  out: Uint8Array | Uint32Array | Int32Array,
  from: number,
  count: number,
): void {
  let bit = pos * 8;
  for (let i = from; i < from + count; i++, bit += width) {
    let v = 0;
    for (let k = 0; k < width; k++) {
      const b = bit + k;
      if ((((data[b >> 3] ?? 0) >> (b & 7)) & 1) === 1) v += 2 ** k;
    }
    out[i] = v;
  }
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let v = b; v !== 0; v >>= 1) n += v & 1;
  return n;
});

/**
 * Set bits among the `count` bits of `bits` from bit `from` (LSB-first, Arrow's and Parquet's bit
 * order): a validity bitmap's non-null count. Whole bytes go through a table, not bit by bit.
 */
export function countSetBits(bits: Uint8Array, from: number, count: number): number {
  let n = 0;
  let i = from;
  const end = from + count;
  for (; i < end && (i & 7) !== 0; i++) n += ((bits[i >> 3] ?? 0) >> (i & 7)) & 1;
  for (; i + 8 <= end; i += 8) n += POPCOUNT[bits[i >> 3] ?? 0] ?? 0;
  for (; i < end; i++) n += ((bits[i >> 3] ?? 0) >> (i & 7)) & 1;
  return n;
}

/**
 * Sets bits `[from, from + n)` of `bits` (LSB-first), marking rows valid: whole bytes at once, as
 * a bit per row was a visible share of reading and writing columns without nulls.
 */
export function setBitRange(bits: Uint8Array, from: number, n: number): void {
  const end = from + n;
  let i = from;
  for (; i < end && (i & 7) !== 0; i++) bits[i >> 3] = (bits[i >> 3] ?? 0) | (1 << (i & 7));
  const fullEnd = end & ~7;
  if (i < fullEnd) {
    bits.fill(0xff, i >> 3, fullEnd >> 3);
    i = fullEnd;
  }
  for (; i < end; i++) bits[i >> 3] = (bits[i >> 3] ?? 0) | (1 << (i & 7));
}

/**
 * Bytes of `value` (a non-negative integer below 2^53) as an unsigned LEB128 varint: the form of
 * RLE/bit-packed run headers, Thrift compact integers and the Snappy block length.
 */
export function varintLength(value: number): number {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

/**
 * Writes `value` (a non-negative integer below 2^53) as an unsigned LEB128 varint into `out` at
 * `at` (room for {@link varintLength} bytes assumed); returns the position after it. Division
 * rather than shifts: values past 2^32 exceed the bits bitwise operators keep.
 */
export function writeVarint(out: Uint8Array, at: number, value: number): number {
  let v = value;
  let i = at;
  while (v >= 0x80) {
    out[i++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[i++] = v;
  return i;
}
