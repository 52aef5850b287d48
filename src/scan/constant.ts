import { type Data, type DataType as ArrowType, makeData } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import type { DataType as DeltaType } from '../protocol/schema.js';
import { nullData, writeInt128 } from './arrow-data.js';

/**
 * A column holding the same value in every row: how partition columns, which live in the log
 * rather than in data files, become ordinary Arrow columns. `value` is in the representation of
 * `parsePartitionValue`; null gives an all-null column.
 */
export function constantData(out: ArrowType, type: DeltaType, value: unknown, length: number): Data {
  if (value === null || value === undefined) return nullData(out, length);
  const wrong = (): DeltaError =>
    new DeltaError('InvalidArgument', `a ${type.type} column cannot hold the constant ${String(value)}`);
  switch (type.type) {
    case 'string':
    case 'binary': {
      const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
      if (!(bytes instanceof Uint8Array)) throw wrong();
      const data = new Uint8Array(bytes.length * length);
      const offsets = new Int32Array(length + 1);
      for (let i = 0; i < length; i++) {
        data.set(bytes, i * bytes.length);
        offsets[i + 1] = (i + 1) * bytes.length;
      }
      return makeData({ type: out, length, nullCount: 0, valueOffsets: offsets, data } as never);
    }
    case 'byte':
    case 'short':
    case 'integer':
    case 'float':
    case 'double':
    case 'date': {
      if (typeof value !== 'number') throw wrong();
      const Ctor = out.ArrayType as Int32ArrayConstructor;
      return makeData({ type: out, length, nullCount: 0, data: new Ctor(length).fill(value) } as never);
    }
    case 'long':
    case 'timestamp':
    case 'timestamp_ntz': {
      if (typeof value !== 'bigint') throw wrong();
      return makeData({
        type: out,
        length,
        nullCount: 0,
        data: new BigInt64Array(length).fill(value),
      } as never);
    }
    case 'boolean': {
      if (typeof value !== 'boolean') throw wrong();
      const bits = new Uint8Array((length + 7) >> 3).fill(value ? 0xff : 0);
      return makeData({ type: out, length, nullCount: 0, data: bits } as never);
    }
    case 'decimal': {
      if (typeof value !== 'bigint') throw wrong();
      const one = new Uint32Array(4);
      writeInt128(one, 0, value);
      const words = new Uint32Array(length * 4);
      for (let i = 0; i < length; i++) words.set(one, i * 4);
      return makeData({ type: out, length, nullCount: 0, data: words } as never);
    }
    default:
      throw wrong();
  }
}
