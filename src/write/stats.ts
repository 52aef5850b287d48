import { type Data, type RecordBatch } from 'apache-arrow';
import { bigIntAt, bytesAt, decimalAt, locateColumn } from '../expr/arrow-data.js';
import { compareByteRanges, compareBytes } from '../expr/numbers.js';
import { formatDate, formatTimestamp } from '../expr/temporal.js';
import type { ColumnMappingMode } from '../protocol/features.js';
import { formatDecimal } from '../protocol/partition.js';
import type { DataType, StructField, StructType } from '../protocol/schema.js';
import { physicalName } from '../scan/column-mapping.js';
import { selectStatsLeaves, type StatsLeaf } from './stats-columns.js';

/**
 * Per-file statistics (PROTOCOL.md "Per-file Statistics") computed while a data file is written:
 * `numRecords`, and per indexed leaf column `nullCount`, `minValues`, `maxValues`, nested as the
 * schema nests them and keyed by physical names.
 *
 * Every bound is sound for any reader that compares values directly, not only ours: string
 * minimums are cut to {@link STRING_PREFIX_LENGTH} characters (a prefix sorts first) and maximums
 * cut and then incremented in the last character (so the bound still sorts after every value);
 * timestamps are rounded down (min) and up (max) to whole milliseconds; a float column holding
 * NaN gets no maximum (engines that order NaN above every number would otherwise skip it) and
 * infinite bounds are left out (JSON cannot hold them). Booleans and binaries get null counts only,
 * as in Delta's reference implementation; so do arrays, maps and variants.
 */

/** Characters kept of string bounds, as Delta's reference implementation keeps. */
export const STRING_PREFIX_LENGTH = 32;

/** What {@link FileStatsCollector} needs to know about the table. */
export interface StatsOptions {
  readonly mode: ColumnMappingMode;
  readonly partitionColumns: readonly string[];
  /** Table configuration: `delta.dataSkippingNumIndexedCols`, `delta.dataSkippingStatsColumns`. */
  readonly configuration: Readonly<Record<string, string>>;
}

/** A JSON value written verbatim (exact longs and decimals, which a JS number would round). */
class RawJson {
  constructor(readonly text: string) {}
}

type JsonValue = number | string | RawJson | { [key: string]: JsonValue };

interface LeafState {
  readonly leaf: StatsLeaf;
  nullCount: number;
  min: number | bigint | Uint8Array | undefined;
  max: number | bigint | Uint8Array | undefined;
  sawNaN: boolean;
}

/** Whether min/max are collected for a type (see the module comment). */
function hasBounds(type: DataType): boolean {
  switch (type.type) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
    case 'decimal':
    case 'date':
    case 'timestamp':
    case 'timestamp_ntz':
    case 'string':
      return true;
    default:
      return false;
  }
}

/**
 * Accumulates the statistics of one data file over its batches (in the table's logical Arrow
 * form, partition columns included or not), then renders them with {@link toJson}.
 */
export class FileStatsCollector {
  private numRecords = 0;
  private readonly leaves: LeafState[];

  constructor(
    private readonly schema: StructType,
    private readonly options: StatsOptions,
  ) {
    this.leaves = selectStatsLeaves(schema, options).map((leaf) => ({
      leaf,
      nullCount: 0,
      min: undefined,
      max: undefined,
      sawNaN: false,
    }));
  }

  /** Adds the rows of `batch`. */
  add(batch: RecordBatch): void {
    this.numRecords += batch.numRows;
    for (const state of this.leaves) {
      const { data, valid } = locateColumn(batch, state.leaf.path);
      if (valid === undefined && batch.numRows > 0 && observeNumbers(state, data, batch.numRows)) continue;
      if (state.leaf.type.type === 'string' && observeStrings(state, data, batch.numRows, valid)) continue;
      for (let i = 0; i < batch.numRows; i++) {
        if (valid !== undefined && valid[i] !== 1) {
          state.nullCount++;
          continue;
        }
        if (hasBounds(state.leaf.type)) this.observe(state, data, i);
      }
    }
  }

  private observe(state: LeafState, data: Data, i: number): void {
    let value: number | bigint | Uint8Array;
    switch (state.leaf.type.type) {
      case 'long':
      case 'timestamp':
      case 'timestamp_ntz':
        value = bigIntAt(data, i);
        break;
      case 'decimal':
        value = decimalAt(data, i);
        break;
      case 'string':
        value = bytesAt(data, i);
        break;
      default: {
        const v = Number((data.values as ArrayLike<number>)[i]);
        if (Number.isNaN(v)) {
          state.sawNaN = true;
          return;
        }
        value = v;
      }
    }
    if (state.min === undefined || less(value, state.min)) state.min = copy(value);
    if (state.max === undefined || less(state.max, value)) state.max = copy(value);
  }

