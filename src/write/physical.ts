import {
  type Data,
  type DataType as ArrowType,
  Field,
  List,
  makeData,
  Map_,
  RecordBatch,
  Schema,
  Struct,
} from 'apache-arrow';
import type { ColumnMappingMode } from '../protocol/features.js';
import type { DataType, StructField, StructType } from '../protocol/schema.js';
import { deltaToArrowType, LIST_ELEMENT_NAME } from '../scan/arrow-schema.js';
import { columnMappingId, PARQUET_FIELD_ID_KEY, physicalName } from '../scan/column-mapping.js';

/**
 * The physical layout of a data file: the table's columns minus partition columns, under their
 * physical names, with Parquet field ids when column mapping is on. The Arrow types are those of
 * `deltaToArrowType` (so Parquet gets INT64 microsecond timestamps, UTC-adjusted only for
 * `timestamp`, decimals as DECIMAL, 8/16-bit integers annotated as such), with lists named the
 * three-level way (`element`) and maps with a `key_value` entries group, the names Parquet's
 * LogicalTypes spec gives them.
 */

/** Name of the repeated group of a Parquet map (Parquet LogicalTypes "Maps"). */
export const PARQUET_MAP_ENTRIES_NAME = 'key_value';

/**
 * The Arrow schema a data file is encoded with: top-level fields of `schema` not in
 * `partitionColumns` (compared case-insensitively, as Delta resolves them), renamed and tagged
 * for column mapping `mode` (recursively for nested struct fields).
 */
export function physicalArrowSchema(
  schema: StructType,
  mode: ColumnMappingMode,
  partitionColumns: readonly string[],
): Schema {
  const excluded = new Set(partitionColumns.map((c) => c.toLowerCase()));
  return new Schema(
    schema.fields.filter((f) => !excluded.has(f.name.toLowerCase())).map((f) => physicalField(f, mode)),
  );
}

function physicalField(field: StructField, mode: ColumnMappingMode): Field {
  const id = mode === 'none' ? undefined : columnMappingId(field);
  const metadata = id === undefined ? undefined : new Map([[PARQUET_FIELD_ID_KEY, String(id)]]);
  return new Field(
    physicalName(field, mode),
    physicalType(field.type, mode, field.name),
    field.nullable,
    metadata,
  );
}

function physicalType(type: DataType, mode: ColumnMappingMode, where: string): ArrowType {
  switch (type.type) {
    case 'struct':
      return new Struct(type.fields.map((f) => physicalField(f, mode)));
    case 'array':
      return new List(
        new Field(
          LIST_ELEMENT_NAME,
          physicalType(type.elementType, mode, `${where}.element`),
          type.containsNull,
        ),
      );
    case 'map': {
      const entries = new Struct([
        new Field('key', physicalType(type.keyType, mode, `${where}.key`), false),
        new Field('value', physicalType(type.valueType, mode, `${where}.value`), type.valueContainsNull),
      ]);
      return new Map_(new Field(PARQUET_MAP_ENTRIES_NAME, entries, false), false);
    }
    default:
      return deltaToArrowType(type, where);
  }
}

/**
 * Relabels a batch in the table's logical Arrow form (as `conformBatch` returns it) with the
 * physical schema from {@link physicalArrowSchema}, dropping partition columns. Buffers are
 * shared, not copied: only names and field metadata differ between the two forms.
 */
export function toPhysicalBatch(
  batch: RecordBatch,
  schema: StructType,
  physical: Schema,
  partitionColumns: readonly string[],
): RecordBatch {
  const excluded = new Set(partitionColumns.map((c) => c.toLowerCase()));
  const children: Data[] = [];
  schema.fields.forEach((field, k) => {
    if (excluded.has(field.name.toLowerCase())) return;
    const target = physical.fields[children.length];
    const data = batch.data.children[k];
    if (target === undefined || data === undefined)
      throw new TypeError(`batch and physical schema disagree at column ${field.name}`);
    children.push(relabel(data, target.type));
  });
  return new RecordBatch(
    physical,
    makeData({ type: new Struct(physical.fields), length: batch.numRows, nullCount: 0, children }),
  );
}

function relabel(data: Data, type: ArrowType): Data {
  const children = data.children.map((child, k) => {
    const field = (type.children as Field[] | undefined)?.[k];
    return field === undefined ? child : relabel(child, field.type);
  });
  // Same layout under another name: the buffers are valid for `type` as they are for `data.type`.
  // apache-arrow types `clone`'s buffers by the new type, which TypeScript cannot relate to the
  // old one; the cast states the layout equality the comment above relies on.
  return data.clone(type, data.offset, data.length, data.nullCount, data.buffers as never, children);
}
