import {
  type Data,
  type DataType as ArrowType,
  type Field,
  makeData,
  RecordBatch,
  type Schema,
  Struct,
} from 'apache-arrow';
import type { DataType, StructType } from '../protocol/schema.js';
import { deltaToArrowSchema } from '../scan/arrow-schema.js';

/**
 * Building Arrow columns of a table's logical form from plain JavaScript values, one
 * representation per Delta type — the one `parsePartitionValue` returns: long, timestamps and
 * decimals (unscaled) as bigint, other integers, floats and dates (days) as number, binary as
 * Uint8Array, booleans; plus structs as objects keyed by field name, arrays as arrays and maps as
 * `[key, value]` pairs. `null` (or `undefined`) is null. The input readers (`input.ts`) parse text
 * into this form; tests build batches with it.
 */

function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) nullCount++;
    else nullBitmap[i >> 3] = (nullBitmap[i >> 3] ?? 0) | (1 << (i & 7));
  });
  return { nullBitmap, nullCount };
}

function bytesColumn(type: ArrowType, values: readonly unknown[]): Data {
  const encoder = new TextEncoder();
  const parts = values.map((v) =>
    v === null || v === undefined
      ? new Uint8Array(0)
      : v instanceof Uint8Array
        ? v
        : encoder.encode(String(v)),
  );
  const valueOffsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => (valueOffsets[i + 1] = (valueOffsets[i] ?? 0) + p.length));
  const data = new Uint8Array(valueOffsets[values.length] ?? 0);
  parts.forEach((p, i) => data.set(p, valueOffsets[i] ?? 0));
  return makeData({ type, length: values.length, ...validity(values), valueOffsets, data } as never);
}

/**
 * A column of Delta type `type` (Arrow type `arrow`, from `deltaToArrowType`) holding `values`.
 * Values of the wrong JavaScript type are stored as zero/empty; callers validate first.
 */
export function columnData(type: DataType, arrow: ArrowType, values: readonly unknown[]): Data {
  const length = values.length;
  const v = validity(values);
  switch (type.type) {
    case 'string':
    case 'binary':
      return bytesColumn(arrow, values);
    case 'boolean': {
      const data = new Uint8Array((length + 7) >> 3);
      values.forEach((x, i) => {
        if (x === true) data[i >> 3] = (data[i >> 3] ?? 0) | (1 << (i & 7));
      });
      return makeData({ type: arrow, length, ...v, data } as never);
    }
    case 'byte':
    case 'short':
    case 'integer':
    case 'float':
    case 'double':
    case 'date': {
      const Ctor = (arrow as { ArrayType: new (n: number) => Int32Array }).ArrayType;
      const data = new Ctor(length);
      values.forEach((x, i) => (data[i] = typeof x === 'number' ? x : 0));
      return makeData({ type: arrow, length, ...v, data } as never);
    }
    case 'long':
    case 'timestamp':
    case 'timestamp_ntz':
      return makeData({
        type: arrow,
        length,
        ...v,
        data: BigInt64Array.from(values, (x) => (typeof x === 'bigint' ? x : 0n)),
      } as never);
    case 'decimal': {
      const data = new Uint32Array(length * 4);
      values.forEach((x, i) => {
        let u = BigInt.asUintN(128, typeof x === 'bigint' ? x : 0n);
        for (let w = 0; w < 4; w++) {
          data[i * 4 + w] = Number(u & 0xffffffffn);
          u >>= 32n;
        }
      });
      return makeData({ type: arrow, length, ...v, data } as never);
    }
    case 'struct': {
      const children = type.fields.map((f, k) => {
        const field = (arrow.children as Field[])[k];
        if (field === undefined) throw new TypeError(`no arrow field for ${f.name}`);
        return columnData(
          f.type,
          field.type,
          values.map((row) =>
            row === null || row === undefined ? null : (row as Record<string, unknown>)[f.name],
          ),
        );
      });
      return makeData({ type: arrow, length, ...v, children } as never);
    }
    case 'array':
    case 'map': {
      const items = values.flatMap((x) => (Array.isArray(x) ? (x as unknown[]) : []));
      const valueOffsets = new Int32Array(length + 1);
      values.forEach(
        (x, i) => (valueOffsets[i + 1] = (valueOffsets[i] ?? 0) + (Array.isArray(x) ? x.length : 0)),
      );
      const childField = (arrow.children as Field[])[0];
      if (childField === undefined) throw new TypeError('list without child');
      const childType: DataType =
        type.type === 'array'
          ? type.elementType
          : {
              type: 'struct',
              fields: [
                { name: 'key', type: type.keyType, nullable: false, metadata: {} },
                { name: 'value', type: type.valueType, nullable: true, metadata: {} },
              ],
            };
      const childValues =
        type.type === 'array'
          ? items
          : items.map((pair) => ({ key: (pair as unknown[])[0], value: (pair as unknown[])[1] }));
      const child = columnData(childType, childField.type, childValues);
      return makeData({ type: arrow, length, ...v, valueOffsets, child } as never);
    }
    default:
      throw new TypeError(`cannot build a column of type ${type.type}`);
  }
}

/** A batch of `schema`'s logical Arrow form from rows keyed by column name. */
export function batchOf(schema: StructType, rows: readonly Record<string, unknown>[]): RecordBatch {
  const arrow: Schema = deltaToArrowSchema(schema);
  const children = schema.fields.map((f, k) => {
    const field = arrow.fields[k];
    if (field === undefined) throw new TypeError(`no arrow field for ${f.name}`);
    return columnData(
      f.type,
      field.type,
      rows.map((r) => r[f.name] ?? null),
    );
  });
  return new RecordBatch(
    arrow,
    makeData({ type: new Struct(arrow.fields), length: rows.length, nullCount: 0, children }),
  );
}
