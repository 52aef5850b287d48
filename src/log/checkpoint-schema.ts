/**
 * The Parquet layout of a checkpoint (PROTOCOL.md "Checkpoints", appendix "Checkpoint Schema") and
 * the typed values of its parsed columns.
 *
 * The layout is the one Spark writes, because every reader is tested against Spark's checkpoints:
 * one nullable struct column per action type, 64-bit integers for sizes, times and versions, 32-bit
 * for protocol versions and deletion-vector offsets, string maps for partition values, tags,
 * configuration and format options. It is expressed as a Delta {@link StructType} so that its Arrow
 * form comes from `physicalArrowSchema`. Plain columns are built straight from the JSON-shaped
 * actions (`checkpoint-arrow.ts`); the typed `stats_parsed` and `partitionValues_parsed` values are
 * converted here to the general column builder's representation (bigint for longs, `[key, value]`
 * pairs for maps).
 */
import type { Add, Metadata } from '../protocol/actions.js';
import type { ColumnMappingMode } from '../protocol/features.js';
import { parsePartitionValue } from '../protocol/partition.js';
import type { DataType, MapType, StructField, StructType } from '../protocol/schema.js';
import { physicalName } from '../scan/column-mapping.js';

const STRING: DataType = { type: 'string' };
const LONG: DataType = { type: 'long' };
const INT: DataType = { type: 'integer' };
const BOOL: DataType = { type: 'boolean' };
const STRING_MAP: MapType = { type: 'map', keyType: STRING, valueType: STRING, valueContainsNull: true };
const STRING_ARRAY: DataType = { type: 'array', elementType: STRING, containsNull: true };

function field(name: string, type: DataType): StructField {
  return { name, type, nullable: true, metadata: {} };
}

function struct(...fields: StructField[]): StructType {
  return { type: 'struct', fields };
}

const DELETION_VECTOR = struct(
  field('storageType', STRING),
  field('pathOrInlineDv', STRING),
  field('offset', INT),
  field('sizeInBytes', INT),
  field('cardinality', LONG),
  field('maxRowIndex', LONG),
);

/** `remove` in a checkpoint: a tombstone for VACUUM, so without `stats` and `tags`. */
const REMOVE = struct(
  field('path', STRING),
  field('deletionTimestamp', LONG),
  field('dataChange', BOOL),
  field('extendedFileMetadata', BOOL),
  field('partitionValues', STRING_MAP),
  field('size', LONG),
  field('deletionVector', DELETION_VECTOR),
  field('baseRowId', LONG),
  field('defaultRowCommitVersion', LONG),
);

const NON_FILE_COLUMNS: readonly StructField[] = [
  field('txn', struct(field('appId', STRING), field('version', LONG), field('lastUpdated', LONG))),
  field(
    'metaData',
    struct(
      field('id', STRING),
      field('name', STRING),
      field('description', STRING),
      field('format', struct(field('provider', STRING), field('options', STRING_MAP))),
      field('schemaString', STRING),
      field('partitionColumns', STRING_ARRAY),
      field('configuration', STRING_MAP),
      field('createdTime', LONG),
    ),
  ),
  field(
    'protocol',
    struct(
      field('minReaderVersion', INT),
      field('minWriterVersion', INT),
      field('readerFeatures', STRING_ARRAY),
      field('writerFeatures', STRING_ARRAY),
    ),
  ),
  field(
    'domainMetadata',
    struct(field('domain', STRING), field('configuration', STRING), field('removed', BOOL)),
  ),
];

const V2_COLUMNS: readonly StructField[] = [
  field('checkpointMetadata', struct(field('version', LONG), field('tags', STRING_MAP))),
  field(
    'sidecar',
    struct(
      field('path', STRING),
      field('sizeInBytes', LONG),
      field('modificationTime', LONG),
      field('tags', STRING_MAP),
    ),
  ),
];

/** What the `add` column holds, from the table's checkpoint properties. */
export interface AddLayout {
  /** `delta.checkpoint.writeStatsAsJson` (default true): keep `stats` as a JSON string. */
  readonly statsAsJson: boolean;
  /** `stats_parsed`, when `delta.checkpoint.writeStatsAsStruct` is true. */
  readonly statsParsed?: StructType;
  /** `partitionValues_parsed`, when stats are written as structs and the table is partitioned. */
  readonly partitionValuesParsed?: StructType;
}

/** The `add` column's type. */
export function addType(layout: AddLayout): StructType {
  return struct(
    field('path', STRING),
    field('partitionValues', STRING_MAP),
    field('size', LONG),
    field('modificationTime', LONG),
    field('dataChange', BOOL),
    ...(layout.statsAsJson ? [field('stats', STRING)] : []),
    field('tags', STRING_MAP),
    field('deletionVector', DELETION_VECTOR),
    field('baseRowId', LONG),
    field('defaultRowCommitVersion', LONG),
    field('clusteringProvider', STRING),
    ...(layout.partitionValuesParsed ? [field('partitionValues_parsed', layout.partitionValuesParsed)] : []),
    ...(layout.statsParsed ? [field('stats_parsed', layout.statsParsed)] : []),
  );
}

/**
 * The schema of a checkpoint file: every action column, plus `checkpointMetadata` and `sidecar`
 * for a V2-spec checkpoint (a V1 checkpoint must not hold them).
 */
export function checkpointSchema(layout: AddLayout, v2: boolean): StructType {
  const [txn, ...rest] = NON_FILE_COLUMNS;
  return struct(
    ...(txn ? [txn] : []),
    field('add', addType(layout)),
    field('remove', REMOVE),
    ...rest,
    ...(v2 ? V2_COLUMNS : []),
  );
}

