import { randomUUID } from 'node:crypto';
import type { ColumnMappingMode } from '../protocol/features.js';
import type { DataType, StructField, StructType } from '../protocol/schema.js';
import { columnMappingId, FIELD_ID_KEY, PHYSICAL_NAME_KEY } from '../scan/column-mapping.js';

/**
 * Column-mapping metadata for writers (PROTOCOL.md "Writer Requirements for Column Mapping"):
 * every column, nested or not, gets a unique id and a physical name, and the highest id handed out
 * is tracked in the table property `delta.columnMapping.maxColumnId`.
 */

/** The table property that tracks the highest column id assigned so far. */
export const MAX_COLUMN_ID_KEY = 'delta.columnMapping.maxColumnId';

/** Options of {@link assignColumnMapping}. */
export interface AssignColumnMappingOptions {
  /** The table's mode; `none` leaves the schema untouched. */
  readonly mode: ColumnMappingMode;
  /** The table's `delta.columnMapping.maxColumnId` (0 for a new table). */
  readonly maxColumnId: number;
}

/** The result of {@link assignColumnMapping}. */
export interface AssignedColumnMapping {
  readonly schema: StructType;
  /** The new value of `delta.columnMapping.maxColumnId`. */
  readonly maxColumnId: number;
}

/**
 * Gives every field that lacks them (top-level, struct fields nested in structs, arrays and maps)
 * a `delta.columnMapping.id` and a `delta.columnMapping.physicalName` of the form `col-<uuid>`.
 * Ids continue from the larger of `maxColumnId` and the largest id already in the schema, in
 * depth-first schema order, so they stay unique and increase monotonically. Fields that have both
 * are returned unchanged (the physical name must never change, or old files lose their column).
 * The globally unique physical name is what lets a dropped column's name be reused without
 * reading the old column's data.
 */
export function assignColumnMapping(
  schema: StructType,
  options: AssignColumnMappingOptions,
): AssignedColumnMapping {
  if (options.mode === 'none') return { schema, maxColumnId: options.maxColumnId };
  const state = { next: Math.max(options.maxColumnId, maxIdIn(schema)) };
  const assigned = assignStruct(schema, state);
  return { schema: assigned, maxColumnId: state.next };
}

function maxIdIn(type: DataType): number {
  switch (type.type) {
    case 'struct':
      return type.fields.reduce((m, f) => Math.max(m, columnMappingId(f) ?? 0, maxIdIn(f.type)), 0);
    case 'array':
      return maxIdIn(type.elementType);
    case 'map':
      return Math.max(maxIdIn(type.keyType), maxIdIn(type.valueType));
    default:
      return 0;
  }
}

function assignStruct(struct: StructType, state: { next: number }): StructType {
  let changed = false;
  const fields = struct.fields.map((field): StructField => {
    let metadata = field.metadata;
    if (columnMappingId(field) === undefined) {
      state.next += 1;
      metadata = { ...metadata, [FIELD_ID_KEY]: state.next };
    }
    const physical = field.metadata[PHYSICAL_NAME_KEY];
    if (typeof physical !== 'string' || physical === '')
      metadata = { ...metadata, [PHYSICAL_NAME_KEY]: `col-${randomUUID()}` };
    const type = assignType(field.type, state);
    if (metadata === field.metadata && type === field.type) return field;
    changed = true;
    return { ...field, type, metadata };
  });
  return changed ? { type: 'struct', fields } : struct;
}

function assignType(type: DataType, state: { next: number }): DataType {
  switch (type.type) {
    case 'struct':
      return assignStruct(type, state);
    case 'array': {
      const elementType = assignType(type.elementType, state);
      return elementType === type.elementType ? type : { ...type, elementType };
    }
    case 'map': {
      const keyType = assignType(type.keyType, state);
      const valueType = assignType(type.valueType, state);
      return keyType === type.keyType && valueType === type.valueType
        ? type
        : { ...type, keyType, valueType };
    }
    default:
      return type;
  }
}
