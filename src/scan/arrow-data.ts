import {
  type Data,
  type DataType as ArrowType,
  type Decimal,
  type List,
  type Map_,
  type Struct,
  DataType,
  makeData,
} from 'apache-arrow';

/**
 * Low-level helpers over Arrow `Data`: validity bits, row selections, all-null and constant
 * columns. They work on typed arrays directly because scans touch every value of every file, and
 * per-row objects would dominate the cost.
 *
 * Conventions of apache-arrow's `Data` that these rely on: after slicing, `values` and
 * `valueOffsets` are already shifted so that index `i` is row `i`, except boolean values and the
 * validity bitmap, which are addressed at bit `offset + i`.
 */

/**
 * Rows to take from a source column: `null` means all rows `0..length-1` in order (the common case,
 * kept allocation-free); otherwise the source row of each output row.
 */
export type Selection = Int32Array | null;

/** Source row of output row `i`. */
export function rowAt(sel: Selection, i: number): number {
  return sel === null ? i : (sel[i] ?? 0);
}

/** Whether row `j` of `data` is valid (not null). */
export function isValid(data: Data, j: number): boolean {
  const bitmap = data.nullBitmap;
  if (bitmap === undefined || bitmap === null || bitmap.length === 0)
    return DataType.isNull(data.type) === false;
  const bit = data.offset + j;
  return (((bitmap[bit >> 3] ?? 0) >> (bit & 7)) & 1) === 1;
}

/** A validity bitmap under construction. */
export interface Validity {
  readonly bitmap: Uint8Array;
  nullCount: number;
}

/** A bitmap of `length` rows, all valid. */
export function allValid(length: number): Validity {
  const bitmap = new Uint8Array((length + 7) >> 3).fill(0xff);
  return { bitmap, nullCount: 0 };
}

/** Marks row `i` null. */
export function setNull(v: Validity, i: number): void {
  const byte = v.bitmap[i >> 3] ?? 0;
  const mask = 1 << (i & 7);
  if ((byte & mask) !== 0) {
    v.bitmap[i >> 3] = byte & ~mask;
    v.nullCount++;
  }
}

/** Whether output row `i` is valid in a bitmap under construction. */
export function validAt(v: Validity, i: number): boolean {
  return (((v.bitmap[i >> 3] ?? 0) >> (i & 7)) & 1) === 1;
}

/** The validity of the selected rows of `src`. */
export function gatherValidity(src: Data, sel: Selection, length: number): Validity {
  const v = allValid(length);
  const bitmap = src.nullBitmap;
  if (DataType.isNull(src.type)) {
    for (let i = 0; i < length; i++) setNull(v, i);
  } else if (bitmap !== undefined && bitmap !== null && bitmap.length > 0) {
    for (let i = 0; i < length; i++) if (!isValid(src, rowAt(sel, i))) setNull(v, i);
  }
  return v;
}

/** `nullBitmap`/`nullCount` props for `makeData`, omitting the bitmap when nothing is null. */
export function validityProps(v: Validity): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  return v.nullCount === 0
    ? { nullBitmap: undefined, nullCount: 0 }
    : { nullBitmap: v.bitmap, nullCount: v.nullCount };
}

/**
 * Makes rows null where `v` says so, on top of the nulls `data` already has (its values and
 * children are kept). The new bitmap is laid out at `data.offset` so sliced data stays consistent.
 */
export function withExtraNulls<T extends ArrowType>(data: Data<T>, v: Validity): Data<T> {
  if (v.nullCount === 0) return data;
  const { offset, length } = data;
  const bitmap = new Uint8Array((offset + length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < length; i++) {
    if (validAt(v, i) && isValid(data, i)) {
      const bit = offset + i;
      bitmap[bit >> 3] = (bitmap[bit >> 3] ?? 0) | (1 << (bit & 7));
    } else nullCount++;
  }
  const buffers = data.buffers;
  return data.clone(data.type, offset, length, nullCount, [
    buffers[0],
    buffers[1],
    bitmap,
    buffers[3],
  ] as typeof buffers);
}

/**
 * A column of `length` nulls of Arrow type `type`, with correctly sized (zeroed) buffers so it
 * serialises and concatenates like any other column. Used for columns a file does not have.
 */
export function nullData(type: ArrowType, length: number): Data {
  const nullBitmap = new Uint8Array((length + 7) >> 3);
  if (DataType.isNull(type)) return makeData({ type, length });
  if (DataType.isStruct(type)) {
    const struct = type as Struct;
    return makeData({
      type: struct,
      length,
      nullCount: length,
      nullBitmap,
      children: struct.children.map((f) => nullData(f.type, length)),
    });
  }
  if (DataType.isList(type)) {
    const list = type as List;
    return makeData({
      type: list,
      length,
      nullCount: length,
      nullBitmap,
      valueOffsets: new Int32Array(length + 1),
      child: nullData(list.valueType, 0),
    });
  }
  if (DataType.isMap(type)) {
    const map = type as Map_;
    const entries = map.children[0];
    if (entries === undefined) throw new TypeError('map type without entries');
    return makeData({
      type: map,
      length,
      nullCount: length,
      nullBitmap,
      valueOffsets: new Int32Array(length + 1),
      child: nullData(entries.type, 0),
    });
  }
  if (DataType.isUtf8(type) || DataType.isBinary(type)) {
    return makeData({
      type,
      length,
      nullCount: length,
      nullBitmap,
      valueOffsets: new Int32Array(length + 1),
      data: new Uint8Array(0),
    } as never);
  }
  if (DataType.isBool(type)) {
    return makeData({ type, length, nullCount: length, nullBitmap, data: new Uint8Array(nullBitmap.length) });
  }
  const stride = DataType.isDecimal(type) ? (type as Decimal).bitWidth / 32 : 1;
  const ArrayType = type.ArrayType as new (n: number) => ArrayLike<number>;
  return makeData({
    type,
    length,
    nullCount: length,
    nullBitmap,
    data: new ArrayType(length * stride),
  } as never);
}

/** Writes a signed 128-bit integer into four little-endian 32-bit words at `words[at..at+3]`. */
export function writeInt128(words: Uint32Array, at: number, value: bigint): void {
  let x = BigInt.asUintN(128, value);
  for (let k = 0; k < 4; k++) {
    words[at + k] = Number(x & 0xffffffffn);
    x >>= 32n;
  }
}

/** Reads a signed integer of `width` little-endian 32-bit words starting at `words[at]`. */
export function readIntWords(words: Uint32Array, at: number, width: number): bigint {
  let x = 0n;
  for (let k = width - 1; k >= 0; k--) x = (x << 32n) | BigInt(words[at + k] ?? 0);
  return BigInt.asIntN(width * 32, x);
}
