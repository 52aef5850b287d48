import { type Data, type RecordBatch, Type, TimeUnit, makeVector } from 'apache-arrow';
import { DeltaError } from '../errors.js';

/**
 * Low-level access to Arrow `Data` buffers. Predicates and the canonical row form read values
 * straight from the typed arrays rather than through `Vector.get`, which allocates per value and
 * converts decimals and timestamps into forms we would have to convert back.
 *
 * Slicing rules of apache-arrow that this relies on: for fixed-width types the value buffer is
 * already sliced (element `i` is at `values[i * stride]`), while validity bitmaps and boolean
 * bitmaps are not (bit `offset + i`); variable-width types slice their offsets, not their bytes.
 */

/** A column located in a batch, with the validity of all its ancestors folded in. */
export interface LocatedColumn {
  readonly data: Data;
  /** 1 where the value and every enclosing struct are non-null; `undefined` when all are. */
  readonly valid: Uint8Array | undefined;
}

/** Whether row `i` of `data` is non-null (its own bitmap only). */
export function isValidAt(data: Data, i: number): boolean {
  if (data.typeId === Type.Null) return false;
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || bitmap === undefined || bitmap.length === 0) return true;
  const pos = data.offset + i;
  return ((bitmap[pos >> 3] ?? 0) & (1 << (pos & 7))) !== 0;
}

/** The validity of `data` as one byte per row, or `undefined` when no row is null. */
export function validityOf(data: Data): Uint8Array | undefined {
  if (data.typeId === Type.Null) return new Uint8Array(data.length);
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || bitmap === undefined || bitmap.length === 0) return undefined;
  const out = new Uint8Array(data.length);
  const offset = data.offset;
  for (let i = 0; i < out.length; i++) {
    const pos = offset + i;
    out[i] = ((bitmap[pos >> 3] ?? 0) >> (pos & 7)) & 1;
  }
  return out;
}

function andValidity(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const out = new Uint8Array(a.length);
  for (let i = 0; i < out.length; i++) out[i] = (a[i] ?? 0) & (b[i] ?? 0);
  return out;
}

function childByName(data: Data, name: string): Data | undefined {
  const fields: ReadonlyArray<{ name: string }> =
    (data.type as { children?: Array<{ name: string }> }).children ?? [];
  let index = fields.findIndex((f) => f.name === name);
  if (index < 0) index = fields.findIndex((f) => f.name.toLowerCase() === name.toLowerCase());
  return index < 0 ? undefined : data.children[index];
}

/**
 * Finds the column at logical `path` in `batch` (through nested structs). A missing column is
 * `InvalidArgument`: the scan must decode every column a predicate reads.
 */
export function locateColumn(batch: RecordBatch, path: readonly string[]): LocatedColumn {
  let data: Data | undefined = batch.data;
  let valid: Uint8Array | undefined;
  for (let depth = 0; depth < path.length; depth++) {
    const name = path[depth] ?? '';
    const child: Data | undefined = data && data.typeId === Type.Struct ? childByName(data, name) : undefined;
    if (child === undefined) {
      throw new DeltaError(
        'InvalidArgument',
        `column ${path.slice(0, depth + 1).join('.')} is not in the record batch (columns: ${batch.schema.fields
          .map((f) => f.name)
          .join(', ')})`,
        { context: { column: path.join('.') } },
      );
    }
    if (depth > 0 && data !== undefined) valid = andValidity(valid, validityOf(data));
    data = child;
  }
  if (data === undefined || data === batch.data)
    throw new DeltaError('InvalidArgument', 'an empty column path cannot be read');
  return { data, valid: andValidity(valid, validityOf(data)) };
}

/** Reads element `i` of an Int64/Uint64/Timestamp/Date64 buffer as a bigint. */
export function bigIntAt(data: Data, i: number): bigint {
  const values = data.values as BigInt64Array | BigUint64Array | Int32Array;
  const v = values[i];
  return typeof v === 'bigint' ? v : BigInt(v ?? 0);
}

/** Reads element `i` of a Decimal (128 or 256 bit) as its unscaled two's-complement bigint. */
export function decimalAt(data: Data, i: number): bigint {
  const words = data.values as Uint32Array;
  const stride = data.stride;
  const base = i * stride;
  let out = 0n;
  for (let w = stride - 1; w >= 0; w--) out = (out << 32n) | BigInt(words[base + w] ?? 0);
  const bits = BigInt(stride * 32);
  return (words[base + stride - 1] ?? 0) & 0x8000_0000 ? out - (1n << bits) : out;
}

/** Reads element `i` of a Utf8/Binary (normal or large) or FixedSizeBinary buffer as bytes. */
export function bytesAt(data: Data, i: number): Uint8Array {
  const bytes = data.values as Uint8Array;
  if (data.typeId === Type.FixedSizeBinary) {
    const width = data.stride;
    return bytes.subarray(i * width, (i + 1) * width);
  }
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  return bytes.subarray(Number(offsets[i] ?? 0), Number(offsets[i + 1] ?? 0));
}

/** Reads element `i` of a Bool buffer. */
export function boolAt(data: Data, i: number): boolean {
  const pos = data.offset + i;
  return (((data.values as Uint8Array)[pos >> 3] ?? 0) & (1 << (pos & 7))) !== 0;
}

/** The `[start, end)` child range of list (or map) element `i`. */
export function listRange(data: Data, i: number): [number, number] {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  return [Number(offsets[i] ?? 0), Number(offsets[i + 1] ?? 0)];
}

/** Microseconds per unit of an Arrow Timestamp/Date64 column (negative: divide instead). */
export function timestampMicros(data: Data, i: number): bigint {
  const raw = bigIntAt(data, i);
  switch ((data.type as { unit?: TimeUnit }).unit) {
    case TimeUnit.SECOND:
      return raw * 1_000_000n;
    case TimeUnit.MILLISECOND:
      return raw * 1_000n;
    case TimeUnit.NANOSECOND: {
      const q = raw / 1_000n;
      return raw < 0n && q * 1_000n !== raw ? q - 1n : q;
    }
    default:
      return raw;
  }
}

/** Days since the epoch of element `i` of a Date column (DateDay or DateMillisecond). */
export function dateDaysAt(data: Data, i: number): number {
  if ((data.type as { unit?: number }).unit === 0) return Number((data.values as Int32Array)[i] ?? 0);
  return Math.floor(Number(bigIntAt(data, i)) / 86_400_000);
}

/** Reads element `i` through apache-arrow's own accessor, for encodings we do not special-case. */
export function genericAt(data: Data, i: number): unknown {
  return makeVector(data).get(i);
}
