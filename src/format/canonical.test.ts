import {
  Binary,
  Bool,
  type DataType as ArrowType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  makeData,
  Map_,
  Null,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
  type Data,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { DataType, StructType } from '../protocol/schema.js';
import { toCanonicalRows } from './canonical.js';

/** A batch from named columns; every column must have the same length. */
function batchOf(columns: Array<[string, Data, boolean?]>): RecordBatch {
  const fields = columns.map(
    ([name, data, nullable]) => new Field(name, data.type as ArrowType, nullable ?? true),
  );
  const length = columns[0]?.[1].length ?? 0;
  const data = makeData({
    type: new Struct(fields),
    length,
    nullCount: 0,
    children: columns.map(([, d]) => d),
  });
  return new RecordBatch(new Schema(fields), data);
}

function schemaOf(fields: Array<[string, DataType]>): StructType {
  return {
    type: 'struct',
    fields: fields.map(([name, type]) => ({ name, type, nullable: true, metadata: {} })),
  };
}

/** Validity bitmap from booleans (true = valid). */
function bitmap(valid: boolean[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(valid.length / 8));
  valid.forEach((v, i) => {
    if (v) out[i >> 3] = (out[i >> 3] ?? 0) | (1 << (i & 7));
  });
  return out;
}

/** Decimal128 data from unscaled bigints (null for null). */
function decimalData(values: Array<bigint | null>, precision: number, scale: number): Data {
  const words = new Uint32Array(values.length * 4);
  values.forEach((v, i) => {
    let x = BigInt.asUintN(128, v ?? 0n);
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number(x & 0xffffffffn);
      x >>= 32n;
    }
  });
  return makeData({
    type: new Decimal(scale, precision, 128),
    length: values.length,
    nullCount: values.filter((v) => v === null).length,
    nullBitmap: bitmap(values.map((v) => v !== null)),
    data: words,
  });
}

function timestampData(values: Array<bigint | null>, utc: boolean): Data {
  return makeData({
    type: new TimestampMicrosecond(utc ? 'UTC' : null),
    length: values.length,
    nullCount: values.filter((v) => v === null).length,
    nullBitmap: bitmap(values.map((v) => v !== null)),
    data: BigInt64Array.from(values, (v) => v ?? 0n),
  });
}

