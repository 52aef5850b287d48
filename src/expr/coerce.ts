import type { DataType } from '../protocol/schema.js';
import { type LiteralExpr, lit } from './ast.js';
import { describeType } from './domain.js';
import { decimalToNumber, digitCount, type ExactNumber, parseExactNumber, pow10 } from './numbers.js';
import { parseDate, parseTimestamp } from './temporal.js';

/**
 * Typing of literals. A literal is kept in its written form until the parser knows what it is
 * compared with; then it is converted to that column's Delta type when the conversion is exact.
 * When it is not (`int_col < 2.5`, `byte_col = 300`), the literal keeps a wider type of its own
 * and the comparison happens in a common domain, so the answer is still the mathematically right
 * one rather than a rounded one.
 */

/** A literal as written in the predicate text. */
export type RawLiteral =
  | { readonly form: 'number'; readonly text: string }
  | { readonly form: 'string'; readonly text: string }
  | { readonly form: 'boolean'; readonly value: boolean }
  | { readonly form: 'null' }
  | { readonly form: 'date' | 'timestamp' | 'timestamp_ntz'; readonly text: string }
  | { readonly form: 'hex'; readonly text: string };

/** Why a literal cannot be typed; the parser adds the column and the offset. */
export class CoercionFailure {
  constructor(readonly reason: string) {}
}

const INT_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  byte: [-128n, 127n],
  short: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  long: [-9223372036854775808n, 9223372036854775807n],
};

/** The type a literal has on its own (compared with another literal, or not representable exactly). */
export function naturalLiteral(raw: RawLiteral): LiteralExpr | CoercionFailure {
  switch (raw.form) {
    case 'null':
      return lit(null, { type: 'void' });
    case 'boolean':
      return lit(raw.value, { type: 'boolean' });
    case 'string':
      return lit(raw.text, { type: 'string' });
    case 'hex':
      return lit(hexToBytes(raw.text), { type: 'binary' });
    case 'date':
    case 'timestamp':
    case 'timestamp_ntz':
      return typedTemporal(raw.form, raw.text, undefined);
    case 'number': {
      const exact = parseExactNumber(raw.text);
      if (exact === undefined) return new CoercionFailure(`${raw.text} is not a number`);
      if (/[eE]/.test(raw.text)) return lit(Number(raw.text), { type: 'double' });
      return naturalNumber(exact, raw.text.includes('.'));
    }
  }
}

/** `asDecimal`: the text had a decimal point, so `2.0` is a decimal and not an integer. */
function naturalNumber(exact: ExactNumber, asDecimal: boolean): LiteralExpr {
  const { unscaled, scale } = exact;
  if (scale === 0 && !asDecimal) {
    if (inRange(unscaled, 'integer')) return lit(Number(unscaled), { type: 'integer' });
    if (inRange(unscaled, 'long')) return lit(unscaled, { type: 'long' });
  }
  const digits = digitCount(unscaled);
  if (digits <= 38 && scale <= 38)
    return lit(unscaled, { type: 'decimal', precision: Math.max(digits, scale, 1), scale });
  return lit(decimalToNumber(unscaled, scale), { type: 'double' });
}

function inRange(value: bigint, type: string): boolean {
  const range = INT_RANGES[type];
  return range !== undefined && value >= range[0] && value <= range[1];
}

/**
 * Types `raw` for comparison with a value of type `target` (`op` is the operator, `'in'` for
 * IN lists). Returns a literal of `target` when the conversion is exact, of a comparable wider
 * type when it is not, or a {@link CoercionFailure} when the two can never be compared.
 */
export function coerceLiteral(raw: RawLiteral, target: DataType, op: string): LiteralExpr | CoercionFailure {
  const t = target.type;
  if (raw.form === 'null') return lit(null, target);
  if (raw.form === 'string' && t !== 'string' && t !== 'binary') return coerceString(raw.text, target, op);
  switch (t) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
    case 'decimal':
      if (raw.form !== 'number') return mismatch(raw, target);
      return coerceNumber(raw.text, target);
    case 'string':
      if (raw.form === 'string') return lit(raw.text, target);
      if (raw.form === 'number' && (op === '=' || op === '!=' || op === 'in')) return lit(raw.text, target);
      return mismatch(raw, target);
    case 'binary':
      if (raw.form === 'string') return lit(new TextEncoder().encode(raw.text), target);
      if (raw.form === 'hex') return lit(hexToBytes(raw.text), target);
      return mismatch(raw, target);
    case 'boolean':
      return raw.form === 'boolean' ? lit(raw.value, target) : mismatch(raw, target);
    case 'date':
    case 'timestamp':
    case 'timestamp_ntz':
      if (raw.form === 'date' || raw.form === 'timestamp' || raw.form === 'timestamp_ntz')
        return typedTemporal(raw.form, raw.text, target);
      return mismatch(raw, target);
    default:
      return mismatch(raw, target);
  }
}

