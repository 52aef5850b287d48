import { type Data, makeVector } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Add } from '../protocol/actions.js';
import type { DataType, StructType } from '../protocol/schema.js';
import { columnData } from '../write/columns.js';
import { physicalArrowSchema } from '../write/physical.js';
import { checkpointBatch, fileActionColumn, jsonColumn } from './checkpoint-arrow.js';
import { checkpointSchema, toBuilderValue } from './checkpoint-schema.js';

const SCHEMA = checkpointSchema({ statsAsJson: true }, true);
const ARROW = physicalArrowSchema(SCHEMA, 'none', []);

/** Plain JavaScript values of a column, nested rows and maps as JSON, for comparing columns. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && 'toJSON' in v && typeof v.toJSON === 'function') return plain(v.toJSON());
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function valuesOf(data: Data): unknown[] {
  return [...makeVector(data)].map(plain);
}

const wrong = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ maxLength: 3 }),
  fc.double(),
  fc.boolean(),
  fc.constant([]),
);

/** JSON-shaped values of `type`, mixed with values of the wrong shape. */
function valueArb(type: DataType): fc.Arbitrary<unknown> {
  switch (type.type) {
    case 'string':
      return fc.oneof(fc.string(), fc.string({ unit: 'binary' }), wrong);
    case 'long':
      return fc.oneof(
        fc.maxSafeInteger(),
        fc.integer({ min: -5, max: 5 }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
        fc.constantFrom(2 ** 53, -(2 ** 60), 1e20, 2 ** 32, -(2 ** 32), -1, 0.5, -0),
        wrong,
      );
    case 'integer':
      return fc.oneof(fc.integer(), wrong);
    case 'boolean':
      return fc.oneof(fc.boolean(), wrong);
    case 'map':
      return fc.oneof(fc.dictionary(fc.string({ maxLength: 4 }), valueArb(type.valueType)), wrong);
    case 'array':
      return fc.oneof(fc.array(valueArb(type.elementType), { maxLength: 4 }), wrong);
    case 'struct':
      return fc.oneof(
        fc.record(Object.fromEntries(type.fields.map((f) => [f.name, valueArb(f.type)])), {
          requiredKeys: [],
        }),
        wrong,
      );
    default:
      throw new Error(`no arbitrary for ${type.type}`);
  }
}

describe('jsonColumn', () => {
  it('builds the same column as the general builder over toBuilderValue, for every checkpoint column', () => {
    SCHEMA.fields.forEach((field, k) => {
      const arrowType = ARROW.fields[k]?.type;
      if (arrowType === undefined) throw new Error(`no Arrow field for ${field.name}`);
      fc.assert(
        fc.property(fc.array(valueArb(field.type), { maxLength: 12 }), (values) => {
          const fast = jsonColumn(field.type, arrowType, values);
          const general = columnData(
            field.type,
            arrowType,
            values.map((v) => toBuilderValue(v, field.type)),
          );
          expect(fast.length).toBe(values.length);
          expect(fast.nullCount).toBe(general.nullCount);
          expect(valuesOf(fast)).toEqual(valuesOf(general));
        }),
        { numRuns: 150 },
      );
    });
  });

  it('writes longs exactly, beyond 32 bits and negative, wrapping beyond 64 bits', () => {
    const type = ARROW.fields.find((f) => f.name === 'txn')?.type.children[1]?.type;
    if (type === undefined) throw new Error('no txn.version');
    const values = [
      0,
      -1,
      2 ** 32,
      -(2 ** 32) - 1,
      Number.MAX_SAFE_INTEGER,
      -(2 ** 53) + 1,
      2 ** 60,
      '-12',
      2n ** 64n + 5n,
    ];
    expect(valuesOf(jsonColumn({ type: 'long' }, type, values))).toEqual([
      0n,
      -1n,
      2n ** 32n,
      -(2n ** 32n) - 1n,
      2n ** 53n - 1n,
      -(2n ** 53n) + 1n,
      2n ** 60n,
      -12n,
      5n,
    ]);
  });

  it('encodes non-ASCII strings, including a surrogate pair split across two values, one by one', () => {
    const type = ARROW.fields.find((f) => f.name === 'txn')?.type.children[0]?.type;
    if (type === undefined) throw new Error('no txn.appId');
    const values = ['a', 'é', '\ud83d', '\ude00', null, '😀'];
    expect(valuesOf(jsonColumn({ type: 'string' }, type, values))).toEqual([
      'a',
      'é',
      '\ufffd',
      '\ufffd',
      null,
      '😀',
    ]);
  });
});

describe('fileActionColumn', () => {
  it('writes dataChange false in every row and computes the parsed fields per action', () => {
    const k = SCHEMA.fields.findIndex((f) => f.name === 'add');
    const base = SCHEMA.fields[k]?.type as StructType;
    const type: StructType = {
      ...base,
      fields: [...base.fields, { name: 'x_parsed', type: { type: 'long' }, nullable: true, metadata: {} }],
    };
    const arrow = physicalArrowSchema(
      { type: 'struct', fields: [{ name: 'add', type, nullable: true, metadata: {} }] },
      'none',
      [],
    ).fields[0]?.type;
    if (arrow === undefined) throw new Error('no add type');
    const adds: Add[] = [
      { path: 'a', partitionValues: { p: '1' }, size: 3, modificationTime: 7, dataChange: true },
      { path: 'b', partitionValues: {}, size: 4, modificationTime: 8, dataChange: true, tags: { t: 'v' } },
    ];
    const data = fileActionColumn(
      type,
      arrow,
      adds,
      new Map([['x_parsed', (a: Add) => BigInt(a.size * 10)]]),
    );
    expect(data.nullCount).toBe(0);
    expect(valuesOf(data)).toEqual([
      expect.objectContaining({
        path: 'a',
        partitionValues: { p: '1' },
        size: 3n,
        dataChange: false,
        tags: null,
        x_parsed: 30n,
      }),
      expect.objectContaining({
        path: 'b',
        partitionValues: {},
        modificationTime: 8n,
        dataChange: false,
        tags: { t: 'v' },
        x_parsed: 40n,
      }),
    ]);
  });
});

describe('checkpointBatch', () => {
  it('leaves every column but the given ones null and reuses cached null columns', () => {
    const nulls = new Map<string, Data>();
    const txn = { values: [{ appId: 'x', version: 1 }, null] };
    const a = checkpointBatch(SCHEMA, ARROW, 2, new Map([['txn', txn]]), nulls);
    const b = checkpointBatch(SCHEMA, ARROW, 2, new Map([['txn', txn]]), nulls);
    expect(a.numRows).toBe(2);
    expect(a.getChild('add')?.nullCount).toBe(2);
    expect(a.getChild('add')?.data[0]).toBe(b.getChild('add')?.data[0]);
    expect(valuesOf(a.getChild('txn')?.data[0] as Data)).toEqual([
      { appId: 'x', version: 1n, lastUpdated: null },
      null,
    ]);
  });
});