describe('toCanonicalRows: primitives', () => {
  it('renders integers, longs beyond 2^53 as strings, booleans and nulls', () => {
    const batch = batchOf([
      ['b', vectorFromArray([1, -128, null], new Int8()).data[0] as Data],
      ['s', vectorFromArray([300, null, -5], new Int16()).data[0] as Data],
      ['i', vectorFromArray([2147483647, 0, null], new Int32()).data[0] as Data],
      [
        'l',
        vectorFromArray([9007199254740991n, 9007199254740992n, -9223372036854775808n], new Int64())
          .data[0] as Data,
      ],
      ['f', vectorFromArray([true, null, false], new Bool()).data[0] as Data],
    ]);
    const schema = schemaOf([
      ['b', { type: 'byte' }],
      ['s', { type: 'short' }],
      ['i', { type: 'integer' }],
      ['l', { type: 'long' }],
      ['f', { type: 'boolean' }],
    ]);
    expect(toCanonicalRows(batch, schema)).toEqual([
      { b: 1, s: 300, i: 2147483647, l: 9007199254740991, f: true },
      { b: -128, s: null, i: 0, l: '9007199254740992', f: null },
      { b: null, s: -5, i: null, l: '-9223372036854775808', f: false },
    ]);
  });

  it('renders floats as the exact double of the float, and NaN/Infinity as strings', () => {
    const batch = batchOf([
      [
        'f',
        vectorFromArray([1.1, Number.NaN, Number.POSITIVE_INFINITY, null], new Float32()).data[0] as Data,
      ],
      ['d', vectorFromArray([0.1, Number.NEGATIVE_INFINITY, -0, 1e-7], new Float64()).data[0] as Data],
    ]);
    const rows = toCanonicalRows(
      batch,
      schemaOf([
        ['f', { type: 'float' }],
        ['d', { type: 'double' }],
      ]),
    );
    expect(rows).toEqual([
      { f: Math.fround(1.1), d: 0.1 },
      { f: 'NaN', d: '-Infinity' },
      { f: 'Infinity', d: -0 },
      { f: null, d: 1e-7 },
    ]);
    expect(rows[0]?.f).toBe(1.100000023841858);
  });

  it('renders decimals with exactly scale fraction digits', () => {
    const batch = batchOf([
      ['a', decimalData([-150n, 7n, 0n, null, 123456789012345678901234567890123456n], 38, 2)],
      ['b', decimalData([7n, -1n, 0n, 5n, null], 5, 0)],
    ]);
    const rows = toCanonicalRows(
      batch,
      schemaOf([
        ['a', { type: 'decimal', precision: 38, scale: 2 }],
        ['b', { type: 'decimal', precision: 5, scale: 0 }],
      ]),
    );
    expect(rows.map((r) => r.a)).toEqual([
      '-1.50',
      '0.07',
      '0.00',
      null,
      '1234567890123456789012345678901234.56',
    ]);
    expect(rows.map((r) => r.b)).toEqual(['7', '-1', '0', '5', null]);
  });

  it('renders strings and binary (base64)', () => {
    const bin = vectorFromArray([new Uint8Array([0, 255, 1]), null, new Uint8Array([])], new Binary())
      .data[0] as Data;
    const str = vectorFromArray(['héllo', '', null], new Utf8()).data[0] as Data;
    const rows = toCanonicalRows(
      batchOf([
        ['s', str],
        ['x', bin],
      ]),
      schemaOf([
        ['s', { type: 'string' }],
        ['x', { type: 'binary' }],
      ]),
    );
    expect(rows).toEqual([
      { s: 'héllo', x: 'AP8B' },
      { s: '', x: null },
      { s: null, x: '' },
    ]);
  });

  it('renders dates with four-digit and negative years', () => {
    const days = [0, -719528, -719528 - 365, 2932896, 18262, -1];
    const data = makeData({
      type: new DateDay(),
      length: days.length + 1,
      nullCount: 1,
      nullBitmap: bitmap([...days.map(() => true), false]),
      data: Int32Array.from([...days, 0]),
    });
    const rows = toCanonicalRows(batchOf([['d', data]]), schemaOf([['d', { type: 'date' }]]));
    expect(rows.map((r) => r.d)).toEqual([
      '1970-01-01',
      '0000-01-01',
      '-0001-01-01',
      '9999-12-31',
      '2020-01-01',
      '1969-12-31',
      null,
    ]);
  });

  it('renders timestamps with six fraction digits, Z only for timestamp', () => {
    const values = [0n, 1_577_872_800_123_456n, -1n, null];
    const rows = toCanonicalRows(
      batchOf([
        ['t', timestampData(values, true)],
        ['n', timestampData(values, false)],
      ]),
      schemaOf([
        ['t', { type: 'timestamp' }],
        ['n', { type: 'timestamp_ntz' }],
      ]),
    );
    expect(rows).toEqual([
      { t: '1970-01-01T00:00:00.000000Z', n: '1970-01-01T00:00:00.000000' },
      { t: '2020-01-01T10:00:00.123456Z', n: '2020-01-01T10:00:00.123456' },
      { t: '1969-12-31T23:59:59.999999Z', n: '1969-12-31T23:59:59.999999' },
      { t: null, n: null },
    ]);
  });

  it('renders a void column as null', () => {
    const data = makeData({ type: new Null(), length: 2 });
    expect(toCanonicalRows(batchOf([['v', data]]), schemaOf([['v', { type: 'void' }]]))).toEqual([
      { v: null },
      { v: null },
    ]);
  });
});

