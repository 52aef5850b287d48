import type { DataType } from '../protocol/schema.js';
import type { LiteralValue } from './ast.js';
import { digitCount, parseExactNumber, pow10 } from './numbers.js';
import { parseDate, parseTimestamp } from './temporal.js';

/**
 * Turning statistics and partition values into typed bounds for data skipping.
 *
 * Every conversion errs on the wide side: a bound we cannot read exactly becomes a looser bound
 * or no bound at all, because a too-tight bound silently drops rows while a loose one only costs
 * reading a file.
 */

/** What data skipping knows about the values of one column in one file. */
export type ColumnKnowledge =
  /** A partition column: every row has this value (`null` included). */
  | { readonly kind: 'constant'; readonly value: LiteralValue }
  | {
      readonly kind: 'range';
      /** Every non-null value is ≥ this (`undefined`: no lower bound). */
      readonly lower: LiteralValue | undefined;
      /** Every non-null value is ≤ this, or (when `upperIsPrefix`) starts with it. */
      readonly upper: LiteralValue | undefined;
      /** String maxima may be truncated prefixes of the real maximum. */
      readonly upperIsPrefix: boolean;
      /** Floats may hold NaN, which statistics do not reliably reflect. */
      readonly nanPossible: boolean;
      readonly nullPossible: boolean;
      readonly nonNullPossible: boolean;
    };

/** Microseconds of slack on timestamp bounds: statistics are written with millisecond precision. */
const TIMESTAMP_SLACK = 1000n;

/**
 * A min (`side = 'lower'`) or max (`'upper'`) statistic as a value of `type`, widened where the
 * JSON cannot be exact; `undefined` when it gives no usable bound.
 */
export function statBound(json: unknown, type: DataType, side: 'lower' | 'upper'): LiteralValue | undefined {
  if (json === null || json === undefined) return undefined;
  switch (type.type) {
    case 'byte':
    case 'short':
    case 'integer':
      return typeof json === 'number' && Number.isInteger(json) ? json : undefined;
    case 'long':
      if (typeof json === 'number') return Number.isSafeInteger(json) ? BigInt(json) : undefined;
      return typeof json === 'string' && /^-?\d+$/.test(json) ? BigInt(json) : undefined;
    case 'float':
    case 'double': {
      const value = typeof json === 'number' ? json : typeof json === 'string' ? Number(json) : Number.NaN;
      // A NaN or infinite bound says nothing useful on that side.
      if (!Number.isFinite(value)) return undefined;
      // Writers print floats in their shortest float form ("1.1"); fround recovers the stored float.
      return type.type === 'float' ? Math.fround(value) : value;
    }
    case 'decimal':
      return decimalBound(json, type.scale, side);
    case 'date':
      if (typeof json === 'string') return parseDate(json.slice(0, 10)) ?? undefined;
      return typeof json === 'number' && Number.isInteger(json) ? json : undefined;
    case 'timestamp':
    case 'timestamp_ntz': {
      if (typeof json !== 'string') return undefined;
      const parsed = parseTimestamp(json);
      if (parsed === undefined) return undefined;
      return side === 'lower' ? parsed.micros - TIMESTAMP_SLACK : parsed.micros + TIMESTAMP_SLACK;
    }
    case 'string':
      return typeof json === 'string' ? json : undefined;
    case 'boolean':
      return typeof json === 'boolean' ? json : undefined;
    default:
      // Binary statistics are not written by the common writers and their encoding is unspecified.
      return undefined;
  }
}

function decimalBound(json: unknown, scale: number, side: 'lower' | 'upper'): bigint | undefined {
  const text = typeof json === 'number' ? String(json) : typeof json === 'string' ? json : undefined;
  if (text === undefined) return undefined;
  const exact = parseExactNumber(text);
  if (exact === undefined) return undefined;
  let unscaled: bigint;
  if (exact.scale <= scale) {
    unscaled = exact.unscaled * pow10(scale - exact.scale);
  } else {
    const divisor = pow10(exact.scale - scale);
    unscaled = exact.unscaled / divisor;
    // Round away from the data: down for the lower bound, up for the upper one.
    const truncated = unscaled * divisor !== exact.unscaled;
    if (truncated && side === 'lower' && exact.unscaled < 0n) unscaled -= 1n;
    if (truncated && side === 'upper' && exact.unscaled > 0n) unscaled += 1n;
  }
  // A JSON number with more digits than a double holds may be off in its last digits.
  const digits = digitCount(unscaled);
  if (typeof json === 'number' && digits > 15) {
    const slack = pow10(digits - 15);
    unscaled += side === 'lower' ? -slack : slack;
  }
  return unscaled;
}

/**
 * A partition value (already typed by `parsePartitionValue`, or raw text from another source) as a
 * value of `type`; `undefined` when it cannot be interpreted, so the file is kept.
 */
export function partitionConstant(value: unknown, type: DataType): LiteralValue | undefined {
  if (value === null) return null;
  switch (type.type) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'date':
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value);
      if (typeof value === 'string') {
        if (type.type === 'date') return parseDate(value);
        return /^-?\d+$/.test(value.trim()) ? Number(value) : undefined;
      }
      return undefined;
    case 'long':
    case 'timestamp':
    case 'timestamp_ntz':
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
      if (typeof value === 'string') {
        if (type.type === 'long') return /^-?\d+$/.test(value.trim()) ? BigInt(value.trim()) : undefined;
        return parseTimestamp(value)?.micros;
      }
      return undefined;
    case 'float':
    case 'double':
      if (typeof value === 'number') return value;
      return typeof value === 'string' ? Number(value) : undefined;
    case 'decimal':
      if (typeof value === 'bigint') return value;
      if (typeof value === 'string') {
        const exact = parseExactNumber(value);
        return exact && exact.scale <= type.scale
          ? exact.unscaled * pow10(type.scale - exact.scale)
          : undefined;
      }
      return undefined;
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'binary':
      return value instanceof Uint8Array
        ? value
        : typeof value === 'string'
          ? new TextEncoder().encode(value)
          : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    default:
      return undefined;
  }
}
