import {
  type Data,
  type DataType as ArrowType,
  type Field,
  makeData,
  RecordBatch,
  type Schema,
  Struct,
} from 'apache-arrow';
import type { DataType, StructField, StructType } from '../protocol/schema.js';
import { deltaToArrowSchema } from '../scan/arrow-schema.js';

/**
 * Test helper: builds Arrow columns of the table's logical form from plain JavaScript values, one
 * representation per Delta type (the partition-value one: long, timestamps and decimals as bigint
 * — decimals unscaled —, dates as day numbers, binary as Uint8Array, structs as objects, arrays as
 * arrays, maps as `[key, value]` pairs). `null` is null. Used by the writer's tests only.
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

/** A column of `type` (a Delta type, Arrow type `arrow`) holding `values`. */
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
      throw new TypeError(`test data for ${type.type} is not supported`);
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

/** A field without metadata. */
export function testField(name: string, type: DataType, nullable = true): StructField {
  return { name, type, nullable, metadata: {} };
}
const f = testField;

/** Every Delta type the writer handles, two partition columns (string and integer). */
export const ALL_TYPES: StructType = {
  type: 'struct',
  fields: [
    f('id', { type: 'long' }, false),
    f('b', { type: 'byte' }),
    f('sh', { type: 'short' }),
    f('i', { type: 'integer' }),
    f('fl', { type: 'float' }),
    f('db', { type: 'double' }),
    f('bo', { type: 'boolean' }),
    f('s', { type: 'string' }),
    f('bin', { type: 'binary' }),
    f('dt', { type: 'date' }),
    f('ts', { type: 'timestamp' }),
    f('tn', { type: 'timestamp_ntz' }),
    f('dec', { type: 'decimal', precision: 10, scale: 2 }),
    f('big', { type: 'decimal', precision: 30, scale: 5 }),
    f('st', {
      type: 'struct',
      fields: [f('x', { type: 'integer' }), f('y', { type: 'string' }, false)],
    }),
    f('arr', { type: 'array', elementType: { type: 'integer' }, containsNull: true }),
    f('m', {
      type: 'map',
      keyType: { type: 'string' },
      valueType: { type: 'long' },
      valueContainsNull: true,
    }),
    f('p', { type: 'string' }),
    f('q', { type: 'integer' }),
  ],
};

/** Partition values that need escaping in directory names and in `add.path`. */
export const SPECIAL_PARTITIONS = ['a b', '100%', 'x=y', 'a/b', 'ünï€', 'c:d#e', null, '%2F'];

/** Rows of {@link ALL_TYPES}, one per special partition value. */
export function allTypesRows(): Record<string, unknown>[] {
  return SPECIAL_PARTITIONS.map((p, k) => ({
    id: BigInt(k) * 3_000_000_000n - 5n,
    b: k % 2 === 0 ? -128 + k : null,
    sh: 1000 * k - 32768,
    i: k === 3 ? null : k * 7,
    fl: k === 2 ? Number.NaN : Math.fround(k * 0.1),
    db: k === 4 ? Number.POSITIVE_INFINITY : k * -1.25,
    bo: k % 3 === 0,
    s: k === 5 ? null : `${'s'.repeat(k * 6)}-${k}😀`,
    bin: new Uint8Array([k, 255, 0]),
    dt: 18000 + k * 400 - 30000,
    ts: 1_700_000_000_123_456n + BigInt(k) * 86_400_000_000n,
    tn: -1_000_001n + BigInt(k),
    dec: BigInt(k * 12345 - 50000),
    big: 10n ** 28n + BigInt(k),
    st: k === 1 ? null : { x: k, y: `y${k}` },
    arr: k === 2 ? null : [k, null, k + 1],
    m:
      k === 0
        ? []
        : [
            [`k${k}`, BigInt(k)],
            ['z', null],
          ],
    p,
    q: k % 2,
  }));
}
