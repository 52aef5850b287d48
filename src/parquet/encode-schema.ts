import { type DataType, type Field, type Schema, Type, TimeUnit } from 'apache-arrow';
import { decimalBytes, type Leaf, PhysicalType } from './encode-leaf.js';

/**
 * The Parquet leaves the JavaScript encoder writes for a flat Arrow schema: one per column, with
 * the physical type, logical type and legacy converted type that Spark, delta-rs and DuckDB expect
 * for each Delta type (parquet-format LogicalTypes.md). Nested and exotic columns have no leaf
 * here; the caller then encodes with parquet-wasm instead.
 */

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
    annotation: { type: 'none' },
    ...shape,
  };
}

type Shape = Pick<Leaf, 'kind' | 'physical' | 'order'> &
  Partial<Pick<Leaf, 'annotation' | 'typeLength' | 'text'>>;

function shapeOf(type: DataType): Shape | undefined {
  switch (type.typeId) {
    case Type.Bool:
      return { kind: 'bool', physical: PhysicalType.BOOLEAN, order: 'bool' };
    case Type.Int: {
      const { bitWidth, isSigned } = type as DataType<Type.Int> & { bitWidth: number; isSigned: boolean };
      if (!isSigned) return undefined;
      if (bitWidth === 32) return { kind: 'fixed4', physical: PhysicalType.INT32, order: 'signed' };
      if (bitWidth === 64) return { kind: 'fixed8', physical: PhysicalType.INT64, order: 'signed' };
      return {
        kind: 'widen',
        physical: PhysicalType.INT32,
        order: 'signed',
        annotation: { type: 'int', bitWidth },
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
        annotation: { type: 'string' },
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
        annotation: { type: 'date' },
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
        annotation: { type: 'timestamp', utc },
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
        annotation: { type: 'decimal', precision, scale },
      };
    }
    default:
      return undefined;
  }
}
