import {
  type Data,
  type DataType as ArrowType,
  type Decimal,
  type FixedSizeBinary,
  type Float,
  type Int,
  type Timestamp,
  DataType,
  DateUnit,
  Precision,
  TimeUnit,
  makeData,
} from 'apache-arrow';
import type { DataType as DeltaType } from '../protocol/schema.js';
import {
  type Selection,
  type Validity,
  gatherValidity,
  readIntWords,
  rowAt,
  validAt,
  validityProps,
  writeInt128,
} from './arrow-data.js';

/**
 * Conversion of one primitive column from whatever Arrow type the Parquet decoder produced to the
 * Arrow type of its Delta type: exact widening (byte → long, float → double, decimal(5,2) →
 * decimal(10,4), date → timestamp_ntz), timestamp units (INT96/nanos, millis, micros) to
 * microseconds, and the string/binary layouts (large offsets, views, fixed size) to plain ones.
 *
 * Returns `undefined` when the file's type cannot be read as the table's type; the caller turns
 * that into an `InvalidSchema` error naming the column.
 */
export function convertLeaf(
  src: Data,
  target: DeltaType,
  out: ArrowType,
  sel: Selection,
  length: number,
): Data | undefined {
  if (sameLayout(src.type, out, target)) {
    // Zero-copy: the buffers already hold exactly what the output type means; only relabel.
    if (sel === null) return (length === src.length ? src : src.slice(0, length)).clone(out);
    return gatherSameLayout(src, out, sel, length);
  }
  const validity = gatherValidity(src, sel, length);
  switch (target.type) {
    case 'byte':
    case 'short':
    case 'integer': {
      const bits = target.type === 'byte' ? 8 : target.type === 'short' ? 16 : 32;
      // Parquet has no 8- or 16-bit physical type: writers that omit the INT(8)/INT(16) annotation
      // leave byte and short columns as INT32. Read those with a range check instead of refusing.
      const checked =
        !intFits(src.type, bits) && DataType.isInt(src.type) && src.type.isSigned && src.type.bitWidth <= 32;
      if (!intFits(src.type, bits) && !checked) return undefined;
      const values = new (out.ArrayType as Int8ArrayConstructor)(length);
      const read = numberReader(src);
      const limit = 2 ** (bits - 1);
      for (let i = 0; i < length; i++) {
        if (!validAt(validity, i)) continue;
        const v = read(rowAt(sel, i));
        if (checked && (v < -limit || v >= limit))
          throw new RangeError(`value ${v} does not fit a ${target.type}`);
        values[i] = v;
      }
      return makeData({ type: out as Int, length, ...validityProps(validity), data: values });
    }
    case 'long': {
      if (!intFits(src.type, 64)) return undefined;
      const values = new BigInt64Array(length);
      const read = bigintReader(src);
      for (let i = 0; i < length; i++) if (validAt(validity, i)) values[i] = read(rowAt(sel, i));
      return makeData({ type: out as Int, length, ...validityProps(validity), data: values });
    }
    case 'float':
    case 'double': {
      const t = src.type;
      const ok =
        (DataType.isFloat(t) && (target.type === 'double' || (t as Float).precision !== Precision.DOUBLE)) ||
        (target.type === 'double' && DataType.isInt(t) && (t as Int).bitWidth <= 32);
      if (!ok) return undefined;
      const values = target.type === 'float' ? new Float32Array(length) : new Float64Array(length);
      const read = numberReader(src);
      for (let i = 0; i < length; i++) if (validAt(validity, i)) values[i] = read(rowAt(sel, i));
      return makeData({ type: out as Float, length, ...validityProps(validity), data: values });
    }
    case 'decimal':
      return convertDecimal(src, target.precision, target.scale, out as Decimal, sel, length, validity);
    case 'date': {
      if (!DataType.isDate(src.type)) return undefined;
      const values = new Int32Array(length);
      const read = bigintReader(src);
      const perDay = src.type.unit === DateUnit.DAY ? 1n : 86_400_000n;
      for (let i = 0; i < length; i++)
        if (validAt(validity, i)) values[i] = Number(floorDiv(read(rowAt(sel, i)), perDay));
      return makeData({ type: out, length, ...validityProps(validity), data: values } as never);
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      let scale: (v: bigint) => bigint;
      if (DataType.isTimestamp(src.type)) scale = toMicros((src.type as Timestamp).unit);
      else if (target.type === 'timestamp_ntz' && DataType.isDate(src.type) && src.type.unit === DateUnit.DAY)
        scale = (days) => days * 86_400_000_000n;
      else return undefined;
      const values = new BigInt64Array(length);
      const read = bigintReader(src);
      for (let i = 0; i < length; i++) if (validAt(validity, i)) values[i] = scale(read(rowAt(sel, i)));
      return makeData({ type: out as Timestamp, length, ...validityProps(validity), data: values });
    }
    case 'string':
    case 'binary':
      return convertBytes(src, out, sel, length, validity);
    default:
      return undefined;
  }
}

