import {
  Binary,
  Bool,
  type DataType as ArrowType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Map_,
  Null,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
} from 'apache-arrow';
import { DeltaError } from '../errors.js';
import type { DataType, StructField, StructType } from '../protocol/schema.js';

/**
 * The one mapping from Delta types to Arrow types. Every batch that `readDataFile` yields is built
 * against these types, whatever the Parquet file physically held, so batches of different files of
 * one snapshot share a schema and can be concatenated.
 */

/** Name of a list's element field. Parquet's three-level list calls it `element`. */
export const LIST_ELEMENT_NAME = 'element';
/** Name of a map's entries struct, as the Arrow format recommends. */
export const MAP_ENTRIES_NAME = 'entries';

/**
 * Maps a Delta type to its Arrow type.
 *
 * `timestamp` is UTC-adjusted microseconds (`Timestamp(MICROSECOND, 'UTC')`), `timestamp_ntz` the
 * same without a zone, `date` is days (`DateDay`), decimals are 128-bit. `variant` is refused with
 * `UnsupportedFeature` because decoding its binary encoding is not implemented; `where` names the
 * column in that error.
 */
export function deltaToArrowType(type: DataType, where = '<type>'): ArrowType {
  switch (type.type) {
    case 'string':
      return new Utf8();
    case 'long':
      return new Int64();
    case 'integer':
      return new Int32();
    case 'short':
      return new Int16();
    case 'byte':
      return new Int8();
    case 'float':
      return new Float32();
    case 'double':
      return new Float64();
    case 'boolean':
      return new Bool();
    case 'binary':
      return new Binary();
    case 'date':
      return new DateDay();
    case 'timestamp':
      return new TimestampMicrosecond('UTC');
    case 'timestamp_ntz':
      return new TimestampMicrosecond();
    case 'void':
      return new Null();
    case 'decimal':
      if (type.precision < 1 || type.precision > 38 || type.scale < 0 || type.scale > type.precision)
        throw new DeltaError(
          'InvalidSchema',
          `column ${where}: decimal(${type.precision},${type.scale}) is outside what Delta allows (precision 1..38, 0 <= scale <= precision)`,
          { context: { field: where } },
        );
      return new Decimal(type.scale, type.precision, 128);
    case 'struct':
      return new Struct(type.fields.map((f) => structFieldToArrow(f, `${where}.${f.name}`)));
    case 'array':
      return new List(
        new Field(
          LIST_ELEMENT_NAME,
          deltaToArrowType(type.elementType, `${where}.element`),
          type.containsNull,
        ),
      );
    case 'map': {
      const entries = new Struct([
        new Field('key', deltaToArrowType(type.keyType, `${where}.key`), false),
        new Field('value', deltaToArrowType(type.valueType, `${where}.value`), type.valueContainsNull),
      ]);
      return new Map_(new Field(MAP_ENTRIES_NAME, entries, false), false);
    }
    case 'variant':
      throw new DeltaError(
        'UnsupportedFeature',
        `column ${where} has type variant, which this build cannot decode`,
        {
          context: { field: where },
          help: 'Select other columns, or read the table with an engine that supports the variantType feature.',
        },
      );
  }
}

function structFieldToArrow(field: StructField, where: string): Field {
  return new Field(field.name, deltaToArrowType(field.type, where), field.nullable);
}

/**
 * The Arrow schema of a scan's output: logical names, Delta types mapped by
 * {@link deltaToArrowType}, nullability as declared.
 *
 * `columns` selects and orders top-level columns (matched exactly first, then case-insensitively
 * as Spark resolves names); an unknown name is an `InvalidArgument` error rather than a silently
 * missing column.
 */
export function deltaToArrowSchema(schema: StructType, columns?: readonly string[]): Schema {
  return new Schema(selectFields(schema, columns).map((f) => structFieldToArrow(f, f.name)));
}

/**
 * The top-level fields of `schema` named by `columns` (all, in schema order, when omitted). Shared
 * by the schema mapping and the file reader so both agree on order and name resolution.
 */
export function selectFields(schema: StructType, columns?: readonly string[]): StructField[] {
  if (columns === undefined) return [...schema.fields];
  return columns.map((name) => {
    const field =
      schema.fields.find((f) => f.name === name) ??
      schema.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (field === undefined)
      throw new DeltaError(
        'InvalidArgument',
        `column ${name} is not in the table schema (columns: ${schema.fields.map((f) => f.name).join(', ')})`,
        { context: { field: name } },
      );
    return field;
  });
}
