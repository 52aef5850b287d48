import { describe, expect, it } from 'vitest';
import { parseSchema } from '../protocol/schema.js';
import { isDeltaError } from '../errors.js';
import { deltaToArrowSchema, deltaToArrowType } from './arrow-schema.js';

const schema = parseSchema(
  JSON.stringify({
    type: 'struct',
    fields: [
      ['s', 'string'],
      ['l', 'long'],
      ['i', 'integer'],
      ['sh', 'short'],
      ['b', 'byte'],
      ['f', 'float'],
      ['d', 'double'],
      ['bo', 'boolean'],
      ['bi', 'binary'],
      ['da', 'date'],
      ['ts', 'timestamp'],
      ['ntz', 'timestamp_ntz'],
      ['dec', 'decimal(12,3)'],
      ['v', 'void'],
      ['st', { type: 'struct', fields: [{ name: 'x', type: 'integer', nullable: false, metadata: {} }] }],
      ['arr', { type: 'array', elementType: 'string', containsNull: false }],
      ['m', { type: 'map', keyType: 'string', valueType: 'long', valueContainsNull: true }],
    ].map(([name, type]) => ({ name, type, nullable: true, metadata: {} })),
  }),
);

describe('deltaToArrowSchema', () => {
  it('maps every Delta type to its Arrow type with logical names', () => {
    const arrow = deltaToArrowSchema(schema);
    expect(arrow.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      's:Utf8',
      'l:Int64',
      'i:Int32',
      'sh:Int16',
      'b:Int8',
      'f:Float32',
      'd:Float64',
      'bo:Bool',
      'bi:Binary',
      'da:Date32<DAY>',
      'ts:Timestamp<MICROSECOND, UTC>',
      'ntz:Timestamp<MICROSECOND>',
      'dec:Decimal[12e+3]',
      'v:Null',
      'st:Struct<{x:Int32}>',
      'arr:List<Utf8>',
      'm:Map<{key:Utf8, value:Int64}>',
    ]);
    const st = arrow.fields[14]?.type.children[0];
    expect(st?.nullable).toBe(false);
    expect(arrow.fields[15]?.type.children[0]?.nullable).toBe(false);
  });

  it('selects and orders columns, resolving names case-insensitively, and refuses unknown ones', () => {
    expect(deltaToArrowSchema(schema, ['TS', 's']).fields.map((f) => f.name)).toEqual(['ts', 's']);
    expect(() => deltaToArrowSchema(schema, ['nope'])).toThrow(/column nope is not in the table schema/);
  });

  it('refuses variant with UnsupportedFeature', () => {
    let caught: unknown;
    try {
      deltaToArrowType({ type: 'variant' }, 'payload');
    } catch (err) {
      caught = err;
    }
    expect(isDeltaError(caught, 'UnsupportedFeature')).toBe(true);
    expect(String(caught)).toContain('payload');
  });
});
