import { type Data, makeData, RecordBatch, Struct, Type, type DataType } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import { isValidAt, listRange } from './arrow-data.js';
import { copyBytes } from './numbers.js';

/**
 * Gathering rows of Arrow data by index ("take"), which apache-arrow's JavaScript library does
 * not provide. `filterBatch` uses it so a filtered batch is one compact batch with the same
 * schema, ready to be sliced, concatenated or written, instead of a list of slices.
 */

/**
 * A new batch holding rows `indices` (ascending or not) of `batch`, with the same schema. `instead`
 * may give a column's data for the result itself (a column the caller will not read need not be
 * gathered); where it returns undefined, the column is gathered.
 */
export function takeBatch(
  batch: RecordBatch,
  indices: Int32Array,
  instead?: (column: Data) => Data | undefined,
): RecordBatch {
  const children = batch.data.children.map((child) => instead?.(child) ?? takeData(child, indices));
  const data = makeData({
    type: new Struct(batch.schema.fields),
    length: indices.length,
    nullCount: 0,
    children,
  });
  return new RecordBatch(batch.schema, data);
}

function takeValidity(
  data: Data,
  indices: Int32Array,
): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  if (data.nullCount === 0) return { nullBitmap: undefined, nullCount: 0 };
  const bitmap = new Uint8Array((indices.length + 7) >> 3);
  let nulls = 0;
  for (let j = 0; j < indices.length; j++) {
    if (isValidAt(data, indices[j] ?? 0)) bitmap[j >> 3] = (bitmap[j >> 3] ?? 0) | (1 << (j & 7));
    else nulls++;
  }
  return { nullBitmap: bitmap, nullCount: nulls };
}

/** Gathers rows `indices` of one column (any supported type, nested ones recursively). */
export function takeData(data: Data, indices: Int32Array): Data {
  const type: DataType = data.type;
  const length = indices.length;
  const { nullBitmap, nullCount } = takeValidity(data, indices);
  const base = { type, length, nullCount, nullBitmap };
  switch (data.typeId) {
    case Type.Null:
      return makeData({ type, length, nullCount: length });
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Timestamp:
    case Type.Time:
    case Type.Duration:
    case Type.Decimal:
    case Type.FixedSizeBinary:
    case Type.Interval: {
      const src = data.values as ArrayBufferView;
      const width = (src as Uint8Array).BYTES_PER_ELEMENT * data.stride;
      const Ctor = src.constructor as new (n: number) => ArrayBufferView;
      const values = new Ctor(length * data.stride);
      gatherFixed(bytesOf(src), bytesOf(values), width, indices);
      return makeData({ ...base, data: values } as Parameters<typeof makeData>[0]);
    }
    case Type.Bool: {
      const src = data.values as Uint8Array;
      const values = new Uint8Array((length + 7) >> 3);
      for (let j = 0; j < length; j++) {
        const pos = data.offset + (indices[j] ?? 0);
        if ((src[pos >> 3] ?? 0) & (1 << (pos & 7))) values[j >> 3] = (values[j >> 3] ?? 0) | (1 << (j & 7));
      }
      return makeData({ ...base, data: values } as Parameters<typeof makeData>[0]);
    }
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      if (data.typeId === Type.Utf8 || data.typeId === Type.Binary) {
        const { valueOffsets, bytes } = gatherBinary(data, indices);
        return makeData({ ...base, valueOffsets, data: bytes } as Parameters<typeof makeData>[0]);
      }
      const { offsets, ranges, total } = gatherRanges(data, indices);
      const src = data.values as Uint8Array;
      const bytes = new Uint8Array(total);
      let at = 0;
      for (const [start, end] of ranges) {
        bytes.set(src.subarray(start, end), at);
        at += end - start;
      }
      const valueOffsets = BigInt64Array.from(offsets, (o) => BigInt(o));
      return makeData({ ...base, valueOffsets, data: bytes } as Parameters<typeof makeData>[0]);
    }
    case Type.List:
    case Type.LargeList:
    case Type.Map: {
      const { offsets, ranges, total } = gatherRanges(data, indices);
      const childIndices = new Int32Array(total);
      let at = 0;
      for (const [start, end] of ranges) for (let k = start; k < end; k++) childIndices[at++] = k;
      const child = data.children[0];
      if (child === undefined) throw unsupported(data);
      const valueOffsets =
        data.typeId === Type.LargeList ? BigInt64Array.from(offsets, (o) => BigInt(o)) : offsets;
      return makeData({ ...base, valueOffsets, child: takeData(child, childIndices) } as Parameters<
        typeof makeData
      >[0]);
    }
    case Type.FixedSizeList: {
      const size = (type as { listSize?: number }).listSize ?? 1;
      const childIndices = new Int32Array(length * size);
      for (let j = 0; j < length; j++)
        for (let k = 0; k < size; k++)
          childIndices[j * size + k] = (indices[j] ?? 0) * size + k + data.offset * size;
      const child = data.children[0];
      if (child === undefined) throw unsupported(data);
      return makeData({ ...base, child: takeData(child, childIndices) } as Parameters<typeof makeData>[0]);
    }
    case Type.Struct:
      return makeData({ ...base, children: data.children.map((c) => takeData(c, indices)) } as Parameters<
        typeof makeData
      >[0]);
    case Type.Dictionary: {
      const keys = data.values as Uint8Array;
      const Ctor = keys.constructor as new (n: number) => Uint8Array;
      const out = new Ctor(length);
      for (let j = 0; j < length; j++) out[j] = keys[indices[j] ?? 0] ?? 0;
      return makeData({ ...base, data: out, dictionary: data.dictionary } as Parameters<typeof makeData>[0]);
    }
    default:
      throw unsupported(data);
  }
}

