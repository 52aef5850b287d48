import { DeltaError } from '../errors.js';
import { type DataType, type StructField, type StructType, typeToJson } from '../protocol/schema.js';
import { describeDeltaType } from './schema.js';

/**
 * Schema evolution for writes with `mergeSchema`: the table schema extended by what the incoming
 * data brings, following Delta's rules — new columns and nested fields are appended as nullable,
 * existing ones keep their place, nullability, metadata and (unless widened) type.
 */

/** Options of {@link mergeSchemas}. */
export interface MergeOptions {
  /**
   * Widen a column when the incoming type is wider and PROTOCOL.md "Type Widening" allows the
   * change; the caller must make sure the table supports and enables the `typeWidening` feature.
   * Without it such a column is a `SchemaMismatch`.
   */
  readonly typeWidening?: boolean;
}

/** Metadata key of a field's history of type changes (PROTOCOL.md "Type Change Metadata"). */
export const TYPE_CHANGES_KEY = 'delta.typeChanges';

/** One entry of `delta.typeChanges`. */
export interface TypeChange {
  readonly fromType: unknown;
  readonly toType: unknown;
  readonly fieldPath?: string;
}

const INTEGER_RANK: Readonly<Record<string, number>> = { byte: 1, short: 2, integer: 3, long: 4 };

/**
 * Whether PROTOCOL.md "Type Widening" allows changing a column from `from` to `to`: byte → short →
 * integer → long, float → double, byte/short/integer → double, date → timestamp_ntz,
 * decimal(p,s) → decimal(p+k1,s+k2) with k1 >= k2 >= 0, byte/short/integer → decimal(10+k1,k2) and
 * long → decimal(20+k1,k2) with k1 >= k2 >= 0.
 */
export function isSupportedWidening(from: DataType, to: DataType): boolean {
  const fromRank = INTEGER_RANK[from.type];
  const toRank = INTEGER_RANK[to.type];
  if (fromRank !== undefined && toRank !== undefined) return fromRank < toRank;
  if (from.type === 'float' && to.type === 'double') return true;
  if (fromRank !== undefined && fromRank <= 3 && to.type === 'double') return true;
  if (from.type === 'date' && to.type === 'timestamp_ntz') return true;
  if (to.type !== 'decimal') return false;
  const fits = (p: number, s: number): boolean => {
    const k1 = to.precision - p;
    const k2 = to.scale - s;
    return k2 >= 0 && k1 >= k2;
  };
  if (from.type === 'decimal') return fits(from.precision, from.scale) && !sameType(from, to);
  return fromRank !== undefined && fits(fromRank === 4 ? 20 : 10, 0);
}

function sameType(a: DataType, b: DataType): boolean {
  return JSON.stringify(typeToJson(a)) === JSON.stringify(typeToJson(b));
}

/**
 * The table schema extended by `incoming` (see the module comment). Fields are matched by name
 * exactly, then case-insensitively. For a field present in both:
 * - equal types, or an incoming type the table type covers (narrower, or widenable into it), keep
 *   the table type (the data is converted on write);
 * - an incoming type the table type can be widened to becomes the column type when `typeWidening`
 *   is set, and the change is appended to `delta.typeChanges` of the nearest struct field (with
 *   `fieldPath` `element`, `key`, `value`, dotted for nesting);
 * - anything else is a `SchemaMismatch` naming the column.
 *
 * Returns `table` itself when nothing changes, so callers can tell whether to write `metaData`.
 * New fields get no column-mapping metadata: call `assignColumnMapping` on the result.
 */
export function mergeSchemas(
  table: StructType,
  incoming: StructType,
  options: MergeOptions = {},
): StructType {
  return mergeStruct(table, incoming, '', options.typeWidening === true);
}

function mergeStruct(table: StructType, incoming: StructType, prefix: string, widen: boolean): StructType {
  let changed = false;
  const used = new Set<StructField>();
  const fields = table.fields.map((field) => {
    const other =
      incoming.fields.find((f) => f.name === field.name) ??
      incoming.fields.find((f) => f.name.toLowerCase() === field.name.toLowerCase());
    if (other === undefined) return field;
    used.add(other);
    const changes: TypeChange[] = [];
    const type = mergeType(field.type, other.type, `${prefix}${field.name}`, '', changes, widen);
    if (type === field.type) return field;
    changed = true;
    if (changes.length === 0) return { ...field, type };
    const history = field.metadata[TYPE_CHANGES_KEY];
    const previous = Array.isArray(history) ? (history as unknown[]) : [];
    return { ...field, type, metadata: { ...field.metadata, [TYPE_CHANGES_KEY]: [...previous, ...changes] } };
  });
  for (const other of incoming.fields) {
    if (used.has(other)) continue;
    changed = true;
    fields.push({ name: other.name, type: other.type, nullable: true, metadata: {} });
  }
  return changed ? { type: 'struct', fields } : table;
}

function mergeType(
  table: DataType,
  incoming: DataType,
  path: string,
  fieldPath: string,
  changes: TypeChange[],
  widen: boolean,
): DataType {
  const sub = (suffix: string): string => (fieldPath === '' ? suffix : `${fieldPath}.${suffix}`);
  if (table.type === 'struct' && incoming.type === 'struct')
    return mergeStruct(table, incoming, `${path}.`, widen);
  if (table.type === 'array' && incoming.type === 'array') {
    const element = mergeType(
      table.elementType,
      incoming.elementType,
      `${path}.element`,
      sub('element'),
      changes,
      widen,
    );
    return element === table.elementType ? table : { ...table, elementType: element };
  }
  if (table.type === 'map' && incoming.type === 'map') {
    const keyType = mergeType(table.keyType, incoming.keyType, `${path}.key`, sub('key'), changes, widen);
    const valueType = mergeType(
      table.valueType,
      incoming.valueType,
      `${path}.value`,
      sub('value'),
      changes,
      widen,
    );
    return keyType === table.keyType && valueType === table.valueType
      ? table
      : { ...table, keyType, valueType };
  }
  if (sameType(table, incoming) || isSupportedWidening(incoming, table)) return table;
  if (isSupportedWidening(table, incoming)) {
    if (!widen)
      throw new DeltaError(
        'SchemaMismatch',
        `column ${path} has type ${describeDeltaType(table)} in the table but ${describeDeltaType(incoming)} in the data; widening it needs type widening`,
        {
          context: { field: path },
          help: 'enable type widening on the table (delta.enableTypeWidening=true), or cast the data to the table type',
        },
      );
    changes.push({
      fromType: typeToJson(table),
      toType: typeToJson(incoming),
      ...(fieldPath === '' ? {} : { fieldPath }),
    });
    return incoming;
  }
  throw new DeltaError(
    'SchemaMismatch',
    `column ${path} has type ${describeDeltaType(table)} in the table but ${describeDeltaType(incoming)} in the data, and neither can hold the other`,
    { context: { field: path }, help: 'cast the column in the data to the table type' },
  );
}