/** The schema of a V2 sidecar file: file actions only. */
export function sidecarSchema(layout: AddLayout): StructType {
  return struct(field('add', addType(layout)), field('remove', REMOVE));
}

/** Stats leaves with min/max values; others (binary, boolean, nested collections) only count nulls. */
function hasMinMax(type: DataType): boolean {
  return !['binary', 'boolean', 'array', 'map', 'variant', 'void', 'struct'].includes(type.type);
}

function minMaxStruct(fields: readonly StructField[], mode: ColumnMappingMode): StructType | undefined {
  const out: StructField[] = [];
  for (const f of fields) {
    if (f.type.type === 'struct') {
      const inner = minMaxStruct(f.type.fields, mode);
      if (inner) out.push(field(physicalName(f, mode), inner));
    } else if (hasMinMax(f.type)) out.push(field(physicalName(f, mode), f.type));
  }
  return out.length > 0 ? struct(...out) : undefined;
}

function nullCountStruct(fields: readonly StructField[], mode: ColumnMappingMode): StructType {
  return struct(
    ...fields.map((f) =>
      field(physicalName(f, mode), f.type.type === 'struct' ? nullCountStruct(f.type.fields, mode) : LONG),
    ),
  );
}

/**
 * The `stats_parsed` type of a table (PROTOCOL.md "Per-file Statistics"): `numRecords`,
 * `minValues`/`maxValues` over the data columns that have bounds, `nullCount` over every data column,
 * and `tightBounds`, all under physical names. Partition columns are not in data files, so they
 * have no statistics.
 */
export function statsParsedType(schema: StructType, metadata: Metadata, mode: ColumnMappingMode): StructType {
  const partitions = new Set(metadata.partitionColumns.map((c) => c.toLowerCase()));
  const data = schema.fields.filter((f) => !partitions.has(f.name.toLowerCase()));
  const bounds = minMaxStruct(data, mode);
  return struct(
    field('numRecords', LONG),
    ...(bounds ? [field('minValues', bounds), field('maxValues', bounds)] : []),
    field('nullCount', nullCountStruct(data, mode)),
    field('tightBounds', BOOL),
  );
}

/** The `partitionValues_parsed` type: partition columns under physical names with their types. */
export function partitionValuesParsedType(
  schema: StructType,
  metadata: Metadata,
  mode: ColumnMappingMode,
): StructType | undefined {
  const fields = metadata.partitionColumns.flatMap((name) => {
    const f = schema.fields.find((x) => x.name.toLowerCase() === name.toLowerCase());
    return f ? [field(physicalName(f, mode), f.type)] : [];
  });
  return fields.length > 0 ? struct(...fields) : undefined;
}

/**
 * Converts a JSON-shaped value to the column builder's representation of `type`. `stats` mode reads
 * leaves the way the JSON statistics write them (dates and timestamps as strings, decimals as
 * numbers) and turns a value that does not fit into null: statistics only ever skip data, so a bad
 * one must cost a skipped optimisation, never the checkpoint.
 */
export function toBuilderValue(value: unknown, type: DataType, stats = false): unknown {
  if (value === null || value === undefined) return null;
  switch (type.type) {
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value)) return null;
      const record = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of type.fields) out[f.name] = toBuilderValue(record[f.name], f.type, stats);
      return out;
    }
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return null;
      return Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        toBuilderValue(v, type.valueType, stats),
      ]);
    case 'array':
      return Array.isArray(value) ? value.map((v) => toBuilderValue(v, type.elementType, stats)) : null;
    case 'string':
      return typeof value === 'string' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'long':
      if (!stats) {
        if (typeof value === 'bigint') return value;
        if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
        return typeof value === 'string' && /^-?\d+$/.test(value) ? BigInt(value) : null;
      }
      return statLeaf(value, type);
    case 'integer':
    case 'short':
    case 'byte':
      if (!stats) return typeof value === 'number' ? value : null;
      return statLeaf(value, type);
    default:
      return statLeaf(value, type);
  }
}

function statLeaf(value: unknown, type: DataType): unknown {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return null;
  try {
    return parsePartitionValue(String(value), type, 'stats');
  } catch {
    return null;
  }
}

/**
 * How the `add` column's parsed fields are computed from an `add`, for a layout that has them:
 * `stats_parsed` from the JSON statistics, `partitionValues_parsed` from the serialised partition
 * values (by physical name), both in the column builder's value representation. Empty when the
 * table writes statistics as JSON only, so the common checkpoint never parses a statistic.
 */
export function parsedAddFields(layout: AddLayout): Map<string, (add: Add) => unknown> {
  const fields = new Map<string, (add: Add) => unknown>();
  const { statsParsed, partitionValuesParsed } = layout;
  if (statsParsed) {
    fields.set('stats_parsed', (add) => {
      if (typeof add.stats !== 'string') return null;
      let parsed: unknown;
      try {
        parsed = JSON.parse(add.stats);
      } catch {
        return null;
      }
      return toBuilderValue(parsed, statsParsed, true);
    });
  }
  if (partitionValuesParsed) {
    fields.set('partitionValues_parsed', (add) => {
      const values: Record<string, unknown> = {};
      for (const f of partitionValuesParsed.fields) {
        const raw = add.partitionValues[f.name];
        values[f.name] = raw === undefined ? null : parsePartitionValue(raw, f.type, f.name);
      }
      return values;
    });
  }
  return fields;
}
