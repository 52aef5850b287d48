import {
  type Field,
  type FixedSizeBinary,
  type Float,
  type Int,
  type Schema,
  Data,
  DataType,
  DateUnit,
  Precision,
  RecordBatch,
  Struct,
  makeData,
} from 'apache-arrow';
import { countSetBits } from './bits.js';

/**
 * Reading decoded columns out of WebAssembly memory through the Arrow C data interface
 * (https://arrow.apache.org/docs/format/CDataInterface.html) instead of an IPC round trip: the
 * decoder exports its arrays as `ArrowArray` structs, and each buffer is copied once, straight into
 * a JavaScript typed array of the right class. The result ({@link ColumnBuffers}) is plain data that
 * survives a worker-thread hop (its typed arrays can be transferred), and becomes apache-arrow
 * `Data` with {@link toRecordBatch} without further copying.
 *
 * Only layouts this file knows are read this way ({@link ffiReadable}); anything else (dictionary,
 * union, view and interval columns) goes through IPC, which handles every type.
 */

/** One decoded column (or nested child): its buffers in apache-arrow's `Data` roles. */
export interface ColumnBuffers {
  readonly length: number;
  readonly nullCount: number;
  readonly valueOffsets?: Int32Array | BigInt64Array;
  readonly values?: ArrayBufferView;
  readonly nullBitmap?: Uint8Array;
  readonly children: readonly ColumnBuffers[];
}

/** One decoded record batch: its row count and top-level columns. */
export interface DecodedBatch {
  readonly numRows: number;
  readonly columns: readonly ColumnBuffers[];
}

/** Whether every column of `type` has a layout {@link readFfiArray} can copy. */
export function ffiReadable(type: DataType): boolean {
  if (
    DataType.isNull(type) ||
    DataType.isBool(type) ||
    fixedWidth(type) !== undefined ||
    DataType.isUtf8(type) ||
    DataType.isBinary(type) ||
    DataType.isLargeUtf8(type) ||
    DataType.isLargeBinary(type)
  )
    return true;
  if (
    DataType.isList(type) ||
    DataType.isLargeList(type) ||
    DataType.isFixedSizeList(type) ||
    DataType.isStruct(type) ||
    DataType.isMap(type)
  )
    return type.children.every((f: Field) => ffiReadable(f.type));
  return false;
}

/** Bytes per value of a fixed-width primitive type, or undefined for other layouts. */
function fixedWidth(type: DataType): number | undefined {
  if (DataType.isInt(type)) return (type as Int).bitWidth / 8;
  if (DataType.isFloat(type)) {
    const p = (type as Float).precision;
    return p === Precision.HALF ? 2 : p === Precision.SINGLE ? 4 : 8;
  }
  if (DataType.isDecimal(type)) return type.bitWidth / 8;
  if (DataType.isDate(type)) return type.unit === DateUnit.DAY ? 4 : 8;
  if (DataType.isTime(type)) return type.bitWidth / 8;
  if (DataType.isTimestamp(type) || DataType.isDuration(type)) return 8;
  if (DataType.isFixedSizeBinary(type)) return (type as FixedSizeBinary).byteWidth;
  return undefined;
}

/** The exported struct does not look like the type the schema promised. */
export class FfiLayoutError extends Error {}

type TypedArrayCtor<T extends ArrayBufferView> = new (
  buffer: ArrayBuffer,
  offset: number,
  length: number,
) => T;

/**
 * Copies the `ArrowArray` at address `addr` of `memory` (wasm32 layout: 64-bit counts, 32-bit
 * pointers) into JavaScript-owned buffers, reading it as `type`. Throws {@link FfiLayoutError} when
 * the struct's offset, buffer count or child count does not fit `type`, so the caller can fall back
 * to IPC instead of producing wrong data.
 */
export function readFfiArray(memory: ArrayBuffer, addr: number, type: DataType): ColumnBuffers {
  return new FfiReader(memory).array(addr, type);
}

class FfiReader {
  private readonly view: DataView;
  private readonly bytes: Uint8Array;

  constructor(memory: ArrayBuffer) {
    this.view = new DataView(memory);
    this.bytes = new Uint8Array(memory);
  }