describe('toCanonicalRows: nested types', () => {
  it('renders structs with nulls at the struct and the field level', () => {
    const x = vectorFromArray([1, null, 3], new Int32()).data[0] as Data;
    const y = vectorFromArray(['a', 'b', null], new Utf8()).data[0] as Data;
    const type = new Struct([new Field('x', new Int32(), true), new Field('y', new Utf8(), true)]);
    const s = makeData({
      type,
      length: 3,
      nullCount: 1,
      nullBitmap: bitmap([true, true, false]),
      children: [x, y],
    });
    const schema = schemaOf([
      [
        's',
        {
          type: 'struct',
          fields: schemaOf([
            ['x', { type: 'integer' }],
            ['y', { type: 'string' }],
          ]).fields,
        },
      ],
    ]);
    expect(toCanonicalRows(batchOf([['s', s]]), schema)).toEqual([
      { s: { x: 1, y: 'a' } },
      { s: { x: null, y: 'b' } },
      { s: null },
    ]);
  });

  it('renders arrays with null arrays, empty arrays and null elements', () => {
    const values = vectorFromArray([1n, null, 3n], new Int64()).data[0] as Data<Int64>;
    const type = new List(new Field('element', new Int64(), true));
    const list = makeData({
      type,
      length: 4,
      nullCount: 1,
      nullBitmap: bitmap([true, false, true, true]),
      valueOffsets: Int32Array.from([0, 2, 2, 2, 3]),
      child: values,
    });
    const schema = schemaOf([['a', { type: 'array', elementType: { type: 'long' }, containsNull: true }]]);
    expect(toCanonicalRows(batchOf([['a', list]]), schema)).toEqual([
      { a: [1, null] },
      { a: null },
      { a: [] },
      { a: [3] },
    ]);
  });

  it('renders maps as arrays of {key, value} in file order, with null maps and null values', () => {
    const keys = vectorFromArray(['b', 'a', 'c'], new Utf8()).data[0] as Data;
    const vals = decimalData([150n, null, -1n], 10, 2);
    const entriesType = new Struct([
      new Field('key', new Utf8(), false),
      new Field('value', vals.type as ArrowType, true),
    ]);
    const entries = makeData({ type: entriesType, length: 3, nullCount: 0, children: [keys, vals] });
    const map = makeData({
      type: new Map_(new Field('entries', entriesType, false)),
      length: 3,
      nullCount: 1,
      nullBitmap: bitmap([true, false, true]),
      valueOffsets: Int32Array.from([0, 2, 2, 3]),
      child: entries,
    });
    const schema = schemaOf([
      [
        'm',
        {
          type: 'map',
          keyType: { type: 'string' },
          valueType: { type: 'decimal', precision: 10, scale: 2 },
          valueContainsNull: true,
        },
      ],
    ]);
    expect(toCanonicalRows(batchOf([['m', map]]), schema)).toEqual([
      {
        m: [
          { key: 'b', value: '1.50' },
          { key: 'a', value: null },
        ],
      },
      { m: null },
      { m: [{ key: 'c', value: '-0.01' }] },
    ]);
  });

  it('renders an array of structs holding maps, with nulls at every level', () => {
    const keys = vectorFromArray([1, 2], new Int32()).data[0] as Data;
    const vals = vectorFromArray([true, null], new Bool()).data[0] as Data;
    const entriesType = new Struct([
      new Field('key', new Int32(), false),
      new Field('value', new Bool(), true),
    ]);
    const entries = makeData({ type: entriesType, length: 2, nullCount: 0, children: [keys, vals] });
    const mapType = new Map_(new Field('entries', entriesType, false));
    const map = makeData({
      type: mapType,
      length: 3,
      nullCount: 1,
      nullBitmap: bitmap([true, false, true]),
      valueOffsets: Int32Array.from([0, 2, 2, 2]),
      child: entries,
    });
    const structType = new Struct([new Field('m', mapType, true)]);
    const struct = makeData({
      type: structType,
      length: 3,
      nullCount: 1,
      nullBitmap: bitmap([true, true, false]),
      children: [map],
    });
    const list = makeData({
      type: new List(new Field('element', structType, true)),
      length: 2,
      nullCount: 1,
      nullBitmap: bitmap([true, false]),
      valueOffsets: Int32Array.from([0, 3, 3]),
      child: struct,
    });
    const mapDelta: DataType = {
      type: 'map',
      keyType: { type: 'integer' },
      valueType: { type: 'boolean' },
      valueContainsNull: true,
    };
    const schema = schemaOf([
      [
        'a',
        {
          type: 'array',
          containsNull: true,
          elementType: { type: 'struct', fields: schemaOf([['m', mapDelta]]).fields },
        },
      ],
    ]);
    expect(toCanonicalRows(batchOf([['a', list]]), schema)).toEqual([
      {
        a: [
          {
            m: [
              { key: 1, value: true },
              { key: 2, value: null },
            ],
          },
          { m: null },
          null,
        ],
      },
      { a: null },
    ]);
  });

  it('follows schema order and logical names, and reads sliced batches correctly', () => {
    const a = vectorFromArray([1, 2, 3, null], new Int32()).data[0] as Data;
    const b = vectorFromArray(['w', 'x', null, 'z'], new Utf8()).data[0] as Data;
    const batch = batchOf([
      ['a', a],
      ['b', b],
    ]).slice(1, 4);
    const rows = toCanonicalRows(
      batch,
      schemaOf([
        ['b', { type: 'string' }],
        ['a', { type: 'integer' }],
      ]),
    );
    expect(rows).toEqual([
      { b: 'x', a: 2 },
      { b: null, a: 3 },
      { b: 'z', a: null },
    ]);
    expect(Object.keys(rows[0] ?? {})).toEqual(['b', 'a']);
  });

  it('refuses a schema column that is not in the batch', () => {
    const a = vectorFromArray([1], new Int32()).data[0] as Data;
    expect(() => toCanonicalRows(batchOf([['a', a]]), schemaOf([['missing', { type: 'integer' }]]))).toThrow(
      /missing/,
    );
  });
});