  /** The statistics as the JSON string of `add.stats`. */
  toJson(): string {
    const minValues: Record<string, JsonValue> = {};
    const maxValues: Record<string, JsonValue> = {};
    const nullCount: Record<string, JsonValue> = {};
    for (const state of this.leaves) {
      const path = this.physicalPath(state.leaf.path);
      setAt(nullCount, path, state.nullCount);
      if (state.min !== undefined) {
        const min = renderBound(state.min, state.leaf.type, 'min');
        if (min !== undefined) setAt(minValues, path, min);
      }
      if (state.max !== undefined && !state.sawNaN) {
        const max = renderBound(state.max, state.leaf.type, 'max');
        if (max !== undefined) setAt(maxValues, path, max);
      }
    }
    return renderJson({ numRecords: this.numRecords, minValues, maxValues, nullCount });
  }

  private physicalPath(logical: readonly string[]): string[] {
    const out: string[] = [];
    let struct: StructType | undefined = this.schema;
    for (const name of logical) {
      const field: StructField | undefined = struct?.fields.find((f) => f.name === name);
      if (field === undefined) return [...out, name];
      out.push(physicalName(field, this.options.mode));
      struct = field.type.type === 'struct' ? field.type : undefined;
    }
    return out;
  }
}

/**
 * Bounds of a null-free fixed-width numeric column in one tight loop over its values: the per-row
 * path (a type switch and a call per value) was ~10% of a 1M-row append. Returns false, having
 * done nothing, for types it does not cover. NaN is skipped and remembered as `observe` does.
 */
function observeNumbers(state: LeafState, data: Data, n: number): boolean {
  let min: number | bigint;
  let max: number | bigint;
  switch (state.leaf.type.type) {
    case 'long':
    case 'timestamp':
    case 'timestamp_ntz': {
      const values: unknown = data.values;
      if (!(values instanceof BigInt64Array) || values.length < n) return false;
      let lo = values[0] ?? 0n;
      let hi = lo;
      for (let i = 1; i < n; i++) {
        const v = values[i] ?? 0n;
        if (v < lo) lo = v;
        else if (v > hi) hi = v;
      }
      [min, max] = [lo, hi];
      break;
    }
    case 'byte':
    case 'short':
    case 'integer':
    case 'date':
    case 'float':
    case 'double': {
      const values: unknown = data.values;
      const typed =
        values instanceof Int8Array ||
        values instanceof Int16Array ||
        values instanceof Int32Array ||
        values instanceof Float32Array ||
        values instanceof Float64Array;
      if (!typed || values.length < n) return false;
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < n; i++) {
        const v = values[i] ?? 0;
        if (v !== v) state.sawNaN = true;
        else {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      if (lo > hi) return true; // every value NaN: no bounds, as the per-row path leaves them
      [min, max] = [lo, hi];
      break;
    }
    default:
      return false;
  }
  if (state.min === undefined || less(min, state.min)) state.min = min;
  if (state.max === undefined || less(state.max, max)) state.max = max;
  return true;
}

/**
 * Bounds and null count of a Utf8 column (32-bit offsets) with the values compared where they lie
 * in the batch: the per-row path cut a subarray per value, and string columns were then the larger
 * part of computing an append's statistics. Only the final bounds are copied. Returns false,
 * having done nothing, for other layouts.
 */
function observeStrings(state: LeafState, data: Data, n: number, valid: Uint8Array | undefined): boolean {
  const offsets: unknown = data.valueOffsets;
  const bytes: unknown = data.values;
  if (!(offsets instanceof Int32Array) || !(bytes instanceof Uint8Array) || offsets.length < n + 1)
    return false;
  let lo = -1;
  let hi = -1;
  for (let i = 0; i < n; i++) {
    if (valid !== undefined && valid[i] !== 1) {
      state.nullCount++;
      continue;
    }
    if (lo < 0) {
      lo = i;
      hi = i;
      continue;
    }
    const start = offsets[i] ?? 0;
    const end = offsets[i + 1] ?? 0;
    if (compareByteRanges(bytes, start, end, offsets[lo] ?? 0, offsets[lo + 1] ?? 0) < 0) lo = i;
    else if (compareByteRanges(bytes, start, end, offsets[hi] ?? 0, offsets[hi + 1] ?? 0) > 0) hi = i;
  }
  if (lo < 0) return true;
  const min = bytes.subarray(offsets[lo] ?? 0, offsets[lo + 1] ?? 0);
  const max = bytes.subarray(offsets[hi] ?? 0, offsets[hi + 1] ?? 0);
  if (state.min === undefined || less(min, state.min)) state.min = min.slice();
  if (state.max === undefined || less(state.max, max)) state.max = max.slice();
  return true;
}

/** Statistics of `batches` as one file's `add.stats` JSON (see {@link FileStatsCollector}). */
export function computeStats(
  batches: Iterable<RecordBatch>,
  schema: StructType,
  options: StatsOptions,
): string {
  const collector = new FileStatsCollector(schema, options);
  for (const batch of batches) collector.add(batch);
  return collector.toJson();
}

function less(a: number | bigint | Uint8Array, b: number | bigint | Uint8Array): boolean {
  if (a instanceof Uint8Array) return b instanceof Uint8Array && compareBytes(a, b) < 0;
  return a < (b as number | bigint);
}

function copy<T extends number | bigint | Uint8Array>(value: T): T {
  // Batches may be released after the file is written; keep our own bytes.
  return (value instanceof Uint8Array ? value.slice() : value) as T;
}

function setAt(root: Record<string, JsonValue>, path: readonly string[], value: JsonValue): void {
  let node = root;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next === 'object' && !(next instanceof RawJson)) node = next;
    else {
      const created: Record<string, JsonValue> = {};
      node[part] = created;
      node = created;
    }
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

function renderJson(value: JsonValue): string {
  if (value instanceof RawJson) return value.text;
  if (typeof value === 'number' || typeof value === 'string') return JSON.stringify(value);
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}:${renderJson(v)}`)
    .join(',')}}`;
}

