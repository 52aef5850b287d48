import { describe, expect, it } from 'vitest';
import {
  type Data,
  type DataType as ArrowType,
  Bool,
  DateDay,
  Decimal,
  Dictionary,
  Field,
  Float32,
  Int16,
  Int32,
  Int8,
  LargeUtf8,
  Int64,
  List,
  Map_,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  TimestampNanosecond,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
} from 'apache-arrow';
import { writeParquetBytes } from '../parquet/write.js';
import { readParquetSchema } from '../parquet/read.js';
import type { DataType, StructField, StructType } from '../protocol/schema.js';
import { isDeltaError } from '../errors.js';
import { deltaToArrowSchema } from './arrow-schema.js';
import { type FileReadPlan, readDataFile } from './file-reader.js';
import { batchRowStrings } from './test-rows.js';

const field = (name: string, type: DataType, metadata: Record<string, unknown> = {}): StructField => ({
  name,
  type,
  nullable: true,
  metadata,
});
const prim = (type: string): DataType => ({ type }) as DataType;
const struct = (...fields: StructField[]): StructType => ({ type: 'struct', fields });

function parquet(columns: Record<string, Data>, maxRowGroupSize?: number): Uint8Array {
  const vectors = Object.fromEntries(Object.entries(columns).map(([k, d]) => [k, makeVector(d)]));
  return writeParquetBytes(new Table(vectors), maxRowGroupSize === undefined ? {} : { maxRowGroupSize });
}

function vec(values: unknown[], type: ArrowType): Data {
  const data = vectorFromArray(values, type).data[0];
  if (data === undefined) throw new Error('empty vector');
  return data;
}

