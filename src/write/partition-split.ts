import { type Data, type RecordBatch } from 'apache-arrow';
import { bigIntAt, boolAt, bytesAt, decimalAt, isValidAt } from '../expr/arrow-data.js';
import { ByteStringTable } from '../expr/byte-strings.js';
import { takeBatch } from '../expr/take.js';
import type { ColumnMappingMode } from '../protocol/features.js';
import {
  escapePartitionPathSegment,
  HIVE_DEFAULT_PARTITION,
  serializePartitionValue,
} from '../protocol/partition.js';
import type { DataType, StructField, StructType } from '../protocol/schema.js';
import { nullData } from '../scan/arrow-data.js';
import { physicalName } from '../scan/column-mapping.js';
import { DeltaError } from '../errors.js';

/**
 * Splitting batches by partition values, and the names partitions get: `add.partitionValues`
 * (keyed by physical column names, as PROTOCOL.md "Column Mapping" requires) and the Hive-style
 * directory `col=value/…` files are put under (escaped as Spark escapes them, null as
 * `__HIVE_DEFAULT_PARTITION__`).
 */

/** One partition's share of a batch. */
export interface PartitionSlice {
  /** Serialised partition values keyed by physical column name. */
  readonly partitionValues: Readonly<Record<string, string | null>>;
  /** The directory of the partition relative to the table root (`''` for unpartitioned tables). */
  readonly directory: string;
  /**
   * The rows, in the batch's schema. Partition columns hold nulls when the batch was split: their
   * value is `partitionValues`, and data files do not store them, so gathering them per row would
   * be wasted work (a tenth of a partitioned append).
   */
  readonly batch: RecordBatch;
}

/** The partition columns of `schema` in `partitionColumns` order. */
export function partitionFields(schema: StructType, partitionColumns: readonly string[]): StructField[] {
  return partitionColumns.map((column) => {
    const field =
      schema.fields.find((f) => f.name === column) ??
      schema.fields.find((f) => f.name.toLowerCase() === column.toLowerCase());
    if (field === undefined)
      throw new DeltaError('InvalidArgument', `partition column ${column} is not in the table schema`, {
        context: { field: column },
      });
    if (field.type.type === 'struct' || field.type.type === 'array' || field.type.type === 'map')
      throw new DeltaError(
        'InvalidArgument',
        `partition column ${column} has a nested type; only primitive columns can partition a table`,
        {
          context: { field: column },
        },
      );
    return field;
  });
}

/** Shared: constructing a decoder per row cost more than the decoding (label lookup each time). */
const utf8 = new TextDecoder();

/** The value of row `i` in the partition-value representation of `parsePartitionValue`. */
function valueAt(data: Data, type: DataType, i: number): unknown {
  if (!isValidAt(data, i)) return null;
  switch (type.type) {
    case 'string':
      return utf8.decode(bytesAt(data, i));
    case 'binary':
      return bytesAt(data, i);
    case 'boolean':
      return boolAt(data, i);
    case 'long':
    case 'timestamp':
    case 'timestamp_ntz':
      return bigIntAt(data, i);
    case 'decimal':
      return decimalAt(data, i);
    default:
      return Number((data.values as ArrayLike<number>)[i]);
  }
}

/** The directory of a partition: `phys=escaped/phys2=escaped2`. */
export function partitionDirectory(
  fields: readonly StructField[],
  values: readonly (string | null)[],
  mode: ColumnMappingMode,
): string {
  return fields
    .map((f, k) => {
      const value = values[k] ?? null;
      return `${escapePartitionPathSegment(physicalName(f, mode))}=${value === null ? HIVE_DEFAULT_PARTITION : escapePartitionPathSegment(value)}`;
    })
    .join('/');
}

/**
 * Row groups of a string column by byte equality, null and empty together (they share the
 * partition value null): `groupOf[i]` is row `i`'s group, `first[g]` the first row of group `g`.
 * The groups are the entries of a {@link ByteStringTable}, so no row allocates.
 */
