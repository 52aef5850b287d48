import { describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import type { DataType, StructType } from '../protocol/schema.js';
import type { CompareExpr, Expr, InExpr, LiteralExpr } from './ast.js';
import { referencedColumns } from './columns.js';
import { parsePredicate } from './parse.js';

function field(name: string, type: DataType) {
  return { name, type, nullable: true, metadata: {} };
}

const schema: StructType = {
  type: 'struct',
  fields: [
    field('id', { type: 'long' }),
    field('i', { type: 'integer' }),
    field('b', { type: 'byte' }),
    field('f', { type: 'float' }),
    field('x', { type: 'double' }),
    field('price', { type: 'decimal', precision: 10, scale: 2 }),
    field('name', { type: 'string' }),
    field('flag', { type: 'boolean' }),
    field('d', { type: 'date' }),
    field('ts', { type: 'timestamp' }),
    field('ntz', { type: 'timestamp_ntz' }),
    field('bin', { type: 'binary' }),
    field('weird name.with dot', { type: 'integer' }),
    field('s', {
      type: 'struct',
      fields: [field('inner', { type: 'struct', fields: [field('c', { type: 'long' })] })],
    }),
    field('arr', { type: 'array', elementType: { type: 'integer' }, containsNull: true }),
  ],
};

function literalOf(text: string): LiteralExpr {
  const expr = parsePredicate(text, schema);
  if (expr.kind !== 'compare') throw new Error(`expected a comparison from ${text}`);
  return expr.right as LiteralExpr;
}

function errorOf(text: string): { message: string; offset: unknown } {
  try {
    parsePredicate(text, schema);
  } catch (err) {
    if (isDeltaError(err, 'InvalidPredicate')) return { message: err.message, offset: err.context.offset };
    throw err;
  }
  throw new Error(`no error for ${text}`);
}

describe('parsePredicate: typing literals against columns', () => {
  it('coerces integers to the column type', () => {
    expect(literalOf('id = 5')).toEqual({ kind: 'literal', type: { type: 'long' }, value: 5n });
    expect(literalOf('i = -7')).toEqual({ kind: 'literal', type: { type: 'integer' }, value: -7 });
    expect(literalOf('id = 9223372036854775807').value).toBe(9223372036854775807n);
  });

  it('keeps literals that do not fit the column in a wider exact type', () => {
    expect(literalOf('b < 300')).toEqual({ kind: 'literal', type: { type: 'integer' }, value: 300 });
    expect(literalOf('i > 2.5')).toEqual({
      kind: 'literal',
      type: { type: 'decimal', precision: 2, scale: 1 },
      value: 25n,
    });
    expect(literalOf('i = 2.0')).toEqual({ kind: 'literal', type: { type: 'integer' }, value: 2 });
  });

  it('coerces decimals exactly, and floats by rounding to 32 bits', () => {
    expect(literalOf('price = 1.5')).toEqual({
      kind: 'literal',
      type: { type: 'decimal', precision: 10, scale: 2 },
      value: 150n,
    });
    expect(literalOf('price >= 0.125').type).toEqual({ type: 'decimal', precision: 3, scale: 3 });
    expect(literalOf('f = 1.1').value).toBe(Math.fround(1.1));
    expect(literalOf('x = 1e-7').value).toBe(1e-7);
    expect(Number.isNaN(literalOf("x = 'NaN'").value)).toBe(true);
  });

  it('reads strings as dates and timestamps for temporal columns', () => {
    expect(literalOf("d = '2020-01-01'")).toEqual({ kind: 'literal', type: { type: 'date' }, value: 18262 });
    expect(literalOf("d = DATE '1970-01-02'").value).toBe(1);
    expect(literalOf("ts = TIMESTAMP '2020-01-01 10:00:00'").value).toBe(1577872800000000n);
    expect(literalOf("ts = '2020-01-01T10:00:00+02:00'").value).toBe(1577865600000000n);
    expect(literalOf("ts = TIMESTAMP '2020-01-01 10:00:00.123456Z'").value).toBe(1577872800123456n);
    expect(literalOf("ntz = TIMESTAMP_NTZ '2020-01-01 10:00:00'")).toEqual({
      kind: 'literal',
      type: { type: 'timestamp_ntz' },
      value: 1577872800000000n,
    });
    expect(literalOf("ntz = TIMESTAMP '2020-01-01 10:00:00'").type).toEqual({ type: 'timestamp_ntz' });
  });

  it('handles strings, escapes, binary and booleans', () => {
    expect(literalOf("name = 'it''s'").value).toBe("it's");
    expect(literalOf("bin = X'00ff'").value).toEqual(Uint8Array.of(0, 255));
    expect(literalOf("bin = 'ab'").value).toEqual(Uint8Array.of(97, 98));
    expect(literalOf('flag = TRUE').value).toBe(true);
    expect(literalOf('name = null')).toEqual({ kind: 'literal', type: { type: 'string' }, value: null });
  });
});

describe('parsePredicate: structure', () => {
  it('gives AND precedence over OR and honours parentheses and NOT', () => {
    const e = parsePredicate('id = 1 or id = 2 and not (i > 3)', schema);
    expect(e.kind).toBe('or');
    if (e.kind !== 'or') return;
    expect(e.right.kind).toBe('and');
    const p = parsePredicate('(id = 1 OR id = 2) AND i > 3', schema);
    expect(p.kind).toBe('and');
  });

  it('is case-insensitive for keywords and column names', () => {
    const e = parsePredicate("ID Is Not Null AnD Name In ('a') oR NOT FLAG", schema);
    expect(referencedColumns(e)).toEqual(['id', 'name', 'flag']);
  });

  it('parses IN, NOT IN, IS NULL, BETWEEN and bare boolean columns', () => {
    const inExpr = parsePredicate('id NOT IN (1, 2, NULL)', schema) as InExpr;
    expect(inExpr.negated).toBe(true);
    expect(inExpr.list.map((l) => l.value)).toEqual([1n, 2n, null]);
    expect(parsePredicate('name IS NULL', schema)).toMatchObject({ kind: 'isNull', negated: false });
    expect(parsePredicate('i between 1 and 3', schema)).toMatchObject({
      kind: 'and',
      left: { op: '>=' },
      right: { op: '<=' },
    });
    expect(parsePredicate('flag', schema)).toEqual({
      kind: 'column',
      path: ['flag'],
      type: { type: 'boolean' },
    });
  });

  it('resolves nested and quoted column names', () => {
    const e = parsePredicate('s.inner.c > 1 AND `weird name.with dot` = 3', schema) as Expr & { kind: 'and' };
    expect((e.left as CompareExpr).left).toEqual({
      kind: 'column',
      path: ['s', 'inner', 'c'],
      type: { type: 'long' },
    });
    expect((e.right as CompareExpr).left).toMatchObject({ kind: 'column', path: ['weird name.with dot'] });
    expect(referencedColumns(e)).toEqual(['s', 'weird name.with dot']);
  });

  it('accepts <>, == and literals on the left', () => {
    expect(parsePredicate('id <> 1', schema)).toMatchObject({ op: '!=' });
    expect(parsePredicate('5 < id', schema)).toMatchObject({
      op: '<',
      left: { value: 5n },
      right: { kind: 'column' },
    });
  });
});

describe('parsePredicate: errors name the offset', () => {
  it('reports unknown columns with their offset', () => {
    expect(errorOf('id = 1 AND nope = 2')).toEqual({
      message: expect.stringMatching(/unknown column nope at offset 11/),
      offset: 11,
    });
    expect(errorOf('s.missing = 1').message).toMatch(/unknown column s\.missing/);
  });

  it('reports impossible comparisons naming the column', () => {
    expect(errorOf('name > 5').message).toMatch(/column name.*offset 7/);
    expect(errorOf("d = 'yesterday'").message).toMatch(/not a date.*column d at offset 4/);
    expect(errorOf('flag = 1').message).toMatch(/cannot compare/);
    expect(errorOf('arr = 1').message).toMatch(/cannot compare/);
    expect(errorOf('id = name').message).toMatch(/cannot compare column id/);
    expect(errorOf('id').message).toMatch(/column id of type long is not a condition/);
  });

  it('reports syntax errors with their offset', () => {
    expect(errorOf('id = ')).toMatchObject({ offset: 5 });
    expect(errorOf('(id = 1')).toMatchObject({ offset: 7 });
    expect(errorOf("name = 'open")).toMatchObject({ offset: 7 });
    expect(errorOf('id = 1 id = 2')).toMatchObject({ offset: 7 });
    expect(errorOf('id ! 1')).toMatchObject({ offset: 3 });
    expect(errorOf('id IN ()')).toMatchObject({ offset: 7 });
    expect(errorOf('')).toMatchObject({ offset: 0 });
    expect(errorOf('12abc = 1')).toMatchObject({ offset: 0 });
    expect(errorOf("ntz = TIMESTAMP_NTZ '2020-01-01 00:00:00Z'").message).toMatch(/must not carry a zone/);
  });
});
