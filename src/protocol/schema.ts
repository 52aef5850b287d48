import { DeltaError } from '../errors.js';

/**
 * Delta's logical schema, as serialised in `metaData.schemaString` (PROTOCOL.md "Schema
 * Serialization Format"). Parsing is strict: an unknown type name is an `InvalidSchema` error naming
 * the field, never a silently dropped column.
 */

/** Names of Delta's primitive types. Decimals are `decimal(p,s)` and parsed into {@link DecimalType}. */
export type PrimitiveTypeName =
  | 'string'
  | 'long'
  | 'integer'
  | 'short'
  | 'byte'
  | 'float'
  | 'double'
  | 'boolean'
  | 'binary'
  | 'date'
  | 'timestamp'
  | 'timestamp_ntz'
  | 'variant'
  | 'void';

/** A primitive type. */
export interface PrimitiveType {
  readonly type: PrimitiveTypeName;
}

/** `decimal(precision, scale)`. */
export interface DecimalType {
  readonly type: 'decimal';
  readonly precision: number;
  readonly scale: number;
}

/** A field of a struct. `metadata` carries column-mapping ids/physical names and more. */
export interface StructField {
  readonly name: string;
  readonly type: DataType;
  readonly nullable: boolean;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** A struct (also the table's root schema). */
export interface StructType {
  readonly type: 'struct';
  readonly fields: readonly StructField[];
}

/** An array. */
export interface ArrayType {
  readonly type: 'array';
  readonly elementType: DataType;
  readonly containsNull: boolean;
}

/** A map. */
export interface MapType {
  readonly type: 'map';
  readonly keyType: DataType;
  readonly valueType: DataType;
  readonly valueContainsNull: boolean;
}

/** Any Delta data type. */
export type DataType = PrimitiveType | DecimalType | StructType | ArrayType | MapType;

const PRIMITIVES = new Set<string>([
  'string',
  'long',
  'integer',
  'short',
  'byte',
  'float',
  'double',
  'boolean',
  'binary',
  'date',
  'timestamp',
  'timestamp_ntz',
  'variant',
  'void',
]);

/** Parses `schemaString`. The root must be a struct. */
export function parseSchema(schemaString: string): StructType {
  let json: unknown;
  try {
    json = JSON.parse(schemaString);
  } catch (err) {
    throw new DeltaError('InvalidSchema', `schemaString is not valid JSON: ${String(err)}`, { cause: err });
  }
  const type = parseType(json, '<root>');
  if (type.type !== 'struct')
    throw new DeltaError('InvalidSchema', `the root of schemaString is not a struct`);
  return type;
}

/** Parses one serialised data type; `where` names the field for error messages. */
export function parseType(json: unknown, where: string): DataType {
  if (typeof json === 'string') {
    if (PRIMITIVES.has(json)) return { type: json as PrimitiveTypeName };
    const m = /^decimal\(\s*(\d+)\s*,\s*(-?\d+)\s*\)$/.exec(json);
    if (m) return { type: 'decimal', precision: Number(m[1]), scale: Number(m[2]) };
    if (json === 'decimal') return { type: 'decimal', precision: 10, scale: 0 };
    throw new DeltaError('InvalidSchema', `field ${where}: unknown type ${JSON.stringify(json)}`, {
      context: { field: where },
    });
  }
  if (typeof json !== 'object' || json === null) {
    throw new DeltaError('InvalidSchema', `field ${where}: type must be a string or object`, {
      context: { field: where },
    });
  }
  const obj = json as Record<string, unknown>;
  switch (obj.type) {
    case 'struct': {
      if (!Array.isArray(obj.fields))
        throw new DeltaError('InvalidSchema', `field ${where}: struct without fields`);
      const fields = obj.fields.map((f: unknown, i: number) => parseField(f, `${where}[${i}]`));
      return { type: 'struct', fields };
    }
    case 'array':
      return {
        type: 'array',
        elementType: parseType(obj.elementType, `${where}.element`),
        containsNull: obj.containsNull !== false,
      };
    case 'map':
      return {
        type: 'map',
        keyType: parseType(obj.keyType, `${where}.key`),
        valueType: parseType(obj.valueType, `${where}.value`),
        valueContainsNull: obj.valueContainsNull !== false,
      };
    default:
      throw new DeltaError(
        'InvalidSchema',
        `field ${where}: unknown complex type ${JSON.stringify(obj.type)}`,
        {
          context: { field: where },
        },
      );
  }
}

function parseField(json: unknown, where: string): StructField {
  if (typeof json !== 'object' || json === null)
    throw new DeltaError('InvalidSchema', `field ${where} is not an object`);
  const obj = json as Record<string, unknown>;
  if (typeof obj.name !== 'string') throw new DeltaError('InvalidSchema', `field ${where} has no name`);
  const name = obj.name;
  const metadata =
    typeof obj.metadata === 'object' && obj.metadata !== null
      ? (obj.metadata as Record<string, unknown>)
      : {};
  return { name, type: parseType(obj.type, name), nullable: obj.nullable !== false, metadata };
}

/** Serialises a type back to Delta's JSON form (the inverse of {@link parseType}). */
export function typeToJson(type: DataType): unknown {
  switch (type.type) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'struct':
      return {
        type: 'struct',
        fields: type.fields.map((f) => ({
          name: f.name,
          type: typeToJson(f.type),
          nullable: f.nullable,
          metadata: f.metadata,
        })),
      };
    case 'array':
      return { type: 'array', elementType: typeToJson(type.elementType), containsNull: type.containsNull };
    case 'map':
      return {
        type: 'map',
        keyType: typeToJson(type.keyType),
        valueType: typeToJson(type.valueType),
        valueContainsNull: type.valueContainsNull,
      };
    default:
      return type.type;
  }
}

/** Finds a top-level field by name, case-sensitively first, then case-insensitively as Spark does. */
export function findField(schema: StructType, name: string): StructField | undefined {
  return (
    schema.fields.find((f) => f.name === name) ??
    schema.fields.find((f) => f.name.toLowerCase() === name.toLowerCase())
  );
}
