import type { Field } from 'apache-arrow';
import type { StructField } from '../protocol/schema.js';

/**
 * Column mapping (PROTOCOL.md "Column Mapping"): how a logical field finds its data in a Parquet
 * file. In mode `name` files use the physical names from field metadata; in mode `id` they carry
 * Parquet field ids; in mode `none` logical names are the file's names.
 */

/** The table's `delta.columnMapping.mode`. */
export type ColumnMappingMode = 'none' | 'name' | 'id';

/** Metadata key of a field's physical name. */
export const PHYSICAL_NAME_KEY = 'delta.columnMapping.physicalName';
/** Metadata key of a field's column-mapping id. */
export const FIELD_ID_KEY = 'delta.columnMapping.id';
/** Arrow field metadata key under which the Parquet decoder exposes a field id. */
export const PARQUET_FIELD_ID_KEY = 'PARQUET:field_id';

/**
 * The name a field has in data files under `mode`: its `delta.columnMapping.physicalName` when
 * column mapping is on (falling back to the logical name for fields written before it was),
 * else the logical name.
 */
export function physicalName(field: StructField, mode: ColumnMappingMode): string {
  if (mode === 'none') return field.name;
  const physical = field.metadata[PHYSICAL_NAME_KEY];
  return typeof physical === 'string' && physical !== '' ? physical : field.name;
}

/** The field's column-mapping id, when it has a valid one. */
export function columnMappingId(field: StructField): number | undefined {
  const raw = field.metadata[FIELD_ID_KEY];
  const id = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(id) ? id : undefined;
}

/**
 * Index in `fileFields` (one struct level of a Parquet file's Arrow schema) of the data for the
 * logical `field`, or -1 when the file does not have it (the column then reads as null).
 *
 * Mode `id` matches `PARQUET:field_id` to `delta.columnMapping.id`, but only when this level of
 * the file carries ids at all; files written without ids are matched by physical name. Mode
 * `none` tries the exact name, then a case-insensitive match as Spark does.
 */
export function findPhysicalField(
  fileFields: readonly Field[],
  field: StructField,
  mode: ColumnMappingMode,
): number {
  if (mode === 'id') {
    const id = columnMappingId(field);
    const fileHasIds = fileFields.some((f) => f.metadata.has(PARQUET_FIELD_ID_KEY));
    if (id !== undefined && fileHasIds)
      return fileFields.findIndex((f) => f.metadata.get(PARQUET_FIELD_ID_KEY) === String(id));
  }
  const name = physicalName(field, mode);
  const exact = fileFields.findIndex((f) => f.name === name);
  if (exact >= 0 || mode !== 'none') return exact;
  const lower = name.toLowerCase();
  return fileFields.findIndex((f) => f.name.toLowerCase() === lower);
}
