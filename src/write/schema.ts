import {
  type DataType as ArrowType,
  DataType as ArrowTypes,
  DateUnit,
  type Decimal,
  type Field,
  type Float,
  type Int,
  Precision,
  type Schema,
  type Timestamp,
} from 'apache-arrow';
import { DeltaError } from '../errors.js';
import type { DataType, StructField, StructType } from '../protocol/schema.js';

/**
 * The Delta side of incoming Arrow data: which Delta type an Arrow type stands for, and whether
 * Arrow data of one type may be stored in a column of a Delta type without losing information.
 *
 * Both directions are needed by `delta-ts write`: a table created from a file takes its schema
 * from {@link arrowToDeltaSchema}, and an append into an existing table accepts a column only when
 * {@link insertableInto} allows the conversion (see `conform.ts`).
 */

/** Renders a Delta type as Delta writes it in `schemaString`, for error messages. */
export function describeDeltaType(type: DataType): string {
  switch (type.type) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return `array<${describeDeltaType(type.elementType)}>`;
    case 'map':
      return `map<${describeDeltaType(type.keyType)},${describeDeltaType(type.valueType)}>`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${describeDeltaType(f.type)}`).join(',')}>`;
    default:
      return type.type;
  }
}

function mismatch(column: string, message: string, help?: string): DeltaError<'SchemaMismatch'> {
  return new DeltaError('SchemaMismatch', `column ${column}: ${message}`, {
    context: { field: column },
    ...(help === undefined ? {} : { help }),
  });
}

/**
 * The Delta schema of Arrow data: every field nullable as Arrow declares it, metadata empty
 * (Arrow field metadata such as `PARQUET:field_id` is file-level detail, not table schema).
 *
 * @throws DeltaError `SchemaMismatch` naming the column for an Arrow type with no Delta type
 *   (unsigned 64-bit integers, durations, times of day, unions, an all-null column).
 */
export function arrowToDeltaSchema(schema: Schema): StructType {
  return { type: 'struct', fields: schema.fields.map((f) => arrowFieldToDelta(f, f.name)) };
}

function arrowFieldToDelta(field: Field, path: string): StructField {
  return {
    name: field.name,
    type: arrowToDeltaType(field.type, path),
    nullable: field.nullable,
    metadata: {},
  };
}

/**
 * The Delta type of an Arrow type: integers by width (unsigned ones in the next wider signed type,
 * since Delta has no unsigned types), half and single floats as `float`, strings and binaries of
 * any layout, dates, timestamps with a zone as `timestamp` and without as `timestamp_ntz` (any unit;
 * data is converted to microseconds), decimals up to precision 38, lists, structs and maps;
 * dictionary-encoded columns as their value type. `path` names the column in errors.
 */
export function arrowToDeltaType(type: ArrowType, path: string): DataType {
  if (ArrowTypes.isDictionary(type)) return arrowToDeltaType(type.dictionary, path);
  if (ArrowTypes.isBool(type)) return { type: 'boolean' };
  if (ArrowTypes.isInt(type)) {
    const t = type as Int;
    const bits = t.isSigned ? t.bitWidth : t.bitWidth * 2;
    if (bits > 64)
      throw mismatch(
        path,
        'unsigned 64-bit integers have no Delta type',
        'cast the column to int64 or decimal(20,0)',
      );
    return { type: bits === 8 ? 'byte' : bits === 16 ? 'short' : bits === 32 ? 'integer' : 'long' };
  }
  if (ArrowTypes.isFloat(type))
    return { type: (type as Float).precision === Precision.DOUBLE ? 'double' : 'float' };
  if (ArrowTypes.isUtf8(type) || ArrowTypes.isLargeUtf8(type) || ArrowTypes.isUtf8View(type))
    return { type: 'string' };
  if (
    ArrowTypes.isBinary(type) ||
    ArrowTypes.isLargeBinary(type) ||
    ArrowTypes.isBinaryView(type) ||
    ArrowTypes.isFixedSizeBinary(type)
  )
    return { type: 'binary' };
  if (ArrowTypes.isDate(type)) return { type: 'date' };
  if (ArrowTypes.isTimestamp(type))
    return { type: (type as Timestamp).timezone ? 'timestamp' : 'timestamp_ntz' };
  if (ArrowTypes.isDecimal(type)) {
    const t = type as Decimal;
    if (t.precision > 38 || t.precision < 1 || t.scale < 0 || t.scale > t.precision)
      throw mismatch(
        path,
        `decimal(${t.precision},${t.scale}) is outside what Delta allows (precision 1..38, 0 <= scale <= precision)`,
      );
    return { type: 'decimal', precision: t.precision, scale: t.scale };
  }
  if (ArrowTypes.isList(type) || ArrowTypes.isLargeList(type) || ArrowTypes.isFixedSizeList(type)) {
    const element = type.children[0];
    if (element === undefined) throw mismatch(path, 'list type without an element field');
    return {
      type: 'array',
      elementType: arrowToDeltaType(element.type, `${path}.element`),
      containsNull: element.nullable,
    };
  }
  if (ArrowTypes.isMap(type)) {
    const [key, value] = type.children[0]?.type.children ?? [];
    if (key === undefined || value === undefined)
      throw mismatch(path, 'map type without key and value fields');
    return {
      type: 'map',
      keyType: arrowToDeltaType(key.type, `${path}.key`),
      valueType: arrowToDeltaType(value.type, `${path}.value`),
      valueContainsNull: value.nullable,
    };
  }
  if (ArrowTypes.isStruct(type))
    return {
      type: 'struct',
      fields: type.children.map((f: Field) => arrowFieldToDelta(f, `${path}.${f.name}`)),
    };
  if (ArrowTypes.isNull(type))
    throw mismatch(
      path,
      'has no type (every value is null)',
      'give the column a type, or create the table with an explicit schema',
    );
  throw mismatch(path, `Arrow type ${String(type)} has no Delta type`);
}