/** Whether `src` buffers can be used as `out` unchanged. */
function sameLayout(src: ArrowType, out: ArrowType, target: DeltaType): boolean {
  if (DataType.isInt(src) && DataType.isInt(out))
    return src.bitWidth === out.bitWidth && src.isSigned === out.isSigned;
  if (DataType.isFloat(src) && DataType.isFloat(out)) return src.precision === out.precision;
  if (DataType.isBool(src) && DataType.isBool(out)) return true;
  if ((DataType.isUtf8(src) || DataType.isBinary(src)) && (DataType.isUtf8(out) || DataType.isBinary(out)))
    return true;
  if (DataType.isDecimal(src) && DataType.isDecimal(out))
    return src.bitWidth === out.bitWidth && src.scale === out.scale && src.precision <= out.precision;
  if (DataType.isDate(src) && DataType.isDate(out)) return src.unit === out.unit;
  if (DataType.isTimestamp(src) && DataType.isTimestamp(out))
    return (
      src.unit === TimeUnit.MICROSECOND && (target.type === 'timestamp' || target.type === 'timestamp_ntz')
    );
  return false;
}

function gatherSameLayout(src: Data, out: ArrowType, sel: Int32Array, length: number): Data {
  const validity = gatherValidity(src, sel, length);
  if (DataType.isBool(out)) {
    const bits = new Uint8Array((length + 7) >> 3);
    const values = src.values as Uint8Array;
    for (let i = 0; i < length; i++) {
      const bit = src.offset + (sel[i] ?? 0);
      if ((((values[bit >> 3] ?? 0) >> (bit & 7)) & 1) === 1)
        bits[i >> 3] = (bits[i >> 3] ?? 0) | (1 << (i & 7));
    }
    return makeData({ type: out, length, ...validityProps(validity), data: bits } as never);
  }
  if (DataType.isUtf8(out) || DataType.isBinary(out))
    return convertBytes(src, out, sel, length, validity) as Data;
  const stride = DataType.isDecimal(out) ? (out as Decimal).bitWidth / 32 : 1;
  const from = src.values as Int32Array;
  const values = new (from.constructor as Int32ArrayConstructor)(length * stride);
  for (let i = 0; i < length; i++) {
    const j = (sel[i] ?? 0) * stride;
    for (let k = 0; k < stride; k++) values[i * stride + k] = from[j + k] ?? 0;
  }
  return makeData({ type: out, length, ...validityProps(validity), data: values } as never);
}

/** Whether an integer column of Arrow type `t` fits a signed integer of `bits` bits exactly. */
function intFits(t: ArrowType, bits: number): boolean {
  if (!DataType.isInt(t)) return false;
  return t.isSigned ? t.bitWidth <= bits : t.bitWidth < bits || (bits === 64 && t.bitWidth === 64);
}

function numberReader(src: Data): (j: number) => number {
  const values = src.values as ArrayLike<number | bigint>;
  return (j) => Number(values[j] ?? 0);
}