  array(addr: number, type: DataType): ColumnBuffers {
    const length = this.i64(addr);
    let nullCount = this.i64(addr + 8);
    const offset = this.i64(addr + 16);
    const nBuffers = this.i64(addr + 24);
    const nChildren = this.i64(addr + 32);
    const buffers = this.u32(addr + 40);
    const children = this.u32(addr + 44);
    if (offset !== 0) throw new FfiLayoutError(`array offset ${offset}`);
    const buffer = (k: number): number => {
      if (k >= nBuffers) throw new FfiLayoutError(`buffer ${k} of ${nBuffers} for ${String(type)}`);
      return this.u32(buffers + 4 * k);
    };
    const child = (k: number, childType: DataType): ColumnBuffers => {
      if (k >= nChildren) throw new FfiLayoutError(`child ${k} of ${nChildren} for ${String(type)}`);
      return this.array(this.u32(children + 4 * k), childType);
    };
    if (DataType.isNull(type)) return { length, nullCount: length, children: [] };
    // Buffer 0 is the validity bitmap in every layout read here; a column without nulls needs none.
    let nullBitmap: Uint8Array | undefined;
    const validityAddr = buffer(0);
    if (nullCount !== 0 && validityAddr !== 0) {
      nullBitmap = this.copy(validityAddr, (length + 7) >> 3, Uint8Array, 1);
      if (nullCount < 0) nullCount = length - countSetBits(nullBitmap, 0, length);
    } else nullCount = 0;
    const base = { length, nullCount, ...(nullBitmap ? { nullBitmap } : {}) };
    if (DataType.isBool(type))
      return { ...base, values: this.copy(buffer(1), (length + 7) >> 3, Uint8Array, 1), children: [] };
    const width = fixedWidth(type);
    if (width !== undefined) {
      const Ctor = type.ArrayType as TypedArrayCtor<ArrayBufferView>;
      const per = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      return { ...base, values: this.copy(buffer(1), length * width, Ctor, per), children: [] };
    }
    const large = DataType.isLargeUtf8(type) || DataType.isLargeBinary(type) || DataType.isLargeList(type);
    if (
      DataType.isUtf8(type) ||
      DataType.isBinary(type) ||
      DataType.isLargeUtf8(type) ||
      DataType.isLargeBinary(type)
    ) {
      const valueOffsets = this.offsets(buffer(1), length, large);
      const end = Number(valueOffsets[length] ?? 0);
      return { ...base, valueOffsets, values: this.copy(buffer(2), end, Uint8Array, 1), children: [] };
    }
    if (DataType.isList(type) || DataType.isLargeList(type) || DataType.isMap(type)) {
      const valueOffsets = this.offsets(buffer(1), length, large);
      const element = type.children[0];
      if (element === undefined) throw new FfiLayoutError(`${String(type)} without a child type`);
      return { ...base, valueOffsets, children: [child(0, element.type)] };
    }
    if (DataType.isFixedSizeList(type) || DataType.isStruct(type)) {
      const fields: Field[] = type.children;
      if (nChildren !== fields.length)
        throw new FfiLayoutError(`${nChildren} children for ${fields.length} fields`);
      return { ...base, children: fields.map((f, k) => child(k, f.type)) };
    }
    throw new FfiLayoutError(`no C data interface reader for ${String(type)}`);
  }

  private offsets(addr: number, length: number, large: boolean): Int32Array | BigInt64Array {
    if (length === 0 && addr === 0) return large ? new BigInt64Array(1) : new Int32Array(1);
    return large
      ? this.copy(addr, (length + 1) * 8, BigInt64Array, 8)
      : this.copy(addr, (length + 1) * 4, Int32Array, 4);
  }

  /** Copies `byteLength` bytes at `addr` into a fresh typed array of class `Ctor`. */
  private copy<T extends ArrayBufferView>(
    addr: number,
    byteLength: number,
    Ctor: TypedArrayCtor<T>,
    per: number,
  ): T {
    const out = new ArrayBuffer(byteLength);
    if (byteLength > 0) {
      if (addr === 0 || addr + byteLength > this.bytes.length)
        throw new FfiLayoutError(`buffer at ${addr} of ${byteLength} bytes is outside wasm memory`);
      new Uint8Array(out).set(this.bytes.subarray(addr, addr + byteLength));
    }
    return new Ctor(out, 0, byteLength / per);
  }

  private i64(at: number): number {
    return Number(this.view.getBigInt64(at, true));
  }

  private u32(at: number): number {
    return this.view.getUint32(at, true);
  }
}

/** apache-arrow `Data` of `type` over the buffers of `column` (no copy). */
export function toData(type: DataType, column: ColumnBuffers): Data {
  const fields: Field[] = type.children ?? [];
  const children = fields.map((f, k) => {
    const c = column.children[k];
    if (c === undefined) throw new FfiLayoutError(`missing child ${k} of ${String(type)}`);
    return toData(f.type, c);
  });
  return new Data(
    type,
    0,
    column.length,
    column.nullCount,
    [column.valueOffsets, column.values, column.nullBitmap, undefined] as never,
    children,
  );
}

/** A record batch of `schema` over the columns of `batch` (no copy). */
export function toRecordBatch(schema: Schema, batch: DecodedBatch): RecordBatch {
  const children = schema.fields.map((f, k) => {
    const c = batch.columns[k];
    if (c === undefined) throw new FfiLayoutError(`missing column ${f.name}`);
    return toData(f.type, c);
  });
  const type = new Struct(schema.fields);
  return new RecordBatch(schema, makeData({ type, length: batch.numRows, nullCount: 0, children }));
}

/** The ArrayBuffers of `batch`, for a transfer list: they move to the receiver instead of copying. */
export function transferables(batch: DecodedBatch): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const visit = (c: ColumnBuffers): void => {
    for (const b of [c.valueOffsets, c.values, c.nullBitmap])
      if (b !== undefined && b.buffer instanceof ArrayBuffer) out.push(b.buffer);
    c.children.forEach(visit);
  };
  batch.columns.forEach(visit);
  return out;
}