const MICROS_PER_MILLI = 1000n;

function renderBound(
  value: number | bigint | Uint8Array,
  type: DataType,
  side: 'min' | 'max',
): JsonValue | undefined {
  switch (type.type) {
    case 'long':
      return new RawJson(String(value));
    case 'decimal':
      return new RawJson(formatDecimal(value as bigint, type.scale));
    case 'date':
      return formatDate(value as number);
    case 'timestamp':
    case 'timestamp_ntz': {
      const micros = value as bigint;
      let millis = micros / MICROS_PER_MILLI - (micros % MICROS_PER_MILLI < 0n ? 1n : 0n);
      if (side === 'max' && millis * MICROS_PER_MILLI !== micros) millis += 1n;
      const text = formatTimestamp(millis * MICROS_PER_MILLI, type.type === 'timestamp');
      // `…SS.ffffff[Z]` → `…SS.fff[Z]`: the last three digits are zero after rounding.
      return type.type === 'timestamp' ? `${text.slice(0, -4)}Z` : text.slice(0, -3);
    }
    case 'string': {
      const text = new TextDecoder().decode(value as Uint8Array);
      return side === 'min' ? truncateMin(text) : truncateMax(text);
    }
    default: {
      const n = value as number;
      // JSON has no infinities; an infinite bound bounds nothing anyway.
      if (!Number.isFinite(n)) return undefined;
      return n;
    }
  }
}

/** A string bound no greater than `text`: its first {@link STRING_PREFIX_LENGTH} characters. */
export function truncateMin(text: string): string {
  const chars = Array.from(text);
  return chars.length <= STRING_PREFIX_LENGTH ? text : chars.slice(0, STRING_PREFIX_LENGTH).join('');
}

/**
 * A string bound no less than `text` and every string it is a prefix of, at most
 * {@link STRING_PREFIX_LENGTH} characters: `text` itself when short enough, else its prefix with the
 * last character replaced by the next code point (dropping trailing U+10FFFF, which has none).
 * `undefined` when no such bound exists (a prefix of only U+10FFFF).
 */
export function truncateMax(text: string): string | undefined {
  const chars = Array.from(text);
  if (chars.length <= STRING_PREFIX_LENGTH) return text;
  const prefix = chars.slice(0, STRING_PREFIX_LENGTH);
  while (prefix.length > 0) {
    const last = prefix.pop()?.codePointAt(0) ?? 0;
    if (last >= 0x10ffff) continue;
    // Code points order like UTF-8 bytes; skip the surrogate block, which is not a character.
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
    return prefix.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

/**
 * `stats` marked as wide bounds (`"tightBounds":false`) when `deletedRows` of the file's rows are
 * deleted by a deletion vector, as PROTOCOL.md requires once min/max may no longer occur among the
 * live rows. The JSON is edited as text so exact longs and decimals keep every digit. Stats without
 * deleted rows, and missing stats, are returned as they are.
 */
export function withWideBounds(
  stats: string | null | undefined,
  deletedRows: number,
): string | null | undefined {
  if (stats === null || stats === undefined || deletedRows <= 0) return stats;
  const text = stats.trim();
  if (!text.startsWith('{')) return stats;
  const existing = topLevelValue(text, 'tightBounds');
  if (existing !== undefined) return `${text.slice(0, existing.start)}false${text.slice(existing.end)}`;
  const body = text.slice(1).trimStart();
  return body.startsWith('}') ? `{"tightBounds":false${body}` : `{"tightBounds":false,${body}`;
}

/** Where the value of top-level `key` of a JSON object text is, for a scalar value. */
function topLevelValue(text: string, key: string): { start: number; end: number } | undefined {
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        expectKey = false;
        const name: unknown = JSON.parse(text.slice(i, j + 1));
        const colon = text.indexOf(':', j + 1);
        if (name === key && colon >= 0) {
          const start = colon + 1 + (/^\s*/.exec(text.slice(colon + 1))?.[0].length ?? 0);
          const end = start + (/^[A-Za-z0-9.+-]+/.exec(text.slice(start))?.[0].length ?? 0);
          return end > start ? { start, end } : undefined;
        }
      }
      i = j;
    } else if (ch === '{' || ch === '[') {
      depth++;
      expectKey = ch === '{' && depth === 1;
    } else if (ch === '}' || ch === ']') depth--;
    else if (ch === ',' && depth === 1) expectKey = true;
  }
  return undefined;
}
