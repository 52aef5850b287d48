import { DeltaError } from '../errors.js';
import type { DataType, StructType } from '../protocol/schema.js';

/**
 * Which columns get per-file statistics. Delta's table properties decide:
 * `delta.dataSkippingStatsColumns` (a comma-separated list of column names, nested ones dotted,
 * names with special characters in backticks) when set, else the first
 * `delta.dataSkippingNumIndexedCols` leaf columns (default 32; -1 for all) in schema order,
 * counting every non-struct field (arrays and maps included) as one leaf. Partition columns never
 * count: their values are in the log already.
 */

/** Leaf columns indexed by default (`delta.dataSkippingNumIndexedCols`). */
export const DEFAULT_NUM_INDEXED_COLS = 32;

/** One column that gets statistics. */
export interface StatsLeaf {
  /** Logical names from the top-level column down. */
  readonly path: readonly string[];
  readonly type: DataType;
}

/** Table facts {@link selectStatsLeaves} needs. */
export interface StatsColumnsOptions {
  readonly partitionColumns: readonly string[];
  readonly configuration: Readonly<Record<string, string>>;
}

function leavesOf(type: DataType, path: readonly string[], out: StatsLeaf[]): void {
  if (type.type === 'struct') for (const f of type.fields) leavesOf(f.type, [...path, f.name], out);
  else out.push({ path, type });
}

/**
 * The leaf columns of `schema` that get statistics (see the module comment). Names in
 * `delta.dataSkippingStatsColumns` that match no column are ignored: statistics only ever help,
 * and the property is validated when it is set.
 *
 * @throws DeltaError `InvalidArgument` when `delta.dataSkippingNumIndexedCols` is not an integer
 *   of at least -1.
 */
export function selectStatsLeaves(schema: StructType, options: StatsColumnsOptions): StatsLeaf[] {
  const partitions = new Set(options.partitionColumns.map((c) => c.toLowerCase()));
  const all: StatsLeaf[] = [];
  for (const field of schema.fields)
    if (!partitions.has(field.name.toLowerCase())) leavesOf(field.type, [field.name], all);
  const listed = options.configuration['delta.dataSkippingStatsColumns'];
  if (listed !== undefined && listed.trim() !== '') {
    const wanted = parseStatsColumns(listed).map((p) => p.map((n) => n.toLowerCase()));
    return all.filter((leaf) =>
      wanted.some(
        (w) => w.length <= leaf.path.length && w.every((n, i) => leaf.path[i]?.toLowerCase() === n),
      ),
    );
  }
  const raw = options.configuration['delta.dataSkippingNumIndexedCols'];
  const count = raw === undefined ? DEFAULT_NUM_INDEXED_COLS : Number(raw.trim());
  if (!Number.isInteger(count) || count < -1)
    throw new DeltaError(
      'InvalidArgument',
      `table property delta.dataSkippingNumIndexedCols must be an integer >= -1, got ${JSON.stringify(raw)}`,
      { context: { field: 'delta.dataSkippingNumIndexedCols' } },
    );
  return count === -1 ? all : all.slice(0, count);
}

/**
 * Parses `delta.dataSkippingStatsColumns`: `a, b.c, \`x.y\`.z` → `[['a'], ['b','c'], ['x.y','z']]`.
 * Inside backticks a doubled backtick stands for one.
 *
 * @throws DeltaError `InvalidArgument` for an unterminated backtick or an empty name.
 */
export function parseStatsColumns(text: string): string[][] {
  const columns: string[][] = [];
  let parts: string[] = [];
  let current = '';
  let quoted = false;
  let sawQuote = false;
  const endPart = (): void => {
    const name = sawQuote ? current : current.trim();
    if (name === '')
      throw new DeltaError(
        'InvalidArgument',
        `delta.dataSkippingStatsColumns has an empty column name: ${JSON.stringify(text)}`,
      );
    parts.push(name);
    current = '';
    sawQuote = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (quoted) {
      if (ch === '`' && text.charAt(i + 1) === '`') {
        current += '`';
        i++;
      } else if (ch === '`') quoted = false;
      else current += ch;
    } else if (ch === '`') {
      quoted = true;
      sawQuote = true;
      current = '';
    } else if (ch === '.') endPart();
    else if (ch === ',') {
      endPart();
      columns.push(parts);
      parts = [];
    } else if (!sawQuote || ch.trim() !== '') current += ch;
  }
  if (quoted)
    throw new DeltaError(
      'InvalidArgument',
      `delta.dataSkippingStatsColumns has an unterminated backtick: ${JSON.stringify(text)}`,
    );
  endPart();
  columns.push(parts);
  return columns;
}
