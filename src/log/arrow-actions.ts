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
import {
  type Data,
  type DataType,
  type Float,
  Precision,
  type RecordBatch,
  Type,
  type Vector,
  makeVector,
  util,
} from 'apache-arrow';
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
  const out: unknown[] = [];
  for (const data of vector.data) {
    const part = convertData(data, style);
    for (const v of part) out.push(v);
  }
  return out;
}

/**
 * Converts every slot of `data`, reading its buffers directly for the layouts checkpoints are made
 * of (structs, maps, lists, strings, integers, booleans, floats): apache-arrow's generic per-value
 * visitors cost ~20 µs per checkpoint row warm and several times that cold, which made them most of
 * a checkpointed snapshot load. Other types go through `Vector.get` and {@link convertValue}.
 */
function convertData(data: Data, style: Style): unknown[] {
  const n = data.length;
  const out = new Array<unknown>(n);
  const type = data.type as DataType;
  const valid = (i: number): boolean => data.nullCount === 0 || data.getValid(i);
  switch (type.typeId) {
    case Type.Struct: {
      const children = type.children.map((field, j): [string, unknown[]] => {
        const child = data.children[j];
        const childStyle = style === 'stats' || field.name === 'stats_parsed' ? 'stats' : style;
        return [field.name, child ? convertData(child, childStyle) : new Array<unknown>(n).fill(null)];
      });
      for (let i = 0; i < n; i++) {
        if (!valid(i)) {
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
    case Type.Map:
    case Type.List: {
      const offsets = data.valueOffsets as Int32Array | undefined;
      const child = data.children[0];
      if (!offsets || !child) return generic(data, style);
      const isMap = type.typeId === Type.Map;
      const entries = isMap ? undefined : convertData(child, style);
      const keys = isMap && child.children[0] ? convertData(child.children[0], style) : undefined;
      const values = isMap && child.children[1] ? convertData(child.children[1], style) : undefined;
      for (let i = 0; i < n; i++) {
        if (!valid(i)) {
          out[i] = null;
          continue;
        }
        const from = offsets[data.offset + i] ?? 0;
        const to = offsets[data.offset + i + 1] ?? from;
        if (entries) {
          out[i] = entries.slice(from, to);
          continue;
        }
        const record: Record<string, unknown> = {};
        for (let k = from; k < to; k++) record[String(keys?.[k])] = values?.[k] ?? null;
        out[i] = record;
      }
      return out;
    }
    case Type.Utf8: {
      const offsets = data.valueOffsets as Int32Array | undefined;
      const bytes = data.values as Uint8Array | undefined;
      if (!offsets || !bytes) return generic(data, style);
      for (let i = 0; i < n; i++) {
        const from = offsets[data.offset + i] ?? 0;
        const to = offsets[data.offset + i + 1] ?? from;
        out[i] = valid(i) ? decodeUtf8(bytes, from, to) : null;
      }
      return out;
    }
    case Type.Int: {
      const values = data.values as ArrayLike<number | bigint> | undefined;
      if (!values) return generic(data, style);
      for (let i = 0; i < n; i++) {
        const v = values[data.offset + i];
        out[i] = !valid(i) || v === undefined ? null : typeof v === 'bigint' ? bigintToNumber(v) : v;
      }
      return out;
    }
    case Type.Bool: {
      const bits = data.values as Uint8Array | undefined;
      if (!bits) return generic(data, style);
      for (let i = 0; i < n; i++) {
        const at = data.offset + i;
        out[i] = valid(i) ? (((bits[at >> 3] ?? 0) >> (at & 7)) & 1) === 1 : null;
      }
      return out;
    }
    case Type.Float: {
      const values = data.values as ArrayLike<number> | undefined;
      if (!values || (type as Float).precision === Precision.HALF) return generic(data, style);
      for (let i = 0; i < n; i++) out[i] = valid(i) ? (values[data.offset + i] ?? null) : null;
      return out;
    }
    default:
      return generic(data, style);
  }
}

function generic(data: Data, style: Style): unknown[] {
  const vector = makeVector(data);
  const type = data.type as DataType;
  const out = new Array<unknown>(data.length);
  for (let i = 0; i < data.length; i++) out[i] = convertValue(vector.get(i), type, style);
  return out;
}

const utf8 = new TextDecoder('utf-8');

/** Short ASCII strings (paths, keys, ids) are built directly; decoding them is most of the cost. */
function decodeUtf8(bytes: Uint8Array, from: number, to: number): string {
  if (to - from <= 64) {
    let ascii = true;
    for (let k = from; k < to; k++) if ((bytes[k] ?? 0) >= 0x80) ascii = false;
    if (ascii) return String.fromCharCode(...bytes.subarray(from, to));
  }
  return utf8.decode(bytes.subarray(from, to));
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