async function rowsOf(
  bytes: Uint8Array,
  plan: FileReadPlan,
  partitionValues: Record<string, string | null> = {},
  deleted?: (i: number) => boolean,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  const file = {
    path: 'part-0.parquet',
    partitionValues,
    ...(deleted ? { deletedRows: { has: deleted } } : {}),
  };
  for await (const batch of readDataFile(bytes, file, plan)) {
    expect(batch.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(
      deltaToArrowSchema(plan.schema, plan.columns).fields.map((f) => `${f.name}:${String(f.type)}`),
    );
    rows.push(...batchRowStrings(batch).map((r) => JSON.parse(r) as Record<string, unknown>));
  }
  return rows;
}

const none = (schema: StructType, extra: Partial<FileReadPlan> = {}): FileReadPlan => ({
  schema,
  partitionColumns: [],
  columnMappingMode: 'none',
  ...extra,
});

describe('readDataFile type widening', () => {
  it('widens integers, floats, decimals and dates exactly', async () => {
    const bytes = parquet({
      b: vec([-128, 5, null], new Int8()),
      s: vec([-32768, 7, 1], new Int16()),
      i: vec([2147483647, -1, 0], new Int32()),
      f: vec([0.1, 2.5, null], new Float32()),
      d: makeData({
        type: new Decimal(2, 5, 128),
        length: 3,
        data: new Uint32Array([12345, 0, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0, 0, 0, 0]),
      }),
      day: makeData({ type: new DateDay(), length: 3, data: new Int32Array([0, -1, 18878]) }),
    });
    const schema = struct(
      field('b', prim('long')),
      field('s', prim('integer')),
      field('i', prim('double')),
      field('f', prim('double')),
      field('d', { type: 'decimal', precision: 10, scale: 4 }),
      field('day', prim('timestamp_ntz')),
    );
    const rows = await rowsOf(bytes, none(schema));
    expect(rows).toEqual([
      { b: '-128', d: '1234500e-4', day: '0us', f: Math.fround(0.1), i: 2147483647, s: -32768 },
      { b: '5', d: '-100e-4', day: '-86400000000us', f: 2.5, i: -1, s: 7 },
      { b: null, d: '0e-4', day: '1631059200000000us', f: null, i: 0, s: 1 },
    ]);
  });

  it('converts millisecond and nanosecond timestamps to microseconds, flooring nanos', async () => {
    const bytes = parquet({
      ms: makeData({
        type: new TimestampMillisecond('UTC'),
        length: 2,
        data: new BigInt64Array([1000n, -1n]),
      }),
      ns: makeData({ type: new TimestampNanosecond(), length: 2, data: new BigInt64Array([1999n, -1n]) }),
    });
    const rows = await rowsOf(
      bytes,
      none(struct(field('ms', prim('timestamp')), field('ns', prim('timestamp')))),
    );
    expect(rows).toEqual([
      { ms: '1000000us UTC', ns: '1us UTC' },
      { ms: '-1000us UTC', ns: '-1us UTC' },
    ]);
  });

  it('normalises large and dictionary-encoded strings to Utf8', async () => {
    const bytes = parquet({
      large: vec(['a', null, 'ccc'], new LargeUtf8()),
      dict: vec(['x', 'y', null], new Dictionary(new Utf8(), new Int32())),
    });
    // The Arrow schema embedded by the writer makes the decoder return these layouts again.
    expect(readParquetSchema(bytes).fields.map((f) => String(f.type))).toEqual([
      'LargeUtf8',
      'Dictionary<Int32, Utf8>',
    ]);
    const rows = await rowsOf(
      bytes,
      none(struct(field('large', prim('string')), field('dict', prim('string')))),
    );
    expect(rows).toEqual([
      { dict: 'x', large: 'a' },
      { dict: 'y', large: null },
      { dict: null, large: 'ccc' },
    ]);
  });

  it('refuses a type that cannot be read as the table type with InvalidSchema naming the column', async () => {
    const bytes = parquet({ c: vec(['1'], new Utf8()) });
    const run = rowsOf(bytes, none(struct(field('c', prim('integer')))));
    await expect(run).rejects.toSatisfy(
      (e: unknown) =>
        isDeltaError(e, 'InvalidSchema') &&
        /column c\b/.test(e.message) &&
        e.message.includes('part-0.parquet'),
    );
    const narrowing = rowsOf(
      parquet({ c: vec([1n], new Int64()) }),
      none(struct(field('c', prim('integer')))),
    );
    await expect(narrowing).rejects.toSatisfy((e: unknown) => isDeltaError(e, 'InvalidSchema'));
  });

  it('reads un-annotated INT32 as byte/short with a range check', async () => {
    const plan = none(struct(field('c', prim('short'))));
    expect(await rowsOf(parquet({ c: vec([-32768, 7], new Int32()) }), plan)).toEqual([
      { c: -32768 },
      { c: 7 },
    ]);
    await expect(rowsOf(parquet({ c: vec([40000], new Int32()) }), plan)).rejects.toSatisfy(
      (e: unknown) => isDeltaError(e, 'CorruptData') && e.message.includes('40000'),
    );
  });

  it('widens integers to decimals and drops deleted rows inside maps and structs', async () => {
    const entries = new Struct([new Field('key', new Utf8(), false), new Field('value', new Int32(), true)]);
    const mapType = new Map_(new Field('entries', entries, false));
    const bytes = parquet({
      n: vec([5, -3, 7], new Int32()),
      m: vec(
        [
          new Map([['a', 1]]),
          null,
          new Map([
            ['b', 2],
            ['c', null],
          ]),
        ],
        mapType,
      ),
      s: vec([{ x: 'p' }, { x: 'q' }, null], new Struct([new Field('x', new Utf8())])),
    });
    const schema = struct(
      field('n', { type: 'decimal', precision: 12, scale: 2 }),
      field('m', { type: 'map', keyType: prim('string'), valueType: prim('long'), valueContainsNull: true }),
      field('s', struct(field('x', prim('string')))),
    );
    expect(await rowsOf(bytes, none(schema), {}, (i) => i === 0)).toEqual([
      { m: null, n: '-300e-2', s: { x: 'q' } },
      {
        m: [
          ['b', '2'],
          ['c', null],
        ],
        n: '700e-2',
        s: null,
      },
    ]);
  });
});

describe('readDataFile schema evolution and names', () => {
  it('reads missing columns and nested fields as null and ignores extra ones', async () => {
    const inner = new Struct([new Field('x', new Int32())]);
    const bytes = parquet({ s: vec([{ x: 1 }, null], inner), extra: vec([true, false], new Bool()) });
    const schema = struct(
      field('s', struct(field('x', prim('integer')), field('y', prim('string')))),
      field('added', prim('long')),
    );
    expect(await rowsOf(bytes, none(schema))).toEqual([
      { added: null, s: { x: 1, y: null } },
      { added: null, s: null },
    ]);
  });

  it('matches names case-insensitively in mode none, and outputs the requested columns in order', async () => {
    const bytes = parquet({ ID: vec([1, 2], new Int32()), Name: vec(['a', 'b'], new Utf8()) });
    const schema = struct(field('id', prim('integer')), field('name', prim('string')));
    expect(await rowsOf(bytes, none(schema, { columns: ['name', 'id'] }))).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
  });

  it('uses physical names in mode name, nested too', async () => {
    const inner = new Struct([new Field('col-inner', new Int32())]);
    const bytes = parquet({ 'col-a': vec([{ 'col-inner': 4 }], inner), b: vec([1], new Int32()) });
    const schema = struct(
      field('a', struct(field('x', prim('integer'), { 'delta.columnMapping.physicalName': 'col-inner' })), {
        'delta.columnMapping.physicalName': 'col-a',
      }),
      field('b', prim('integer'), { 'delta.columnMapping.physicalName': 'col-b' }),
    );
    expect(await rowsOf(bytes, { ...none(schema), columnMappingMode: 'name' })).toEqual([
      { a: { x: 4 }, b: null },
    ]);
  });
});

describe('readDataFile column mapping mode id', () => {
  const idField = (name: string, id: number, physical: string) =>
    field(name, prim('integer'), {
      'delta.columnMapping.id': id,
      'delta.columnMapping.physicalName': physical,
    });
  const schema = struct(idField('a', 1, 'col-a'), idField('b', 2, 'col-b'));

  it('matches Parquet field ids, whatever the names in the file', async () => {
    const withId = (name: string, id: string) =>
      new Field(name, new Int32(), true, new Map([['PARQUET:field_id', id]]));
    const fields = [withId('renamed', '2'), withId('other', '1'), withId('col-b', '9')];
    const table = new Table(
      new RecordBatch(
        new Schema(fields),
        makeData({
          type: new Struct(fields),
          length: 1,
          nullCount: 0,
          children: [vec([20], new Int32()), vec([10], new Int32()), vec([99], new Int32())],
        }),
      ),
    );
    const bytes = writeParquetBytes(table);
    expect(readParquetSchema(bytes).fields[0]?.metadata.get('PARQUET:field_id')).toBe('2');
    expect(await rowsOf(bytes, { ...none(schema), columnMappingMode: 'id' })).toEqual([{ a: 10, b: 20 }]);
  });

  it('falls back to physical names when the file has no field ids', async () => {
    const bytes = parquet({ 'col-b': vec([2], new Int32()), a: vec([1], new Int32()) });
    expect(await rowsOf(bytes, { ...none(schema), columnMappingMode: 'id' })).toEqual([{ a: null, b: 2 }]);
  });
});

describe('readDataFile partition columns and deleted rows', () => {
  it('materialises partition values, preferring the log over a copy stored in the file', async () => {
    const bytes = parquet({ v: vec([1, 2], new Int32()), p: vec(['file', 'file'], new Utf8()) });
    const schema = struct(field('v', prim('integer')), field('p', prim('string')), field('d', prim('date')));
    const plan = none(schema, { partitionColumns: ['p', 'd'] });
    expect(await rowsOf(bytes, plan, { p: 'log', d: '2021-09-08' })).toEqual([
      { d: 18878, p: 'log', v: 1 },
      { d: 18878, p: 'log', v: 2 },
    ]);
    expect(
      await rowsOf(bytes, none(schema, { partitionColumns: ['p', 'd'], columns: ['d'] }), {
        p: null,
        d: null,
      }),
    ).toEqual([{ d: null }, { d: null }]);
    await expect(rowsOf(bytes, plan, { p: 'x', d: 'not-a-date' })).rejects.toSatisfy(
      (e: unknown) =>
        isDeltaError(e, 'CorruptData') && e.message.includes('part-0.parquet') && e.message.includes('d'),
    );
  });

  it('drops deleted rows by file row index across row groups, lists and strings included', async () => {
    const n = 25;
    const ids = Array.from({ length: n }, (_, i) => i);
    const bytes = parquet(
      {
        id: vec(ids, new Int32()),
        name: vec(
          ids.map((i) => (i % 4 === 0 ? null : `n${i}`)),
          new Utf8(),
        ),
        list: vec(
          ids.map((i) => (i % 5 === 0 ? null : Array.from({ length: i % 3 }, (_, k) => i * 10 + k))),
          new List(new Field('item', new Int32())),
        ),
      },
      7,
    );
    const schema = struct(
      field('id', prim('long')),
      field('name', prim('string')),
      field('list', { type: 'array', elementType: prim('integer'), containsNull: true }),
    );
    const deleted = (i: number) => i % 3 === 1 || i === 24;
    const rows = await rowsOf(bytes, none(schema), {}, deleted);
    const kept = ids.filter((i) => !deleted(i));
    expect(rows).toEqual(
      kept.map((i) => ({
        id: String(i),
        list: i % 5 === 0 ? null : Array.from({ length: i % 3 }, (_, k) => i * 10 + k),
        name: i % 4 === 0 ? null : `n${i}`,
      })),
    );
    expect(await rowsOf(bytes, none(schema), {}, () => true)).toEqual([]);
  });
});

describe('readDataFile errors and schema', () => {
  it('refuses undecodable bytes with CorruptData naming the file', async () => {
    const run = rowsOf(new TextEncoder().encode('nope'), none(struct(field('a', prim('integer')))));
    await expect(run).rejects.toSatisfy(
      (e: unknown) => isDeltaError(e, 'CorruptData') && e.message.includes('part-0.parquet'),
    );
  });

  it('refuses variant columns with UnsupportedFeature naming the column', () => {
    expect(() => deltaToArrowSchema(struct(field('v', prim('variant'))))).toThrow(
      /column v has type variant/,
    );
  });

  it('yields batches of one schema that concatenate across files', async () => {
    const schema = struct(field('a', prim('long')), field('p', prim('integer')));
    const plan = none(schema, { partitionColumns: ['p'] });
    const batches = [];
    for (const [bytes, p] of [
      [parquet({ a: vec([1], new Int8()) }), '1'],
      [parquet({ a: vec([2], new Int32()) }), null],
    ] as const)
      for await (const b of readDataFile(bytes, { path: 'f', partitionValues: { p } }, plan)) batches.push(b);
    const table = new Table(batches);
    expect(table.numRows).toBe(2);
    expect(table.schema).toBeInstanceOf(Schema);
    expect(table.getChild('p')?.toArray()).toEqual(new Int32Array([1, 0]));
    expect(table.getChild('p')?.get(1)).toBeNull();
  });
});