function bigintReader(src: Data): (j: number) => bigint {
  const values = src.values as ArrayLike<number | bigint>;
  if (DataType.isInt(src.type) && !src.type.isSigned && src.type.bitWidth === 64)
    return (j) => {
      const v = BigInt(values[j] ?? 0);
      // UINT64 beyond the signed range cannot be a Delta long; refusing beats wrapping to negative.
      if (v > 9223372036854775807n) throw new RangeError(`unsigned value ${v} does not fit a long`);
      return v;
    };
  return (j) => BigInt(values[j] ?? 0);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function toMicros(unit: TimeUnit): (v: bigint) => bigint {
  switch (unit) {
    case TimeUnit.SECOND:
      return (v) => v * 1_000_000n;
    case TimeUnit.MILLISECOND:
      return (v) => v * 1000n;
    case TimeUnit.MICROSECOND:
      return (v) => v;
    case TimeUnit.NANOSECOND:
      // Floor, not truncation toward zero: 1969-12-31T23:59:59.9999999 is still in the previous microsecond.
      return (v) => floorDiv(v, 1000n);
  }
}

function convertDecimal(
  src: Data,
  precision: number,
  scale: number,
  out: Decimal,
  sel: Selection,
  length: number,
  validity: Validity,
): Data | undefined {
  let read: (j: number) => bigint;
  let srcScale: number;
  if (DataType.isDecimal(src.type)) {
    const t = src.type as Decimal;
    if (t.scale > scale || t.precision - t.scale > precision - scale) return undefined;
    const width = t.bitWidth / 32;
    const words = src.values as Uint32Array;
    read = (j) => readIntWords(words, j * width, width);
    srcScale = t.scale;
  } else if (DataType.isInt(src.type)) {
    // Integer → decimal widening needs room for every digit of the integer type.
    const digits = { 8: 3, 16: 5, 32: 10, 64: 20 }[src.type.bitWidth] ?? 39;
    if (!src.type.isSigned || digits > precision - scale) return undefined;
    read = bigintReader(src);
    srcScale = 0;
  } else return undefined;
  const factor = 10n ** BigInt(scale - srcScale);
  const words = new Uint32Array(length * 4);
  for (let i = 0; i < length; i++)
    if (validAt(validity, i)) writeInt128(words, i * 4, read(rowAt(sel, i)) * factor);
  return makeData({ type: out, length, ...validityProps(validity), data: words });
}

/** Byte access to one row of a variable- or fixed-width binary/string column. */
interface ByteSource {
  size(j: number): number;
  copy(j: number, dst: Uint8Array, at: number): void;
}

function byteSource(src: Data): ByteSource | undefined {
  const t = src.type;
  if (DataType.isUtf8(t) || DataType.isBinary(t) || DataType.isLargeUtf8(t) || DataType.isLargeBinary(t)) {
    const offsets = src.valueOffsets as ArrayLike<number | bigint>;
    const values = src.values as Uint8Array;
    const start = (j: number) => Number(offsets[j] ?? 0);
    return {
      size: (j) => Number(offsets[j + 1] ?? 0) - start(j),
      copy: (j, dst, at) => dst.set(values.subarray(start(j), Number(offsets[j + 1] ?? 0)), at),
    };
  }
  if (DataType.isFixedSizeBinary(t)) {
    const width = (t as FixedSizeBinary).byteWidth;
    const values = src.values as Uint8Array;
    return {
      size: () => width,
      copy: (j, dst, at) => dst.set(values.subarray(j * width, (j + 1) * width), at),
    };
  }
  if (DataType.isUtf8View(t) || DataType.isBinaryView(t)) {
    const views = src.values as Uint8Array;
    const dv = new DataView(views.buffer, views.byteOffset, views.byteLength);
    const buffers = src.variadicBuffers;
    return {
      size: (j) => dv.getInt32(j * 16, true),
      copy: (j, dst, at) => {
        const len = dv.getInt32(j * 16, true);
        if (len <= 12) dst.set(views.subarray(j * 16 + 4, j * 16 + 4 + len), at);
        else {
          const buffer = buffers[dv.getInt32(j * 16 + 8, true)];
          const offset = dv.getInt32(j * 16 + 12, true);
          if (buffer === undefined) throw new RangeError(`view ${j} points to a missing buffer`);
          dst.set(buffer.subarray(offset, offset + len), at);
        }
      },
    };
  }
  return undefined;
}

function convertBytes(
  src: Data,
  out: ArrowType,
  sel: Selection,
  length: number,
  validity: Validity,
): Data | undefined {
  const bytes = byteSource(src);
  if (bytes === undefined) return undefined;
  const offsets = new Int32Array(length + 1);
  let total = 0;
  for (let i = 0; i < length; i++) {
    if (validAt(validity, i)) total += bytes.size(rowAt(sel, i));
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < length; i++) if (validAt(validity, i)) bytes.copy(rowAt(sel, i), data, offsets[i] ?? 0);
  return makeData({ type: out, length, ...validityProps(validity), valueOffsets: offsets, data } as never);
}
