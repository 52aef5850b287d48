import { type Data, makeVector, Type } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import type { Domain, DomainValue } from './domain.js';
import {
  bigIntAt,
  boolAt,
  bytesAt,
  dateDaysAt,
  decimalAt,
  type LocatedColumn,
  timestampMicros,
} from './arrow-data.js';
import { decimalToNumber, pow10 } from './numbers.js';
import { dateToMicros } from './temporal.js';

/**
 * Converts one Arrow column into the array of a comparison {@link Domain}, once per batch, so the
 * comparison loops in `evaluate.ts` run over plain (mostly typed) arrays. Where the Arrow buffer
 * already is the domain's representation (Int32 into `number`, Int64 and microsecond timestamps
 * into `bigint`) it is used without copying.
 */

/** A column's values in a domain, plus its validity (1 = non-null; `undefined` = no nulls). */
export interface DomainColumn {
  readonly values: ArrayLike<DomainValue>;
  readonly valid: Uint8Array | undefined;
  /**
   * For variable-width byte columns, the raw buffers, so kernels can compare in place; `values`
   * is then built only if a kernel without a raw path asks for it.
   */
  readonly raw?: RawBytes;
}

/** The value bytes and offsets of a Utf8/Binary column (`offsets[i]..offsets[i + 1]`). */
export interface RawBytes {
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array | BigInt64Array;
}

const VARIABLE_BYTES = new Set<Type>([Type.Utf8, Type.Binary, Type.LargeUtf8, Type.LargeBinary]);

const encoder = new TextEncoder();

/** Reads `column` (named `name` for errors) as values of `domain`. */
export function materialize(column: LocatedColumn, domain: Domain, name: string): DomainColumn {
  const { data, valid } = column;
  if (domain.kind === 'bytes' && VARIABLE_BYTES.has(data.typeId)) {
    const raw: RawBytes = {
      bytes: data.values as Uint8Array,
      offsets: data.valueOffsets as Int32Array | BigInt64Array,
    };
    let values: ArrayLike<DomainValue> | undefined;
    return {
      valid,
      raw,
      get values(): ArrayLike<DomainValue> {
        values ??= convert(data, domain, name);
        return values;
      },
    };
  }
  return { values: convert(data, domain, name), valid };
}

function convert(data: Data, domain: Domain, name: string): ArrayLike<DomainValue> {
  const n = data.length;
  const typeId = data.typeId;
  const type = data.type as { bitWidth?: number; scale?: number; unit?: number; precision?: number };
  switch (domain.kind) {
    case 'null':
      return new Float64Array(n);
    case 'number':
      if (
        (typeId === Type.Int && (type.bitWidth ?? 64) <= 32) ||
        (typeId === Type.Float && type.precision !== 0)
      )
        return data.values as ArrayLike<number>;
      if (typeId === Type.Int) return mapRows(n, (i) => Number(bigIntAt(data, i)), Float64Array);
      if (typeId === Type.Date)
        return type.unit === 0
          ? (data.values as Int32Array)
          : mapRows(n, (i) => dateDaysAt(data, i), Float64Array);
      if (typeId === Type.Decimal) {
        const scale = type.scale ?? 0;
        return mapRows(n, (i) => decimalToNumber(decimalAt(data, i), scale), Float64Array);
      }
      break;
    case 'bigint':
      if (typeId === Type.Int) {
        if ((type.bitWidth ?? 0) === 64) return data.values as ArrayLike<bigint>;
        return mapRows(n, (i) => BigInt((data.values as Int32Array)[i] ?? 0), Array);
      }
      if (typeId === Type.Timestamp) {
        if (type.unit === 2) return data.values as BigInt64Array;
        return mapRows(n, (i) => timestampMicros(data, i), Array);
      }
      if (typeId === Type.Date) return mapRows(n, (i) => dateToMicros(dateDaysAt(data, i)), Array);
      break;
    case 'decimal': {
      const target = domain.scale;
      if (typeId === Type.Int) {
        const factor = pow10(target);
        return mapRows(n, (i) => BigInt((data.values as ArrayLike<number | bigint>)[i] ?? 0) * factor, Array);
      }
      if (typeId === Type.Decimal) {
        const factor = pow10(target - (type.scale ?? 0));
        return mapRows(n, (i) => decimalAt(data, i) * factor, Array);
      }
      break;
    }
    case 'bytes':
      if (
        typeId === Type.Utf8 ||
        typeId === Type.LargeUtf8 ||
        typeId === Type.Binary ||
        typeId === Type.LargeBinary ||
        typeId === Type.FixedSizeBinary
      )
        return mapRows(n, (i) => bytesAt(data, i), Array);
      break;
    case 'boolean':
      if (typeId === Type.Bool) return mapRows(n, (i) => (boolAt(data, i) ? 1 : 0), Uint8Array);
      break;
  }
  if (typeId === Type.Dictionary && data.dictionary?.data.length === 1) {
    // Convert each distinct value once, then index: dictionary columns stay cheap to filter.
    const dictData = data.dictionary.data[0];
    if (dictData !== undefined) {
      const dict = convert(dictData, domain, name);
      const keys = data.values as ArrayLike<number | bigint>;
      const fallback = zero(domain);
      return mapRows(n, (i) => dict[Number(keys[i] ?? 0)] ?? fallback, Array);
    }
  }
  return convertGeneric(data, domain, name);
}

function mapRows<T extends DomainValue>(
  n: number,
  f: (i: number) => T,
  Ctor: { new (n: number): { [i: number]: T; length: number } },
): ArrayLike<T> {
  const out = new Ctor(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

/**
 * The slow path, through apache-arrow's accessors: dictionary-encoded and view columns, and any
 * physical type we did not expect for the Delta type. A value that has no meaning in the domain
 * is an error rather than a silent non-match.
 */
function convertGeneric(data: Data, domain: Domain, name: string): ArrayLike<DomainValue> {
  const vector = makeVector(data);
  const out: DomainValue[] = new Array<DomainValue>(data.length);
  for (let i = 0; i < data.length; i++) {
    const v: unknown = vector.get(i);
    const converted = v === null || v === undefined ? zero(domain) : jsToDomain(v, domain);
    if (converted === undefined) {
      throw new DeltaError(
        'InvalidArgument',
        `column ${name}: Arrow type ${String(data.type)} cannot be compared as ${domain.kind} values`,
        { context: { column: name } },
      );
    }
    out[i] = converted;
  }
  return out;
}

function zero(domain: Domain): DomainValue {
  switch (domain.kind) {
    case 'bigint':
    case 'decimal':
      return 0n;
    case 'bytes':
      return new Uint8Array(0);
    case 'boolean':
      return false;
    default:
      return 0;
  }
}

function jsToDomain(v: unknown, domain: Domain): DomainValue | undefined {
  switch (domain.kind) {
    case 'number':
      return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
    case 'bigint':
      return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined;
    case 'decimal':
      return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))
        ? BigInt(v) * pow10(domain.scale)
        : undefined;
    case 'bytes':
      return typeof v === 'string' ? encoder.encode(v) : v instanceof Uint8Array ? v : undefined;
    case 'boolean':
      return typeof v === 'boolean' ? v : undefined;
    case 'null':
      return 0;
  }
}