function groupStrings(data: Data, n: number): { groupOf: Int32Array; first: number[] } {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const wide = offsets instanceof BigInt64Array;
  const bytes = data.values as Uint8Array;
  const groupOf = new Int32Array(n);
  const first: number[] = [];
  const groups = new ByteStringTable();
  for (let i = 0; i < n; i++) {
    let start = 0;
    let end = 0;
    if (isValidAt(data, i)) {
      start = wide ? Number(offsets[i] ?? 0) : ((offsets[i] as number | undefined) ?? 0);
      end = wide ? Number(offsets[i + 1] ?? 0) : ((offsets[i + 1] as number | undefined) ?? 0);
    }
    const group = groups.intern(bytes, start, end);
    if (group === first.length) first.push(i);
    groupOf[i] = group;
  }
  return { groupOf, first };
}

/** Row groups by a string key per row (the general case: several or non-string columns). */
function groupByKey(n: number, keyAt: (i: number) => string): { groupOf: Int32Array; first: number[] } {
  const groupOf = new Int32Array(n);
  const first: number[] = [];
  const ids = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = keyAt(i);
    let g = ids.get(key);
    if (g === undefined) {
      g = first.length;
      ids.set(key, g);
      first.push(i);
    }
    groupOf[i] = g;
  }
  return { groupOf, first };
}

/**
 * Splits a batch (the table's logical Arrow form) into one slice per distinct partition value
 * combination, in order of first appearance. A batch of one partition is returned as it is.
 */
export function splitByPartition(
  batch: RecordBatch,
  schema: StructType,
  fields: readonly StructField[],
  mode: ColumnMappingMode,
): PartitionSlice[] {
  if (fields.length === 0) return [{ partitionValues: {}, directory: '', batch }];
  const columns = fields.map((f) => {
    const index = schema.fields.indexOf(f);
    const data = batch.data.children[index];
    if (data === undefined) throw new TypeError(`batch lacks partition column ${f.name}`);
    return data;
  });
  const valuesAt = (i: number): (string | null)[] =>
    fields.map((f, k) => {
      const column = columns[k];
      return column === undefined ? null : serializePartitionValue(valueAt(column, f.type, i), f.type);
    });
  const stringColumn = fields.length === 1 && fields[0]?.type.type === 'string' ? columns[0] : undefined;
  // Rows are grouped first; partition values are computed once per group, from its first row.
  // Decoding and JSON-encoding every row's values cost ~30% of a partitioned append.
  const n = batch.numRows;
  const { groupOf, first } = stringColumn
    ? groupStrings(stringColumn, n)
    : groupByKey(n, (i) => JSON.stringify(valuesAt(i)));
  const counts = new Int32Array(first.length);
  for (let i = 0; i < n; i++) {
    const g = groupOf[i] ?? 0;
    counts[g] = (counts[g] ?? 0) + 1;
  }
  const rows = Array.from(counts, (c) => new Int32Array(c));
  const filled = new Int32Array(first.length);
  for (let i = 0; i < n; i++) {
    const g = groupOf[i] ?? 0;
    const list = rows[g];
    const at = filled[g] ?? 0;
    if (list !== undefined) list[at] = i;
    filled[g] = at + 1;
  }
  const groups = first.map((row, g) => ({ values: valuesAt(row), rows: rows[g] ?? new Int32Array(0) }));
  const skipped = new Set(columns);
  const out: PartitionSlice[] = [];
  for (const { values, rows } of groups) {
    const partitionValues: Record<string, string | null> = {};
    fields.forEach((f, k) => {
      partitionValues[physicalName(f, mode)] = values[k] ?? null;
    });
    out.push({
      partitionValues,
      directory: partitionDirectory(fields, values, mode),
      batch:
        groups.length === 1
          ? batch
          : takeBatch(batch, rows, (column) =>
              skipped.has(column) ? nullData(column.type, rows.length) : undefined,
            ),
    });
  }
  return out;
}

/**
 * The `add.path` of a Storage key: each segment percent-encoded as a URI path segment (UTF-8,
 * upper-case hex; only letters, digits, `-._~` and `=` left as they are), so that readers, which
 * decode the path once, arrive at the key byte for byte. Partition directories already contain
 * `%XX` escapes; those `%` are encoded again (`%253D`), exactly as Spark writes them.
 */
export function keyToAddPath(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%3D/g, '='),
    )
    .join('/');
}
