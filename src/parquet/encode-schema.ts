import { type DataType, type Field, type Schema, Type, TimeUnit } from 'apache-arrow';
import type { ThriftWriter } from './thrift-write.js';

/**
 * The Parquet schema the JavaScript encoder writes for a flat Arrow schema: one leaf per column,
 * with the physical type, logical type and legacy converted type that Spark, delta-rs and DuckDB
 * expect for each Delta type (parquet-format LogicalTypes.md). Nested and exotic columns have no
 * leaf here; the caller then encodes with parquet-wasm instead.
 */

/** Parquet physical types (parquet.thrift `Type`). */
export const PhysicalType = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
  FIXED_LEN_BYTE_ARRAY: 7,
} as const;

/** How the encoder moves one column's Arrow values into Parquet values. */
export type LeafKind =
  | 'bool'
  /** 32-bit values as they are (int32, date32, float). */
  | 'fixed4'
  /** 64-bit values as they are (int64, timestamp, double). */
  | 'fixed8'
  /** int8 / int16 sign-extended to INT32. */
  | 'widen'
  /** decimal128 narrowed to INT32 / INT64 or written big-endian as FIXED_LEN_BYTE_ARRAY. */
  | 'decimal'
  | 'bytes';

/** One column of a flat file. */
export interface Leaf {
  readonly name: string;
  readonly kind: LeafKind;
  readonly physical: number;
  /** FIXED_LEN_BYTE_ARRAY width (decimals of precision above 18). */
  readonly typeLength: number;
  readonly nullable: boolean;
  /** Byte arrays that are UTF-8 text (statistics are cut on character boundaries). */
  readonly text: boolean;
  /** How min/max statistics order the values (`undefined`: none are written). */
  readonly order: 'signed' | 'float' | 'bytes' | 'bool' | 'bigEndian';
  /** Writes SchemaElement fields 6–8 (converted type, scale, precision) of this leaf. */
  readonly converted: (w: ThriftWriter) => void;
  /** Writes SchemaElement field 10 (logical type) of this leaf. */
  readonly logical: (w: ThriftWriter) => void;
  readonly fieldId: number | undefined;
}

const INTEGER = 10;
const STRING = 1;
const DECIMAL = 5;
const DATE = 6;
const TIMESTAMP = 8;
const CONVERTED = { UTF8: 0, DECIMAL: 5, DATE: 6, TIMESTAMP_MICROS: 10, INT_8: 15, INT_16: 16 } as const;

/** Bytes of the two's-complement big-endian form of any unscaled value of `precision` digits. */
export function decimalBytes(precision: number): number {
  let n = 1;
  while (2 ** (8 * n - 1) <= 10 ** precision) n++;
  return n;
}

/** The leaves of `schema`, or `undefined` when a column is not a primitive this encoder writes. */
export function flatLeaves(schema: Schema): Leaf[] | undefined {
  const leaves: Leaf[] = [];
  for (const field of schema.fields) {
    const leaf = leafOf(field);
    if (leaf === undefined) return undefined;
    leaves.push(leaf);
  }
  return leaves;
}

function leafOf(field: Field): Leaf | undefined {
  const shape = shapeOf(field.type);
  if (shape === undefined) return undefined;
  const id = field.metadata.get('PARQUET:field_id');
  return {
    name: field.name,
    nullable: field.nullable,
    fieldId: id === undefined ? undefined : Number(id),
    typeLength: 0,
    text: false,
    converted: none,
    logical: none,
    ...shape,
  };
}

type Shape = Pick<Leaf, 'kind' | 'physical' | 'order'> &
  Partial<Pick<Leaf, 'converted' | 'logical' | 'typeLength' | 'text'>>;

const none = (): void => undefined;

/** A logical-type union holding `member`, whose fields `body` writes. */
function logical(member: number, body: (w: ThriftWriter) => void = none): (w: ThriftWriter) => void {
  return (w) => w.struct(10, (l) => l.struct(member, body));
}

