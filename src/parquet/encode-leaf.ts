import type { ThriftWriter } from './thrift-write.js';

/**
 * What the JavaScript Parquet encoder knows of a column: its Parquet physical type, how its Arrow
 * values become Parquet values, and its annotations. Plain data (no closures, no apache-arrow
 * types), so leaves can be compared, logged and posted as they are.
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
  /** How min/max statistics order the values. */
  readonly order: 'signed' | 'float' | 'bytes' | 'bool' | 'bigEndian';
  /** The logical type (and legacy converted type) the schema element carries. */
  readonly annotation: Annotation;
  readonly fieldId: number | undefined;
}

/** Logical types the encoder annotates leaves with. */
export type Annotation =
  | { readonly type: 'none' }
  | { readonly type: 'string' }
  | { readonly type: 'date' }
  | { readonly type: 'int'; readonly bitWidth: number }
  | { readonly type: 'timestamp'; readonly utc: boolean }
  | { readonly type: 'decimal'; readonly precision: number; readonly scale: number };

const LOGICAL = { STRING: 1, DECIMAL: 5, DATE: 6, TIMESTAMP: 8, INTEGER: 10 } as const;
const CONVERTED = { UTF8: 0, DECIMAL: 5, DATE: 6, TIMESTAMP_MICROS: 10, INT_8: 15, INT_16: 16 } as const;

/** SchemaElement fields 6–8: the legacy converted type, with scale and precision for decimals. */
function writeConverted(w: ThriftWriter, a: Annotation): void {
  switch (a.type) {
    case 'string':
      w.i32(6, CONVERTED.UTF8);
      break;
    case 'date':
      w.i32(6, CONVERTED.DATE);
      break;
    case 'int':
      w.i32(6, a.bitWidth === 8 ? CONVERTED.INT_8 : CONVERTED.INT_16);
      break;
    case 'timestamp':
      // TIMESTAMP_MICROS means UTC-adjusted, so timestamp_ntz goes without a converted type.
      if (a.utc) w.i32(6, CONVERTED.TIMESTAMP_MICROS);
      break;
    case 'decimal':
      w.i32(6, CONVERTED.DECIMAL).i32(7, a.scale).i32(8, a.precision);
      break;
    case 'none':
      break;
  }
}

/** SchemaElement field 10: the LogicalType union. */
function writeLogical(w: ThriftWriter, a: Annotation): void {
  const empty = (): void => undefined;
  switch (a.type) {
    case 'string':
      w.struct(10, (l) => l.struct(LOGICAL.STRING, empty));
      break;
    case 'date':
      w.struct(10, (l) => l.struct(LOGICAL.DATE, empty));
      break;
    case 'int':
      w.struct(10, (l) => l.struct(LOGICAL.INTEGER, (t) => t.i8(1, a.bitWidth).bool(2, true)));
      break;
    case 'timestamp':
      // TimestampType { isAdjustedToUTC, unit: TimeUnit { MICROS (2): {} } }
      w.struct(10, (l) =>
        l.struct(LOGICAL.TIMESTAMP, (t) => t.bool(1, a.utc).struct(2, (u) => u.struct(2, empty))),
      );
      break;
    case 'decimal':
      w.struct(10, (l) => l.struct(LOGICAL.DECIMAL, (d) => d.i32(1, a.scale).i32(2, a.precision)));
      break;
    case 'none':
      break;
  }
}

/** Bytes of the two's-complement big-endian form of any unscaled value of `precision` digits. */
export function decimalBytes(precision: number): number {
  let n = 1;
  while (2 ** (8 * n - 1) <= 10 ** precision) n++;
  return n;
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
    writeConverted(e, item.annotation);
    if (item.fieldId !== undefined) e.i32(9, item.fieldId);
    writeLogical(e, item.annotation);
  });
}
