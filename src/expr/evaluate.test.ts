import {
  Binary,
  Bool,
  type Data,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int32,
  Int64,
  List,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
  tableFromArrays,
  type DataType as ArrowType,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { DataType, StructType } from '../protocol/schema.js';
import { evaluatePredicate, filterBatch } from './evaluate.js';
import { parsePredicate } from './parse.js';

function bitmap(valid: boolean[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(valid.length / 8));
  valid.forEach((v, i) => {
    if (v) out[i >> 3] = (out[i >> 3] ?? 0) | (1 << (i & 7));
  });
  return out;
}

function batchOf(columns: Array<[string, Data]>): RecordBatch {
  const fields = columns.map(([name, data]) => new Field(name, data.type as ArrowType, true));
  const length = columns[0]?.[1].length ?? 0;
  const data = makeData({
    type: new Struct(fields),
    length,
    nullCount: 0,
    children: columns.map(([, d]) => d),
  });
  return new RecordBatch(new Schema(fields), data);
}

function f(name: string, type: DataType) {
  return { name, type, nullable: true, metadata: {} };
}

function dataOf<T extends ArrowType>(values: unknown[], type: T): Data {
  const data = vectorFromArray(values, type).data[0];
  if (data === undefined) throw new Error('no data');
  return data;
}

const innerType = new Struct([new Field('c', new Int64(), true)]);
const inner = makeData({
  type: innerType,
  length: 5,
  nullCount: 1,
  nullBitmap: bitmap([true, true, false, true, true]),
  children: [dataOf([1n, null, 3n, 4n, 5n], new Int64())],
});
const nested = makeData({
  type: new Struct([new Field('inner', innerType, true)]),
  length: 5,
  nullCount: 1,
  nullBitmap: bitmap([true, true, true, false, true]),
  children: [inner],
});
const decimals = makeData({
  type: new Decimal(2, 10, 128),
  length: 5,
  nullCount: 1,
  nullBitmap: bitmap([true, true, true, true, false]),
  data: Uint32Array.from([
    150, 0, 0, 0, 0xffffff6a, 0xffffffff, 0xffffffff, 0xffffffff, 1000, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0,
  ]),
});

const batch = batchOf([
  ['id', dataOf([1n, 2n, 3n, 9007199254740993n, null], new Int64())],
  ['i', dataOf([10, null, 30, 40, 50], new Int32())],
  ['x', dataOf([1.5, Number.NaN, null, -0, 2.5], new Float64())],
  ['fl', dataOf([1.1, 2.2, 3.3, null, 0], new Float32())],
  ['name', dataOf(['apple', 'banana', null, 'cherry', '€uro'], new Utf8())],
  ['flag', dataOf([true, false, null, true, false], new Bool())],
  [
    'd',
    makeData({
      type: new DateDay(),
      length: 5,
      nullCount: 0,
      data: Int32Array.from([18262, 18263, -1, 0, 18262]),
    }),
  ],
  [
    'ts',
    makeData({
      type: new TimestampMicrosecond('UTC'),
      length: 5,
      nullCount: 0,
      data: BigInt64Array.from([1577872800000000n, 0n, -1n, 1577872800000001n, 1577836800000000n]),
    }),
  ],
  ['price', decimals],
  [
    'bin',
    dataOf([Uint8Array.of(1), Uint8Array.of(1, 2), null, Uint8Array.of(), Uint8Array.of(255)], new Binary()),
  ],
  ['s', nested],
]);

const schema: StructType = {
  type: 'struct',
  fields: [
    f('id', { type: 'long' }),
    f('i', { type: 'integer' }),
    f('x', { type: 'double' }),
    f('fl', { type: 'float' }),
    f('name', { type: 'string' }),
    f('flag', { type: 'boolean' }),
    f('d', { type: 'date' }),
    f('ts', { type: 'timestamp' }),
    f('price', { type: 'decimal', precision: 10, scale: 2 }),
    f('bin', { type: 'binary' }),
    f('s', { type: 'struct', fields: [f('inner', { type: 'struct', fields: [f('c', { type: 'long' })] })] }),
  ],
};

function rowsWhere(where: string): number[] {
  const mask = evaluatePredicate(parsePredicate(where, schema), batch);
  return [...mask.keys()].filter((i) => mask[i] === 1);
}

describe('evaluatePredicate', () => {
  it('compares longs exactly beyond 2^53', () => {
    expect(rowsWhere('id = 9007199254740993')).toEqual([3]);
    expect(rowsWhere('id > 9007199254740992')).toEqual([3]);
    expect(rowsWhere('id >= 2 AND id < 3.5')).toEqual([1, 2]);
  });

  it('applies three-valued logic: null is never selected, NOT null is null', () => {
    expect(rowsWhere('i > 15')).toEqual([2, 3, 4]);
    expect(rowsWhere('NOT (i > 15)')).toEqual([0]);
    expect(rowsWhere('i > 15 OR i IS NULL')).toEqual([1, 2, 3, 4]);
    expect(rowsWhere('i IS NOT NULL AND id IS NULL')).toEqual([4]);
    expect(rowsWhere('i = NULL')).toEqual([]);
    expect(rowsWhere('NOT (i = NULL)')).toEqual([]);
    expect(rowsWhere('flag')).toEqual([0, 3]);
    expect(rowsWhere('NOT flag')).toEqual([1, 4]);
    expect(rowsWhere('flag OR i > 45')).toEqual([0, 3, 4]);
  });

  it('handles IN and NOT IN with nulls in the list', () => {
    expect(rowsWhere('i IN (10, 40)')).toEqual([0, 3]);
    expect(rowsWhere('i NOT IN (10, 40)')).toEqual([2, 4]);
    expect(rowsWhere('i NOT IN (10, NULL)')).toEqual([]);
    expect(rowsWhere('i IN (10, NULL)')).toEqual([0]);
    const many = Array.from({ length: 20 }, (_, k) => k * 10).join(', ');
    expect(rowsWhere(`i IN (${many})`)).toEqual([0, 2, 3, 4]);
    expect(rowsWhere(`i NOT IN (${many}, NULL)`)).toEqual([]);
  });

  it('orders NaN above all numbers and equal to itself; -0 equals 0', () => {
    expect(rowsWhere("x = 'NaN'")).toEqual([1]);
    expect(rowsWhere('x > 2')).toEqual([1, 4]);
    expect(rowsWhere('x < 2')).toEqual([0, 3]);
    expect(rowsWhere('x = 0')).toEqual([3]);
    expect(rowsWhere('x != 1.5')).toEqual([1, 3, 4]);
  });

  it('compares floats with literals rounded to float', () => {
    expect(rowsWhere('fl = 1.1')).toEqual([0]);
    expect(rowsWhere('fl > 2.2')).toEqual([2]);
  });

  it('compares strings by UTF-8 bytes and binary bytewise', () => {
    expect(rowsWhere("name > 'b'")).toEqual([1, 3, 4]);
    expect(rowsWhere("name < 'banana'")).toEqual([0]);
    expect(rowsWhere("name IN ('cherry', 'kiwi')")).toEqual([3]);
    expect(rowsWhere("bin > X'01'")).toEqual([1, 4]);
    expect(rowsWhere("bin = X''")).toEqual([3]);
  });

  it('compares dates, timestamps and decimals', () => {
    expect(rowsWhere("d = '2020-01-01'")).toEqual([0, 4]);
    expect(rowsWhere("d < DATE '1970-01-01'")).toEqual([2]);
    expect(rowsWhere("ts > TIMESTAMP '2020-01-01 10:00:00'")).toEqual([3]);
    expect(rowsWhere("ts = '2020-01-01T12:00:00+02:00'")).toEqual([0]);
    expect(rowsWhere("d = TIMESTAMP '2020-01-01 00:00:00'")).toEqual([0, 4]);
    expect(rowsWhere("ts >= DATE '2020-01-01'")).toEqual([0, 3, 4]);
    expect(rowsWhere('price = 1.5')).toEqual([0]);
    expect(rowsWhere('price < 0')).toEqual([1]);
    expect(rowsWhere('price > 0.045')).toEqual([0, 2, 3]);
    expect(rowsWhere('price >= 10')).toEqual([2]);
  });

  it('treats a field under a null struct as null', () => {
    expect(rowsWhere('s.inner.c > 0')).toEqual([0, 4]);
    expect(rowsWhere('s.inner.c IS NULL')).toEqual([1, 2, 3]);
    expect(rowsWhere('s.inner IS NULL')).toEqual([2, 3]);
    expect(rowsWhere('s IS NULL')).toEqual([3]);
  });

  it('compares two columns', () => {
    expect(rowsWhere('id < i')).toEqual([0, 2]);
  });

  it('works on sliced batches', () => {
    const sliced = batch.slice(2, 5);
    const mask = evaluatePredicate(parsePredicate("i > 35 AND name != 'x'", schema), sliced);
    expect([...mask]).toEqual([0, 1, 1]);
    const mask2 = evaluatePredicate(parsePredicate("flag AND d = '1970-01-01'", schema), sliced);
    expect([...mask2]).toEqual([0, 1, 0]);
  });
});

describe('filterBatch', () => {
  it('keeps the selected rows of every column type, nulls included', () => {
    const mask = Uint8Array.of(1, 0, 1, 0, 1);
    const out = filterBatch(batch, mask);
    expect(out.numRows).toBe(3);
    expect(out.schema.fields.map((x) => x.name)).toEqual(batch.schema.fields.map((x) => x.name));
    const picked = [0, 2, 4];
    for (const name of batch.schema.fields.map((x) => x.name)) {
      const src = batch.getChild(name);
      const dst = out.getChild(name);
      expect(dst?.toJSON(), name).toEqual(picked.map((i) => src?.get(i)));
    }
  });

  it('returns the batch itself when all rows pass and an empty batch when none do', () => {
    expect(filterBatch(batch, new Uint8Array(5).fill(1))).toBe(batch);
    expect(filterBatch(batch, new Uint8Array(5)).numRows).toBe(0);
  });

  it('gathers list columns from a sliced batch', () => {
    const listData = makeData({
      type: new List(new Field('element', new Utf8(), true)),
      length: 4,
      nullCount: 1,
      nullBitmap: bitmap([true, false, true, true]),
      valueOffsets: Int32Array.from([0, 2, 2, 3, 5]),
      child: dataOf(['a', 'b', null, 'd', 'e'], new Utf8()) as Data<Utf8>,
    });
    const b = batchOf([['l', listData]]).slice(1, 4);
    const out = filterBatch(b, Uint8Array.of(1, 0, 1));
    expect(
      out
        .getChild('l')
        ?.toArray()
        .map((v: { toArray(): unknown[] } | null) => (v === null ? null : [...v.toArray()])),
    ).toEqual([null, ['d', 'e']]);
  });

  it('evaluates and filters dictionary-encoded strings', () => {
    const dict = tableFromArrays({ s: ['b', 'a', 'b', 'c'] }).batches[0];
    if (dict === undefined) throw new Error('no batch');
    const s: StructType = { type: 'struct', fields: [f('s', { type: 'string' })] };
    const mask = evaluatePredicate(parsePredicate("s >= 'b' AND s IN ('b', 'z')", s), dict);
    expect([...mask]).toEqual([1, 0, 1, 0]);
    expect(
      filterBatch(dict, Uint8Array.of(0, 1, 0, 1))
        .getChild('s')
        ?.toJSON(),
    ).toEqual(['a', 'c']);
  });

  it('rejects a mask of the wrong length', () => {
    expect(() => filterBatch(batch, new Uint8Array(2))).toThrow(/2 entries for a batch of 5 rows/);
  });
});