function shapeOf(type: DataType): Shape | undefined {
  switch (type.typeId) {
    case Type.Bool:
      return { kind: 'bool', physical: PhysicalType.BOOLEAN, order: 'bool' };
    case Type.Int: {
      const { bitWidth, isSigned } = type as DataType<Type.Int> & { bitWidth: number; isSigned: boolean };
      if (!isSigned) return undefined;
      if (bitWidth === 32) return { kind: 'fixed4', physical: PhysicalType.INT32, order: 'signed' };
      if (bitWidth === 64) return { kind: 'fixed8', physical: PhysicalType.INT64, order: 'signed' };
      const converted = bitWidth === 8 ? CONVERTED.INT_8 : CONVERTED.INT_16;
      return {
        kind: 'widen',
        physical: PhysicalType.INT32,
        order: 'signed',
        converted: (w) => w.i32(6, converted),
        logical: logical(INTEGER, (t) => t.i8(1, bitWidth).bool(2, true)),
      };
    }
    case Type.Float: {
      const { precision } = type as DataType<Type.Float> & { precision: number };
      // Precision 1 is 32-bit, 2 is 64-bit (Arrow's enum); half floats have no Delta type.
      if (precision === 1) return { kind: 'fixed4', physical: PhysicalType.FLOAT, order: 'float' };
      if (precision === 2) return { kind: 'fixed8', physical: PhysicalType.DOUBLE, order: 'float' };
      return undefined;
    }
    case Type.Utf8:
      return {
        kind: 'bytes',
        physical: PhysicalType.BYTE_ARRAY,
        order: 'bytes',
        text: true,
        converted: (w) => w.i32(6, CONVERTED.UTF8),
        logical: logical(STRING),
      };
    case Type.Binary:
      return { kind: 'bytes', physical: PhysicalType.BYTE_ARRAY, order: 'bytes' };
    case Type.Date: {
      const { unit } = type as DataType<Type.Date> & { unit: number };
      // DateUnit.DAY is 0; millisecond dates have no Delta type.
      if (unit !== 0) return undefined;
      return {
        kind: 'fixed4',
        physical: PhysicalType.INT32,
        order: 'signed',
        converted: (w) => w.i32(6, CONVERTED.DATE),
        logical: logical(DATE),
      };
    }
    case Type.Timestamp: {
      const { unit, timezone } = type as DataType<Type.Timestamp> & {
        unit: TimeUnit;
        timezone?: string | null;
      };
      if (unit !== TimeUnit.MICROSECOND) return undefined;
      const utc = typeof timezone === 'string' && timezone !== '';
      return {
        kind: 'fixed8',
        physical: PhysicalType.INT64,
        order: 'signed',
        // The legacy TIMESTAMP_MICROS annotation means UTC-adjusted, so timestamp_ntz goes without.
        converted: (w) => (utc ? w.i32(6, CONVERTED.TIMESTAMP_MICROS) : undefined),
        // TimestampType { isAdjustedToUTC, unit: TimeUnit { MICROS (2): {} } }
        logical: logical(TIMESTAMP, (t) => t.bool(1, utc).struct(2, (u) => u.struct(2, none))),
      };
    }
    case Type.Decimal: {
      const { precision, scale, bitWidth } = type as DataType<Type.Decimal> & {
        precision: number;
        scale: number;
        bitWidth: number;
      };
      if (bitWidth !== 128 || precision < 1 || precision > 38) return undefined;
      const physical =
        precision <= 9
          ? PhysicalType.INT32
          : precision <= 18
            ? PhysicalType.INT64
            : PhysicalType.FIXED_LEN_BYTE_ARRAY;
      return {
        kind: 'decimal',
        physical,
        typeLength: physical === PhysicalType.FIXED_LEN_BYTE_ARRAY ? decimalBytes(precision) : 0,
        order: physical === PhysicalType.FIXED_LEN_BYTE_ARRAY ? 'bigEndian' : 'signed',
        converted: (w) => w.i32(6, CONVERTED.DECIMAL).i32(7, scale).i32(8, precision),
        logical: logical(DECIMAL, (d) => d.i32(1, scale).i32(2, precision)),
      };
    }
    default:
      return undefined;
  }
}

/** Writes the file's schema: a root group named `schema`, then one element per leaf. */
export function writeSchemaElements(w: ThriftWriter, leaves: readonly Leaf[]): void {
  const root = { root: true as const };
  w.structList(2, [root, ...leaves], (e, item) => {
    if ('root' in item) {
      e.string(4, 'schema').i32(5, leaves.length);
      return;
    }
    e.i32(1, item.physical);
    if (item.typeLength > 0) e.i32(2, item.typeLength);
    e.i32(3, item.nullable ? 1 : 0).string(4, item.name);
    item.converted(e);
    if (item.fieldId !== undefined) e.i32(9, item.fieldId);
    item.logical(e);
  });
}