/** The bytes a typed array spans, without copying. */
function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * `out[j] = src[indices[j]]` for values `width` bytes wide. Whole values move as 32-bit words where
 * the width allows: reading a BigInt64Array element by element allocates a bigint per value, and
 * byte-by-byte copying was the larger part of splitting a partitioned append.
 */
function gatherFixed(src: Uint8Array, out: Uint8Array, width: number, indices: Int32Array): void {
  const n = indices.length;
  if (width % 4 === 0 && src.byteOffset % 4 === 0 && out.byteOffset % 4 === 0) {
    const per = width >> 2;
    const from = new Int32Array(src.buffer, src.byteOffset, src.byteLength >> 2);
    const to = new Int32Array(out.buffer, out.byteOffset, out.byteLength >> 2);
    if (per === 1) for (let j = 0; j < n; j++) to[j] = from[indices[j] ?? 0] ?? 0;
    else if (per === 2)
      for (let j = 0; j < n; j++) {
        const at = (indices[j] ?? 0) * 2;
        to[2 * j] = from[at] ?? 0;
        to[2 * j + 1] = from[at + 1] ?? 0;
      }
    else
      for (let j = 0; j < n; j++) {
        const at = (indices[j] ?? 0) * per;
        for (let w = 0; w < per; w++) to[j * per + w] = from[at + w] ?? 0;
      }
    return;
  }
  for (let j = 0; j < n; j++) {
    const at = (indices[j] ?? 0) * width;
    for (let b = 0; b < width; b++) out[j * width + b] = src[at + b] ?? 0;
  }
}

/**
 * Rows `indices` of a Utf8 or Binary column (32-bit offsets): offsets in one pass, bytes in a
 * second, with no per-row allocation; short values are copied in a loop, which beats a native
 * `set` of a subarray below a few dozen bytes.
 */
function gatherBinary(data: Data, indices: Int32Array): { valueOffsets: Int32Array; bytes: Uint8Array } {
  const from = data.valueOffsets as Int32Array;
  const src = data.values as Uint8Array;
  const n = indices.length;
  const valueOffsets = new Int32Array(n + 1);
  let total = 0;
  for (let j = 0; j < n; j++) {
    const i = indices[j] ?? 0;
    total += (from[i + 1] ?? 0) - (from[i] ?? 0);
    valueOffsets[j + 1] = total;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (let j = 0; j < n; j++) {
    const i = indices[j] ?? 0;
    const start = from[i] ?? 0;
    const end = from[i + 1] ?? 0;
    copyBytes(src, start, end, bytes, at);
    at += end - start;
  }
  return { valueOffsets, bytes };
}

/** New offsets for the gathered rows and the source `[start, end)` range of each. */
function gatherRanges(
  data: Data,
  indices: Int32Array,
): { offsets: Int32Array; ranges: Array<[number, number]>; total: number } {
  const offsets = new Int32Array(indices.length + 1);
  const ranges: Array<[number, number]> = [];
  let total = 0;
  for (let j = 0; j < indices.length; j++) {
    const range = listRange(data, indices[j] ?? 0);
    ranges.push(range);
    total += range[1] - range[0];
    offsets[j + 1] = total;
  }
  return { offsets, ranges, total };
}

function unsupported(data: Data): DeltaError {
  return new DeltaError(
    'NotImplemented',
    `filtering rows of Arrow type ${String(data.type)} is not supported`,
  );
}
