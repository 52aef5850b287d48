import { describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import { toCanonicalRows } from '../format/canonical.js';
import { writeParquetBytes } from '../parquet/write.js';
import type { StructType } from '../protocol/schema.js';
import { inputFormat, readInputFile } from './input.js';
import { arrowToDeltaSchema } from './schema.js';
import { batchOf, testField as f } from './test-data.js';
import { Table } from 'apache-arrow';

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);

async function read(text: string, name: string, schema?: StructType) {
  const table = await readInputFile(enc(text), name, schema ? { schema } : {});
  const delta = arrowToDeltaSchema(table.schema);
  return { delta, rows: table.batches.flatMap((b) => toCanonicalRows(b, delta)) };
}

describe('readInputFile', () => {
  it('infers long, double, boolean, timestamp, date and string from NDJSON', async () => {
    const { delta, rows } = await read(
      [
        '{"id": 1, "x": 1.5, "ok": true, "at": "2024-01-31T10:00:00Z", "d": "2024-02-29", "s": "a", "n": {"k": 1}, "l": [1, 2]}',
        '{"id": 2, "x": 2, "ok": null, "at": "2024-01-31T11:00:00+01:00", "d": null, "s": 5, "extra": null}',
      ].join('\n'),
      'in.ndjson',
    );
    expect(delta.fields.map((x) => [x.name, x.type.type])).toEqual([
      ['id', 'long'],
      ['x', 'double'],
      ['ok', 'boolean'],
      ['at', 'timestamp'],
      ['d', 'date'],
      ['s', 'string'],
      ['n', 'struct'],
      ['l', 'array'],
      ['extra', 'string'],
    ]);
    expect(rows[1]).toMatchObject({ id: 2, x: 2, at: '2024-01-31T10:00:00.000000Z', s: '5', n: null });
    expect(rows[0]).toMatchObject({ d: '2024-02-29', n: { k: 1 }, l: [1, 2] });
  });

  it('infers CSV columns and leaves zone-less date-times as strings', async () => {
    const { delta, rows } = await read(
      'a,b,c,d,e\n1,x,TRUE,2024-01-01 10:00:00,\n2,y,false,2024-01-01 11:00:00,\n',
      'in.csv',
    );
    expect(delta.fields.map((x) => x.type.type)).toEqual(['long', 'string', 'boolean', 'string', 'string']);
    expect(rows).toEqual([
      { a: 1, b: 'x', c: true, d: '2024-01-01 10:00:00', e: null },
      { a: 2, b: 'y', c: false, d: '2024-01-01 11:00:00', e: null },
    ]);
  });

  it('parses values into the table schema and names line and column of a bad value', async () => {
    const schema: StructType = {
      type: 'struct',
      fields: [
        f('id', { type: 'integer' }),
        f('amount', { type: 'decimal', precision: 10, scale: 2 }),
        f('at', { type: 'timestamp_ntz' }),
        f('tags', {
          type: 'map',
          keyType: { type: 'string' },
          valueType: { type: 'long' },
          valueContainsNull: true,
        }),
      ],
    };
    const { rows } = await read('id,amount,at\n7,-1.5,2024-01-01 10:00:00.123456\n', 'in.csv', schema);
    expect(rows).toEqual([{ id: 7, amount: '-1.50', at: '2024-01-01T10:00:00.123456' }]);
    const json = await read('{"id": 1, "tags": {"a": 1}, "amount": "3"}\n', 'in.jsonl', schema);
    expect(json.rows).toEqual([{ id: 1, amount: '3.00', tags: [{ key: 'a', value: 1 }] }]);
    await expect(read('id,amount\n1,2\n2,abc\n', 'in.csv', schema)).rejects.toSatisfy(
      (e: unknown) => isDeltaError(e, 'InvalidArgument') && /in\.csv line 3, column amount/.test(e.message),
    );
    await expect(read('{"id": 1}\n{"id": 2, "zzz": 1}\n', 'in.ndjson', schema)).rejects.toSatisfy(
      (e: unknown) => isDeltaError(e, 'InvalidArgument') && /line 2: column zzz/.test(e.message),
    );
    await expect(read('{"id": 99999999999}\n', 'in.ndjson', schema)).rejects.toSatisfy(
      (e: unknown) => isDeltaError(e, 'InvalidArgument') && /line 1, column id/.test(e.message),
    );
  });

  it('reads Parquet as stored and refuses unknown extensions', async () => {
    const schema: StructType = {
      type: 'struct',
      fields: [f('n', { type: 'long' }), f('s', { type: 'string' })],
    };
    const bytes = writeParquetBytes(new Table([batchOf(schema, [{ n: 5n, s: 'x' }])]));
    const table = await readInputFile(bytes, 'data.PARQUET');
    expect(toCanonicalRows(table.batches[0] ?? batchOf(schema, []), schema)).toEqual([{ n: 5, s: 'x' }]);
    expect(() => inputFormat('x.xlsx')).toThrow(/unknown format/);
  });
});
