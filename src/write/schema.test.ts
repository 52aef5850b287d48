import {
  Field,
  Int8,
  Int32,
  LargeUtf8,
  Schema,
  TimestampMillisecond,
  Uint64,
  Utf8,
  tableFromArrays,
  vectorFromArray,
  Dictionary,
  RecordBatch,
  Table,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import { toCanonicalRows } from '../format/canonical.js';
import type { DataType, StructType } from '../protocol/schema.js';
import { deltaToArrowSchema } from '../scan/arrow-schema.js';
import { FIELD_ID_KEY, PHYSICAL_NAME_KEY } from '../scan/column-mapping.js';
import { assignColumnMapping } from './column-mapping.js';
import { conformData } from './conform.js';
import { isSupportedWidening, mergeSchemas, TYPE_CHANGES_KEY } from './merge.js';
import { arrowToDeltaSchema } from './schema.js';
import { ALL_TYPES, batchOf, testField as f } from './test-data.js';

const code = (c: string, re?: RegExp) => (e: unknown) =>
  isDeltaError(e) && e.code === c && (!re || re.test(e.message));

async function rowsOf(data: Table | RecordBatch[], schema: StructType, options = {}) {
  const conformed = await conformData(data, schema, options);
  const out: Record<string, unknown>[] = [];
  for await (const b of conformed.batches) out.push(...toCanonicalRows(b, conformed.schema));
  return { rows: out, schema: conformed.schema, changed: conformed.schemaChanged };
}

describe('arrowToDeltaSchema', () => {
  it('inverts deltaToArrowSchema for every type', () => {
    const stripped = arrowToDeltaSchema(deltaToArrowSchema(ALL_TYPES));
    expect(stripped).toEqual(ALL_TYPES);
  });

  it('maps unsigned integers to wider signed types and refuses uint64 naming the column', () => {
    const schema = new Schema([new Field('u', new Int8()), new Field('big', new Uint64())]);
    expect(() => arrowToDeltaSchema(schema)).toThrow(/column big: unsigned 64-bit/);
  });
});

describe('conformData', () => {
  const table: StructType = {
    type: 'struct',
    fields: [f('id', { type: 'long' }, false), f('name', { type: 'string' }), f('score', { type: 'double' })],
  };

  it('reorders, matches names case-insensitively, widens exactly and fills missing nullable columns', async () => {
    const data = tableFromArrays({ SCORE: Float32Array.from([1.5, 2]), ID: Int32Array.from([1, 2]) });
    const { rows, changed } = await rowsOf(data, table);
    expect(changed).toBe(false);
    expect(rows).toEqual([
      { id: 1, name: null, score: 1.5 },
      { id: 2, name: null, score: 2 },
    ]);
  });

  it('accepts dictionary-encoded and large strings, and millisecond timestamps', async () => {
    const schema: StructType = {
      type: 'struct',
      fields: [f('a', { type: 'string' }), f('b', { type: 'string' }), f('t', { type: 'timestamp_ntz' })],
    };
    const a = vectorFromArray(['x', 'y', 'x'], new Dictionary(new Utf8(), new Int32()));
    const b = vectorFromArray(['p', null, 'q'], new LargeUtf8());
    const t = vectorFromArray([0, 1500, -1], new TimestampMillisecond());
    const batch = new RecordBatch({ a: a.data[0], b: b.data[0], t: t.data[0] } as never);
    const { rows } = await rowsOf([batch], schema);
    expect(rows).toEqual([
      { a: 'x', b: 'p', t: '1970-01-01T00:00:00.000000' },
      { a: 'y', b: null, t: '1970-01-01T00:00:01.500000' },
      { a: 'x', b: 'q', t: '1969-12-31T23:59:59.999000' },
    ]);
  });

  it('rejects a missing non-nullable column, an extra column and a lossy type, naming the column', async () => {
    await expect(conformData(tableFromArrays({ name: ['a'] }), table)).rejects.toSatisfy(
      code('SchemaMismatch', /column id is not nullable/),
    );
    await expect(conformData(tableFromArrays({ id: [1n], zzz: [1] }), table)).rejects.toSatisfy(
      code('SchemaMismatch', /zzz of the data is not in the table schema/),
    );
    await expect(conformData(tableFromArrays({ id: ['1'] }), table)).rejects.toSatisfy(
      code('SchemaMismatch', /column id has type long/),
    );
    await expect(conformData(tableFromArrays({ id: [1n], score: [1n] }), table)).rejects.toSatisfy(
      code('SchemaMismatch', /column score/),
    );
  });

  it('checks nested struct fields and nulls in non-nullable nested fields', async () => {
    const schema: StructType = {
      type: 'struct',
      fields: [
        f('s', { type: 'struct', fields: [f('x', { type: 'integer' }, false), f('y', { type: 'string' })] }),
      ],
    };
    const good = batchOf(schema, [{ s: { x: 1, y: 'a' } }, { s: null }]);
    expect((await rowsOf([good], schema)).rows).toEqual([{ s: { x: 1, y: 'a' } }, { s: null }]);
    const nullable: StructType = {
      type: 'struct',
      fields: [f('s', { type: 'struct', fields: [f('x', { type: 'integer' }), f('y', { type: 'string' })] })],
    };
    await expect(rowsOf([batchOf(nullable, [{ s: { x: null, y: 'a' } }])], schema)).rejects.toSatisfy(
      code('ConstraintViolation', /column s\.x/),
    );
    const extra: StructType = {
      type: 'struct',
      fields: [f('s', { type: 'struct', fields: [f('x', { type: 'integer' }), f('z', { type: 'long' })] })],
    };
    await expect(conformData([batchOf(extra, [])], schema)).rejects.toSatisfy(code('SchemaMismatch', /s\.z/));
  });

  it('merges new top-level and nested columns as nullable with mergeSchema', async () => {
    const incoming: StructType = {
      type: 'struct',
      fields: [f('id', { type: 'long' }, false), f('extra', { type: 'integer' }, false)],
    };
    const data = [batchOf(incoming, [{ id: 1n, extra: 9 }])];
    const { rows, schema, changed } = await rowsOf(data, table, { mergeSchema: true });
    expect(changed).toBe(true);
    expect(schema.fields.map((x) => [x.name, x.nullable])).toEqual([
      ['id', false],
      ['name', true],
      ['score', true],
      ['extra', true],
    ]);
    expect(rows).toEqual([{ id: 1, name: null, score: null, extra: 9 }]);
  });
});

describe('mergeSchemas', () => {
  const t = (type: DataType): StructType => ({ type: 'struct', fields: [f('c', type)] });

  it('widens with type widening and records delta.typeChanges with field paths', () => {
    const table = t({
      type: 'map',
      keyType: { type: 'string' },
      valueType: { type: 'short' },
      valueContainsNull: true,
    });
    const incoming = t({
      type: 'map',
      keyType: { type: 'string' },
      valueType: { type: 'long' },
      valueContainsNull: true,
    });
    expect(() => mergeSchemas(table, incoming)).toThrow(/needs type widening/);
    const merged = mergeSchemas(table, incoming, { typeWidening: true });
    expect(merged.fields[0]?.metadata[TYPE_CHANGES_KEY]).toEqual([
      { fromType: 'short', toType: 'long', fieldPath: 'value' },
    ]);
    expect(mergeSchemas(t({ type: 'long' }), t({ type: 'integer' }))).toEqual(t({ type: 'long' }));
    expect(() => mergeSchemas(t({ type: 'string' }), t({ type: 'long' }))).toThrow(
      /neither can hold the other/,
    );
  });

  it('keeps the schema object when nothing changes and adds nested fields inside arrays', () => {
    const table = t({
      type: 'array',
      elementType: { type: 'struct', fields: [f('a', { type: 'long' })] },
      containsNull: true,
    });
    expect(mergeSchemas(table, table)).toBe(table);
    const incoming = t({
      type: 'array',
      elementType: { type: 'struct', fields: [f('a', { type: 'long' }), f('b', { type: 'string' }, false)] },
      containsNull: true,
    });
    const merged = mergeSchemas(table, incoming);
    expect(merged.fields[0]?.type).toEqual(
      t({
        type: 'array',
        elementType: { type: 'struct', fields: [f('a', { type: 'long' }), f('b', { type: 'string' })] },
        containsNull: true,
      }).fields[0]?.type,
    );
  });

  it('follows the type-widening table of PROTOCOL.md', () => {
    const d = (precision: number, scale: number): DataType => ({ type: 'decimal', precision, scale });
    const yes: [DataType, DataType][] = [
      [{ type: 'byte' }, { type: 'long' }],
      [{ type: 'float' }, { type: 'double' }],
      [{ type: 'integer' }, { type: 'double' }],
      [{ type: 'date' }, { type: 'timestamp_ntz' }],
      [d(5, 2), d(8, 3)],
      [{ type: 'integer' }, d(10, 0)],
      [{ type: 'long' }, d(22, 2)],
    ];
    const no: [DataType, DataType][] = [
      [{ type: 'long' }, { type: 'integer' }],
      [{ type: 'long' }, { type: 'double' }],
      [{ type: 'date' }, { type: 'timestamp' }],
      [d(5, 2), d(6, 4)],
      [d(5, 2), d(5, 2)],
      [{ type: 'long' }, d(19, 0)],
    ];
    for (const [a, b] of yes)
      expect(isSupportedWidening(a, b), `${a.type} -> ${JSON.stringify(b)}`).toBe(true);
    for (const [a, b] of no)
      expect(isSupportedWidening(a, b), `${a.type} -> ${JSON.stringify(b)}`).toBe(false);
  });
});

describe('assignColumnMapping', () => {
  it('gives every field, nested ones included, an id and a col-<uuid> physical name, once', () => {
    const { schema, maxColumnId } = assignColumnMapping(ALL_TYPES, { mode: 'name', maxColumnId: 0 });
    const ids: number[] = [];
    const visit = (type: DataType): void => {
      if (type.type === 'struct')
        for (const field of type.fields) {
          ids.push(Number(field.metadata[FIELD_ID_KEY]));
          expect(field.metadata[PHYSICAL_NAME_KEY]).toMatch(/^col-[0-9a-f-]{36}$/);
          visit(field.type);
        }
    };
    visit(schema);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.max(...ids)).toBe(maxColumnId);
    expect(assignColumnMapping(schema, { mode: 'name', maxColumnId })).toEqual({ schema, maxColumnId });
    const grown: StructType = { type: 'struct', fields: [...schema.fields, f('new', { type: 'long' })] };
    const again = assignColumnMapping(grown, { mode: 'id', maxColumnId });
    expect(again.maxColumnId).toBe(maxColumnId + 1);
    expect(again.schema.fields.at(-1)?.metadata[FIELD_ID_KEY]).toBe(maxColumnId + 1);
    expect(assignColumnMapping(ALL_TYPES, { mode: 'none', maxColumnId: 3 }).schema).toBe(ALL_TYPES);
  });
});