/** Decimal digits a signed integer of `bits` bits may need. */
const INT_DIGITS: Readonly<Record<number, number>> = { 8: 3, 16: 5, 32: 10, 64: 19 };

/**
 * Whether Arrow data of type `src` can be stored in a column of Delta type `target` exactly:
 * narrower integers into wider ones (unsigned into a signed type with room), integers of up to 32
 * bits and floats into `double`, half/single floats into `float`, integers and decimals into a
 * decimal with enough integer digits and at least the scale, any string layout (and dictionaries
 * of strings) into `string`, any binary layout into `binary`, any date unit into `date`, timestamps
 * of any unit into the timestamp of the same zone-ness (nanoseconds are floored to microseconds,
 * the precision Delta stores), day dates into `timestamp_ntz`, an all-null column into anything. Nested types are compared level
 * by level; struct fields are checked by {@link checkInsertable} (it needs the field names).
 * Returns the reason when not.
 */
export function insertableInto(src: ArrowType, target: DataType): string | undefined {
  if (ArrowTypes.isDictionary(src)) return insertableInto(src.dictionary, target);
  if (ArrowTypes.isNull(src)) return undefined;
  const no = `Arrow type ${String(src)} cannot be stored as ${describeDeltaType(target)} without loss`;
  switch (target.type) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'long': {
      if (!ArrowTypes.isInt(src)) return no;
      const bits = { byte: 8, short: 16, integer: 32, long: 64 }[target.type];
      const t = src as Int;
      return (t.isSigned ? t.bitWidth <= bits : t.bitWidth < bits) ? undefined : no;
    }
    case 'float':
      return ArrowTypes.isFloat(src) && (src as Float).precision !== Precision.DOUBLE ? undefined : no;
    case 'double':
      if (ArrowTypes.isFloat(src)) return undefined;
      return ArrowTypes.isInt(src) && (src as Int).isSigned && (src as Int).bitWidth <= 32 ? undefined : no;
    case 'decimal': {
      const room = target.precision - target.scale;
      if (ArrowTypes.isInt(src))
        return (src as Int).isSigned && (INT_DIGITS[(src as Int).bitWidth] ?? 39) <= room ? undefined : no;
      if (!ArrowTypes.isDecimal(src)) return no;
      const t = src as Decimal;
      return t.scale <= target.scale && t.precision - t.scale <= room ? undefined : no;
    }
    case 'string':
      return ArrowTypes.isUtf8(src) || ArrowTypes.isLargeUtf8(src) || ArrowTypes.isUtf8View(src)
        ? undefined
        : no;
    case 'binary':
      return ArrowTypes.isBinary(src) ||
        ArrowTypes.isLargeBinary(src) ||
        ArrowTypes.isBinaryView(src) ||
        ArrowTypes.isFixedSizeBinary(src)
        ? undefined
        : no;
    case 'boolean':
      return ArrowTypes.isBool(src) ? undefined : no;
    case 'date':
      return ArrowTypes.isDate(src) ? undefined : no;
    case 'timestamp':
    case 'timestamp_ntz': {
      // A date is midnight of that day, exactly, in a zone-less timestamp (the date widening).
      if (target.type === 'timestamp_ntz' && ArrowTypes.isDate(src) && src.unit === DateUnit.DAY)
        return undefined;
      if (!ArrowTypes.isTimestamp(src)) return no;
      const zoned = Boolean((src as Timestamp).timezone);
      if (zoned === (target.type === 'timestamp')) return undefined;
      return zoned
        ? `${no}: a timestamp with a time zone cannot go into a timestamp_ntz column`
        : `${no}: a timestamp without a time zone cannot go into a timestamp column (convert it to UTC first)`;
    }
    case 'array':
      return ArrowTypes.isList(src) || ArrowTypes.isLargeList(src) || ArrowTypes.isFixedSizeList(src)
        ? undefined
        : no;
    case 'map':
      return ArrowTypes.isMap(src) ? undefined : no;
    case 'struct':
      return ArrowTypes.isStruct(src) ? undefined : no;
    case 'void':
      return no;
    case 'variant':
      return `${no}: writing variant columns is not supported`;
  }
}
