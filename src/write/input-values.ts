import { DeltaError, describeError } from '../errors.js';
import { parsePartitionValue } from '../protocol/partition.js';
import type { DataType } from '../protocol/schema.js';
import { describeDeltaType } from './schema.js';

/**
 * Turning values read from a text input (CSV cells, JSON values) into the value representation of
 * `columns.ts`, for a known Delta type. Text is parsed as Delta partition values are (so
 * `2024-01-31`, `2024-01-31T10:00:00Z`, `-1.50`, `NaN` mean what they mean in the log), with errors
 * that name the input line and column.
 */

/** Where a value came from, for error messages. */
export interface ValueOrigin {
  /** The input file name. */
  readonly file: string;
  /** 1-based line (NDJSON) or record line (CSV). */
  readonly line: number;
  /** Column path, dotted for nested fields. */
  readonly column: string;
}

/** An `InvalidArgument` error naming file, line and column. */
export function badValue(origin: ValueOrigin, why: string, cause?: unknown): DeltaError<'InvalidArgument'> {
  return new DeltaError(
    'InvalidArgument',
    `${origin.file} line ${origin.line}, column ${origin.column}: ${why}`,
    {
      context: { file: origin.file, line: origin.line, field: origin.column },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/** Parses text as a value of a primitive Delta type (see the module comment). Empty text is null. */
export function parseText(text: string, type: DataType, origin: ValueOrigin): unknown {
  if (type.type === 'struct' || type.type === 'array' || type.type === 'map') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw badValue(origin, `expected a JSON ${type.type} for ${describeDeltaType(type)}`, err);
    }
    return fromJson(json, type, origin);
  }
  if (type.type === 'binary') return text === '' ? null : decodeBase64(text, origin);
  try {
    return parsePartitionValue(text, type, origin.column);
  } catch (err) {
    throw badValue(
      origin,
      `${JSON.stringify(text)} is not a valid ${describeDeltaType(type)}: ${reason(err)}`,
      err,
    );
  }
}

function reason(err: unknown): string {
  const text = describeError(err);
  const at = text.lastIndexOf(': ');
  return at >= 0 ? text.slice(at + 2) : text;
}

function decodeBase64(text: string, origin: ValueOrigin): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text.trim()) || text.trim().length % 4 !== 0)
    throw badValue(origin, `binary values are base64; ${JSON.stringify(text)} is not base64`);
  return new Uint8Array(Buffer.from(text.trim(), 'base64'));
}

/**
 * Converts a parsed JSON value to a value of `type`: numbers for numeric columns (also numeric
 * strings, and `"NaN"`/`"Infinity"` for floats), strings for dates, timestamps and strings,
 * base64 strings for binary, numbers or strings for decimals (exactly, from the JSON text), objects
 * for structs (keys matched exactly, then case-insensitively; unknown keys are an error), arrays for
 * arrays, and for maps either an object or a list of `{"key": …, "value": …}` entries.
 */
export function fromJson(value: unknown, type: DataType, origin: ValueOrigin): unknown {
  if (value === null || value === undefined) return null;
  const wrong = (): DeltaError<'InvalidArgument'> =>
    badValue(origin, `${JSON.stringify(value)} is not a valid ${describeDeltaType(type)}`);
  switch (type.type) {
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value)) throw wrong();
      const obj = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      const used = new Set<string>();
      for (const field of type.fields) {
        const key =
          field.name in obj
            ? field.name
            : Object.keys(obj).find((k) => k.toLowerCase() === field.name.toLowerCase());
        if (key === undefined) continue;
        used.add(key);
        out[field.name] = fromJson(obj[key], field.type, {
          ...origin,
          column: origin.column === '' ? field.name : `${origin.column}.${field.name}`,
        });
      }
      const extra = Object.keys(obj).filter((k) => !used.has(k));
      if (extra.length > 0)
        throw badValue(origin, `field ${extra.join(', ')} is not in ${describeDeltaType(type)}`);
      return out;
    }
    case 'array':
      if (!Array.isArray(value)) throw wrong();
      return value.map((v) =>
        fromJson(v, type.elementType, { ...origin, column: `${origin.column}.element` }),
      );
    case 'map': {
      const keyOrigin = { ...origin, column: `${origin.column}.key` };
      const valueOrigin = { ...origin, column: `${origin.column}.value` };
      if (Array.isArray(value))
        return value.map((entry) => {
          if (typeof entry !== 'object' || entry === null) throw wrong();
          const e = entry as Record<string, unknown>;
          return [fromJson(e.key, type.keyType, keyOrigin), fromJson(e.value, type.valueType, valueOrigin)];
        });
      if (typeof value !== 'object') throw wrong();
      return Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        parseText(k, type.keyType, keyOrigin),
        fromJson(v, type.valueType, valueOrigin),
      ]);
    }
    case 'string':
      if (typeof value !== 'string') throw wrong();
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong();
      return value;
    case 'binary':
      if (typeof value !== 'string') throw wrong();
      return decodeBase64(value, origin);
    default:
      if (typeof value !== 'string' && typeof value !== 'number') throw wrong();
      if (value === '') return null;
      return parseText(String(value), type, origin);
  }
}
