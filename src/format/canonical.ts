import { type Data, type RecordBatch, Type } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import {
  bigIntAt,
  boolAt,
  bytesAt,
  dateDaysAt,
  decimalAt,
  genericAt,
  isValidAt,
  listRange,
  timestampMicros,
} from '../expr/arrow-data.js';
import { formatDecimal, pow10 } from '../expr/numbers.js';
import { formatDate, formatTimestamp } from '../expr/temporal.js';
import type { DataType, StructType } from '../protocol/schema.js';
import { encodeBase64 } from './base64.js';

/**
 * The canonical row form (ARCHITECTURE.md, "Canonical row form"): one plain JSON object per row,
 * keyed by logical column names in schema order, with one fixed textual form per Delta type.
 * Spec tests compare our rows with a reference reader's rows dumped in the same form, so every
 * rule here (decimal digits, timestamp fraction digits, long precision) is part of that contract.
 */

/** Reads one row of a column in canonical form. */
type Reader = (row: number) => unknown;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const decoder = new TextDecoder('utf-8');

/**
 * Converts every row of `batch` into canonical JSON values, for the columns of `schema` (each
 * must be in the batch, matched by logical name). The Delta type decides the form, the Arrow
 * type only how the value is read.
 */
export function toCanonicalRows(batch: RecordBatch, schema: StructType): Record<string, unknown>[] {
  const readers: Array<[string, Reader]> = schema.fields.map((field) => {
    const data = findChild(batch.data, field.name);
    if (data === undefined) {
      throw new DeltaError(
        'InvalidArgument',
        `column ${field.name} is not in the record batch (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`,
        { context: { column: field.name } },
      );
    }
    return [field.name, makeReader(data, field.type, field.name)];
  });
  const rows: Record<string, unknown>[] = new Array<Record<string, unknown>>(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (const [name, read] of readers) row[name] = read(i);
    rows[i] = row;
  }
  return rows;
}

function findChild(data: Data, name: string): Data | undefined {
  const fields = (data.type as { children?: Array<{ name: string }> }).children ?? [];
  let index = fields.findIndex((f) => f.name === name);
  if (index < 0) index = fields.findIndex((f) => f.name.toLowerCase() === name.toLowerCase());
  return index < 0 ? undefined : data.children[index];
}

/** Canonical form of a long: a number while exactly representable, else a decimal string. */
export function canonicalLong(value: bigint): number | string {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value.toString();
}

