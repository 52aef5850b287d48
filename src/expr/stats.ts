import { DeltaError, describeError } from '../errors.js';
import type { DataType, StructType } from '../protocol/schema.js';

/**
 * Per-file statistics (`add.stats`, PROTOCOL.md "Per-file Statistics"), re-keyed by logical
 * column names so data skipping never has to know about column mapping.
 */

/**
 * Statistics of one data file. Values are as in the JSON (numbers, strings for dates, timestamps
 * and sometimes decimals); struct columns are nested objects. Keys are **logical** names once
 * returned by {@link parseFileStats}.
 */
export interface FileStats {
  numRecords?: number;
  minValues?: Record<string, unknown>;
  maxValues?: Record<string, unknown>;
  nullCount?: Record<string, unknown>;
  /** False when the bounds may be wider than the file's live rows (deletion vectors). */
  tightBounds?: boolean;
}

/** Maps a logical column path to its physical path (column mapping); `undefined` when unknown. */
export type PhysicalNameResolver = (logicalPath: readonly string[]) => readonly string[] | undefined;

/**
 * Parses `add.stats`. Missing or empty stats are `undefined` (the file cannot be skipped).
 * Min/max/null-count entries are looked up under the physical names that `physicalNames`
 * returns (identity when omitted) and stored under logical names; entries for columns no longer
 * in the schema are dropped. Stats that are not a JSON object are `CorruptLog`, naming `source`
 * (the data file path), because the writer produced something the protocol does not allow.
 */
export function parseFileStats(
  json: string | null | undefined,
  schema: StructType,
  physicalNames?: PhysicalNameResolver,
  source = '<add>',
): FileStats | undefined {
  if (json === null || json === undefined || json.trim() === '') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new DeltaError('CorruptLog', `statistics of ${source} are not valid JSON: ${describeError(err)}`, {
      cause: err,
      context: { file: source },
    });
  }
  if (!isObject(raw))
    throw new DeltaError('CorruptLog', `statistics of ${source} are not a JSON object`, {
      context: { file: source },
    });
  const stats: FileStats = {};
  if (raw.numRecords !== undefined) {
    const n = Number(raw.numRecords);
    if (!Number.isInteger(n) || n < 0)
      throw new DeltaError(
        'CorruptLog',
        `statistics of ${source}: numRecords ${JSON.stringify(raw.numRecords)} is not a count`,
        {
          context: { file: source },
        },
      );
    stats.numRecords = n;
  }
  if (typeof raw.tightBounds === 'boolean') stats.tightBounds = raw.tightBounds;
  const resolve = physicalNames ?? ((path: readonly string[]) => path);
  for (const key of ['minValues', 'maxValues', 'nullCount'] as const) {
    const section = raw[key];
    if (section === undefined || section === null) continue;
    if (!isObject(section))
      throw new DeltaError('CorruptLog', `statistics of ${source}: ${key} is not an object`, {
        context: { file: source },
      });
    stats[key] = relabel(section, schema, [], resolve, key === 'nullCount');
  }
  return stats;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lookup(section: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = section;
  for (const part of path) {
    if (!isObject(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** Rebuilds `section` (keyed physically) as an object keyed by the logical names of `struct`. */
function relabel(
  section: Record<string, unknown>,
  struct: StructType,
  prefix: readonly string[],
  resolve: PhysicalNameResolver,
  counts: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of struct.fields) {
    const logical = [...prefix, field.name];
    const type: DataType = field.type;
    if (type.type === 'struct') {
      const nested = relabel(section, type, logical, resolve, counts);
      if (Object.keys(nested).length > 0) out[field.name] = nested;
      continue;
    }
    const physical = resolve(logical);
    if (physical === undefined) continue;
    const value = lookup(section, physical);
    if (value === undefined || isObject(value)) continue;
    if (counts && typeof value !== 'number') continue;
    out[field.name] = value;
  }
  return out;
}
