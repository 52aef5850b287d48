import type { DataType } from '../protocol/schema.js';
import type { LiteralValue } from './ast.js';
import { compareBytes, compareNumbers, decimalToNumber, pow10 } from './numbers.js';
import { dateToMicros } from './temporal.js';

/**
 * Comparison domains: the one representation two operands of possibly different Delta types are
 * brought into before they are compared. Evaluation, data skipping and literal coercion all use
 * this module, so a row the evaluator selects is never one that skipping reasoned away.
 */

/** How two operands are compared. */
export type Domain =
  /** Doubles, with NaN above everything and equal to itself (Spark's order). */
  | { readonly kind: 'number' }
  /** Exact integers: longs, and timestamps/dates as microseconds. */
  | { readonly kind: 'bigint' }
  /** Exact decimals as unscaled bigints at a common scale. */
  | { readonly kind: 'decimal'; readonly scale: number }
  /** Strings as UTF-8 bytes (so ordering is code point order, as Delta's statistics use). */
  | { readonly kind: 'bytes' }
  | { readonly kind: 'boolean' }
  /** One side is the NULL literal: every comparison is null. */
  | { readonly kind: 'null' };

/** A value in its domain representation. */
export type DomainValue = number | bigint | Uint8Array | boolean;

type Category =
  'int' | 'long' | 'float' | 'decimal' | 'date' | 'ts' | 'string' | 'binary' | 'boolean' | 'void';

function category(type: DataType): Category | undefined {
  switch (type.type) {
    case 'byte':
    case 'short':
    case 'integer':
      return 'int';
    case 'long':
      return 'long';
    case 'float':
    case 'double':
      return 'float';
    case 'decimal':
      return 'decimal';
    case 'date':
      return 'date';
    case 'timestamp':
    case 'timestamp_ntz':
      return 'ts';
    case 'string':
      return 'string';
    case 'binary':
      return 'binary';
    case 'boolean':
      return 'boolean';
    case 'void':
      return 'void';
    default:
      return undefined;
  }
}

const NUMERIC = new Set<Category>(['int', 'long', 'float', 'decimal']);

/** Whether a type is one of Delta's numeric types. */
export function isNumeric(type: DataType): boolean {
  const c = category(type);
  return c !== undefined && NUMERIC.has(c);
}

/**
 * The domain in which values of types `a` and `b` are compared, or `undefined` when they cannot
 * be compared (a string with a number, a struct with anything): the parser reports that.
 */
export function comparisonDomain(a: DataType, b: DataType): Domain | undefined {
  const ca = category(a);
  const cb = category(b);
  if (ca === undefined || cb === undefined) return undefined;
  if (ca === 'void' || cb === 'void') return { kind: 'null' };
  if (NUMERIC.has(ca) && NUMERIC.has(cb)) {
    if (ca === 'float' || cb === 'float') return { kind: 'number' };
    if (ca === 'decimal' || cb === 'decimal')
      return { kind: 'decimal', scale: Math.max(decimalScale(a), decimalScale(b)) };
    if (ca === 'long' || cb === 'long') return { kind: 'bigint' };
    return { kind: 'number' };
  }
  if (ca === 'date' && cb === 'date') return { kind: 'number' };
  if ((ca === 'date' || ca === 'ts') && (cb === 'date' || cb === 'ts')) return { kind: 'bigint' };
  if (ca !== cb) return undefined;
  if (ca === 'string' || ca === 'binary') return { kind: 'bytes' };
  if (ca === 'boolean') return { kind: 'boolean' };
  return undefined;
}

function decimalScale(type: DataType): number {
  return type.type === 'decimal' ? type.scale : 0;
}

const encoder = new TextEncoder();

/**
 * Converts a value of Delta type `type` (in the representation of `ast.ts`) into `domain`.
 * `null` stays `null`. Lenient about number/bigint so partition values and stats from any source
 * convert; a value of the wrong shape for its type is a programming error and yields `undefined`.
 */
export function toDomain(
  value: LiteralValue,
  type: DataType,
  domain: Domain,
): DomainValue | null | undefined {
  if (value === null) return null;
  switch (domain.kind) {
    case 'null':
      return null;
    case 'number':
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint')
        return type.type === 'decimal' ? decimalToNumber(value, type.scale) : Number(value);
      return undefined;
    case 'bigint':
      if (type.type === 'date' && typeof value === 'number') return dateToMicros(value);
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
      return undefined;
    case 'decimal': {
      const from = decimalScale(type);
      let unscaled: bigint;
      if (typeof value === 'bigint') unscaled = value;
      else if (typeof value === 'number' && Number.isInteger(value)) unscaled = BigInt(value);
      else return undefined;
      return from === domain.scale ? unscaled : unscaled * pow10(domain.scale - from);
    }
    case 'bytes':
      if (typeof value === 'string') return encoder.encode(value);
      if (value instanceof Uint8Array) return value;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
  }
}

/** Orders two non-null values of one domain: negative, zero or positive. */
export function compareInDomain(domain: Domain, a: DomainValue, b: DomainValue): number {
  switch (domain.kind) {
    case 'number':
      return compareNumbers(a as number, b as number);
    case 'bigint':
    case 'decimal':
      return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
    case 'bytes':
      return compareBytes(a as Uint8Array, b as Uint8Array);
    case 'boolean':
      return Number(a) - Number(b);
    case 'null':
      return 0;
  }
}

/** Delta's name of a type, for error messages (`decimal(10,2)`, `struct`, `array<int>`…). */
export function describeType(type: DataType): string {
  switch (type.type) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return `array<${describeType(type.elementType)}>`;
    case 'map':
      return `map<${describeType(type.keyType)},${describeType(type.valueType)}>`;
    default:
      return type.type;
  }
}