/** Canonical form of a float or double: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`. */
export function canonicalFloat(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

function makeReader(data: Data, type: DataType, where: string): Reader {
  const inner = makeValueReader(data, type, where);
  if (data.typeId === Type.Null) return () => null;
  if (data.nullCount === 0) return inner;
  return (i) => (isValidAt(data, i) ? inner(i) : null);
}

function makeValueReader(data: Data, type: DataType, where: string): Reader {
  const id = data.typeId;
  switch (type.type) {
    case 'void':
      return () => null;
    case 'boolean':
      if (id === Type.Bool) return (i) => boolAt(data, i);
      break;
    case 'byte':
    case 'short':
    case 'integer':
      if (id === Type.Int) {
        const values = data.values as ArrayLike<number | bigint>;
        return (i) => Number(values[i] ?? 0);
      }
      break;
    case 'long':
      if (id === Type.Int) {
        const values = data.values as ArrayLike<number | bigint>;
        return (i) => canonicalLong(BigInt(values[i] ?? 0));
      }
      break;
    case 'float':
    case 'double':
      if (id === Type.Float && (data.type as { precision?: number }).precision !== 0) {
        const values = data.values as Float32Array | Float64Array;
        return (i) => canonicalFloat(values[i] ?? 0);
      }
      break;
    case 'decimal':
      if (id === Type.Decimal) {
        const arrowScale = (data.type as { scale?: number }).scale ?? 0;
        const factor = type.scale >= arrowScale ? pow10(type.scale - arrowScale) : 1n;
        return (i) => formatDecimal(decimalAt(data, i) * factor, Math.max(type.scale, arrowScale));
      }
      if (id === Type.Int) return (i) => formatDecimal(bigIntLike(data, i) * pow10(type.scale), type.scale);
      break;
    case 'string':
      if (isBytes(id)) return (i) => decoder.decode(bytesAt(data, i));
      break;
    case 'binary':
      if (isBytes(id)) return (i) => encodeBase64(bytesAt(data, i));
      break;
    case 'date':
      if (id === Type.Date) return (i) => formatDate(dateDaysAt(data, i));
      break;
    case 'timestamp':
    case 'timestamp_ntz': {
      const utc = type.type === 'timestamp';
      if (id === Type.Timestamp) return (i) => formatTimestamp(timestampMicros(data, i), utc);
      break;
    }
    case 'struct':
      if (id === Type.Struct) {
        const fields = type.fields.map((f): [string, Reader] => {
          const child = findChild(data, f.name);
          if (child === undefined)
            throw new DeltaError('InvalidArgument', `field ${where}.${f.name} is not in the record batch`, {
              context: { column: `${where}.${f.name}` },
            });
          return [f.name, makeReader(child, f.type, `${where}.${f.name}`)];
        });
        return (i) => {
          const obj: Record<string, unknown> = {};
          for (const [name, read] of fields) obj[name] = read(i);
          return obj;
        };
      }
      break;
    case 'array':
      if ((id === Type.List || id === Type.LargeList) && data.children[0] !== undefined) {
        const element = makeReader(data.children[0], type.elementType, `${where}.element`);
        return (i) => {
          const [start, end] = listRange(data, i);
          const out: unknown[] = [];
          for (let k = start; k < end; k++) out.push(element(k));
          return out;
        };
      }
      break;
    case 'map': {
      const entries = data.children[0];
      if (id === Type.Map && entries !== undefined && entries.children.length >= 2) {
        const [keyData, valueData] = entries.children;
        if (keyData === undefined || valueData === undefined) break;
        const key = makeReader(keyData, type.keyType, `${where}.key`);
        const value = makeReader(valueData, type.valueType, `${where}.value`);
        return (i) => {
          const [start, end] = listRange(data, i);
          const out: Array<{ key: unknown; value: unknown }> = [];
          for (let k = start; k < end; k++) out.push({ key: key(k), value: value(k) });
          return out;
        };
      }
      break;
    }
    case 'variant':
      throw new DeltaError(
        'UnsupportedFeature',
        `column ${where} has type variant, which has no canonical form yet`,
        {
          context: { column: where },
        },
      );
  }
  return genericReader(data, type, where);
}

function isBytes(id: Type): boolean {
  return (
    id === Type.Utf8 ||
    id === Type.LargeUtf8 ||
    id === Type.Binary ||
    id === Type.LargeBinary ||
    id === Type.FixedSizeBinary
  );
}

function bigIntLike(data: Data, i: number): bigint {
  return bigIntAt(data, i);
}

/**
 * Values in encodings without a fast path (dictionary, view types): read through apache-arrow and
 * converted by their JavaScript type. Anything that does not fit the Delta type is an error
 * rather than a guess.
 */
function genericReader(data: Data, type: DataType, where: string): Reader {
  return (i) => {
    const v: unknown = genericAt(data, i);
    if (v === null || v === undefined) return null;
    const t = type.type;
    if (t === 'string' && typeof v === 'string') return v;
    if (t === 'binary' && v instanceof Uint8Array) return encodeBase64(v);
    if ((t === 'byte' || t === 'short' || t === 'integer') && typeof v === 'number') return v;
    if (t === 'long' && (typeof v === 'bigint' || typeof v === 'number')) return canonicalLong(BigInt(v));
    if ((t === 'float' || t === 'double') && typeof v === 'number') return canonicalFloat(v);
    if (t === 'boolean' && typeof v === 'boolean') return v;
    throw new DeltaError(
      'CorruptData',
      `column ${where}: Arrow type ${String(data.type)} does not hold values of Delta type ${t}`,
      { context: { column: where } },
    );
  };
}
