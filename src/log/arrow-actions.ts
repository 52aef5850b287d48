/**
 * Turning the rows of a Parquet checkpoint (as Arrow record batches) back into {@link Action}s.
 *
 * A checkpoint stores each action type as a top-level struct column (`add`, `metaData`, …), null in
 * the rows that hold another type. The conversion is columnar: each child column is converted once
 * to a JavaScript array and rows are assembled from those, because going through Arrow's per-row
 * proxies costs several times more on a 300k-file checkpoint.
 *
 * Shapes follow the JSON form of the actions so that replay treats a checkpoint and a commit alike:
 * structs become objects (null fields omitted, as a JSON writer omits absent optional fields), Arrow
 * maps become records, 64-bit integers become numbers. Inside `stats_parsed` leaves take their JSON
 * statistics form: dates `YYYY-MM-DD`, timestamps ISO-8601 UTC, decimals numbers.
 */
import { type DataType, type RecordBatch, Type, type Vector, util } from 'apache-arrow';
import type { Action } from '../protocol/actions.js';

/** Leaf conversion style: `action` for protocol fields, `stats` inside `stats_parsed`. */
type Style = 'action' | 'stats';

/** Top-level checkpoint columns that hold actions. */
export const ACTION_COLUMNS = [
  'add',
  'remove',
  'metaData',
  'protocol',
  'txn',
  'domainMetadata',
  'checkpointMetadata',
  'sidecar',
] as const;

/** Converts one record batch into actions, in row order, calling `onAction` for each. */
export function batchToActions(batch: RecordBatch, onAction: (action: Action) => void): void {
  const columns: Array<[string, unknown[]]> = [];
  for (const name of ACTION_COLUMNS) {
    const vector = batch.getChild(name);
    if (vector) columns.push([name, convertVector(vector, 'action')]);
  }
  for (let row = 0; row < batch.numRows; row++) {
    for (const [name, values] of columns) {
      const value = values[row];
      if (value !== null && value !== undefined) onAction({ [name]: value } as Action);
    }
  }
}

/** Converts a whole Arrow vector to plain JavaScript values, `null` where the vector is null. */
export function convertVector(vector: Vector, style: Style): unknown[] {
  const type = vector.type as DataType;
  const n = vector.length;
  const out: unknown[] = new Array<unknown>(n);
  switch (type.typeId) {
    case Type.Struct: {
      const children = type.children.map((field, j): [string, unknown[]] => {
        const child = vector.getChildAt(j);
        const childStyle = style === 'stats' || field.name === 'stats_parsed' ? 'stats' : style;
        return [field.name, child ? convertVector(child, childStyle) : new Array<unknown>(n).fill(null)];
      });
      for (let i = 0; i < n; i++) {
        if (!vector.isValid(i)) {
          out[i] = null;
          continue;
        }
        const obj: Record<string, unknown> = {};
        for (const [name, values] of children) {
          const v = values[i];
          if (v !== null && v !== undefined) obj[name] = v;
        }
        out[i] = obj;
      }
      return out;
    }
    default:
      for (let i = 0; i < n; i++) out[i] = convertValue(vector.get(i), type, style);
      return out;
  }
}

/** Converts one value of Arrow type `type` (as returned by `Vector.get`). */
function convertValue(value: unknown, type: DataType, style: Style): unknown {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case Type.Map: {
      // Arrow maps come back as iterable rows of [key, value]; the protocol's maps have string keys.
      const valueType = type.children[0]?.type.children[1]?.type as DataType | undefined;
      const record: Record<string, unknown> = {};
      for (const entry of value as Iterable<[unknown, unknown]>) {
        record[String(entry[0])] = valueType ? convertValue(entry[1], valueType, style) : entry[1];
      }
      return record;
    }
    case Type.List:
    case Type.FixedSizeList:
      return convertVector(value as Vector, style);
    case Type.Struct: {
      const obj: Record<string, unknown> = {};
      for (const field of type.children) {
        const v = convertValue((value as Record<string, unknown>)[field.name], field.type as DataType, style);
        if (v !== null) obj[field.name] = v;
      }
      return obj;
    }
    case Type.Int:
      return typeof value === 'bigint' ? bigintToNumber(value) : value;
    case Type.Decimal: {
      const scale = (type as DataType<Type.Decimal> & { scale: number }).scale;
      return util.bigNumToNumber(value as Parameters<typeof util.bigNumToNumber>[0], scale);
    }
    case Type.Date:
      return style === 'stats' ? new Date(toNumber(value)).toISOString().slice(0, 10) : toNumber(value);
    case Type.Timestamp:
      return style === 'stats' ? new Date(toNumber(value)).toISOString() : toNumber(value);
    default:
      return typeof value === 'bigint' ? bigintToNumber(value) : value;
  }
}

/** A 64-bit value as a number; beyond 2^53 the protocol's counters and sizes never go. */
function bigintToNumber(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}

function toNumber(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return Number(value);
  return Number(value);
}