function coerceNumber(text: string, target: DataType): LiteralExpr | CoercionFailure {
  const special = /^[+-]?(nan|infinity|inf)$/i.exec(text.trim());
  if (target.type === 'float' || target.type === 'double') {
    let value = special ? specialDouble(text) : Number(text);
    if (Number.isNaN(value) && !special)
      return new CoercionFailure(`${JSON.stringify(text)} is not a number`);
    if (target.type === 'float') value = Math.fround(value);
    return lit(value, target);
  }
  if (special) return lit(specialDouble(text), { type: 'double' });
  const exact = parseExactNumber(text);
  if (exact === undefined) return new CoercionFailure(`${JSON.stringify(text)} is not a number`);
  if (target.type === 'decimal') {
    if (exact.scale <= target.scale) {
      const scaled = exact.unscaled * pow10(target.scale - exact.scale);
      if (digitCount(scaled) <= target.precision) return lit(scaled, target);
    }
    return naturalNumber(exact, true);
  }
  if (exact.scale === 0 && inRange(exact.unscaled, target.type))
    return lit(target.type === 'long' ? exact.unscaled : Number(exact.unscaled), target);
  return naturalNumber(exact, false);
}

function specialDouble(text: string): number {
  const t = text.trim().toLowerCase();
  if (t.endsWith('nan')) return Number.NaN;
  return t.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/** A string literal compared with a non-string column is read as a value of that column's type. */
function coerceString(text: string, target: DataType, op: string): LiteralExpr | CoercionFailure {
  switch (target.type) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
    case 'decimal':
      return coerceNumber(text, target);
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (t === 'true' || t === 'false') return lit(t === 'true', target);
      return new CoercionFailure(`${JSON.stringify(text)} is not a boolean`);
    }
    case 'date':
    case 'timestamp':
    case 'timestamp_ntz': {
      // A date column compared with a full timestamp string compares as timestamps.
      const asTimestamp =
        target.type === 'date' && parseDate(text) === undefined && parseTimestamp(text) !== undefined;
      return typedTemporal(asTimestamp ? 'timestamp' : target.type, text, target);
    }
    default:
      void op;
      return mismatch({ form: 'string', text }, target);
  }
}

/** Types `DATE '…'`, `TIMESTAMP '…'` and `TIMESTAMP_NTZ '…'` (or a string read as one of them). */
function typedTemporal(
  form: 'date' | 'timestamp' | 'timestamp_ntz',
  text: string,
  target: DataType | undefined,
): LiteralExpr | CoercionFailure {
  if (form === 'date') {
    const days = parseDate(text);
    if (days === undefined) return new CoercionFailure(`${JSON.stringify(text)} is not a date (YYYY-MM-DD)`);
    return lit(days, { type: 'date' });
  }
  const parsed = parseTimestamp(text);
  if (parsed === undefined)
    return new CoercionFailure(
      `${JSON.stringify(text)} is not a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff][zone])`,
    );
  if (form === 'timestamp_ntz' && parsed.hasZone)
    return new CoercionFailure(`TIMESTAMP_NTZ ${JSON.stringify(text)} must not carry a zone`);
  // A zone-less TIMESTAMP compared with a timestamp_ntz column means that wall-clock time, and a
  // TIMESTAMP_NTZ compared with a timestamp column is read as UTC: both keep the column's type.
  const type =
    target?.type === 'timestamp_ntz' && !parsed.hasZone
      ? 'timestamp_ntz'
      : target?.type === 'timestamp'
        ? 'timestamp'
        : form;
  return lit(parsed.micros, { type });
}

function mismatch(raw: RawLiteral, target: DataType): CoercionFailure {
  return new CoercionFailure(
    `cannot compare a value of type ${describeType(target)} with ${describeRaw(raw)}`,
  );
}

function describeRaw(raw: RawLiteral): string {
  switch (raw.form) {
    case 'number':
      return `the number ${raw.text}`;
    case 'string':
      return `the string ${JSON.stringify(raw.text)}`;
    case 'boolean':
      return `the boolean ${raw.value}`;
    case 'null':
      return 'NULL';
    case 'hex':
      return `the binary literal X'${raw.text}'`;
    default:
      return `${raw.form.toUpperCase()} '${raw.text}'`;
  }
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
