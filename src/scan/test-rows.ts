import {
  type Data,
  type Decimal,
  type Dictionary,
  type FixedSizeList,
  type RecordBatch,
  type Struct,
  type Timestamp,
  DataType,
  DateUnit,
  TimeUnit,
  makeVector,
} from 'apache-arrow';
import { isValid, readIntWords } from './arrow-data.js';

/**
 * Test support: renders Arrow rows as plain JSON-safe values so tests can compare what
 * `readDataFile` produced with expected data decoded independently, whatever Arrow layout each
 * side uses (dictionary or not, list/map child names, timestamp units). Not part of the public API.
 *
 * Values: integers up to 32 bits and floats as numbers (NaN/±Infinity as strings), 64-bit integers
 * as decimal strings, decimals as `"<unscaled>e-<scale>"`, dates as day numbers, timestamps as
 * `"<micros>us"` plus the zone when there is one, binary as hex, structs as objects, lists as
 * arrays, maps as arrays of `[key, value]`.
 */
export function cellValue(data: Data, i: number): unknown {
  if (!isValid(data, i)) return null;
  const t = data.type;
  if (DataType.isDictionary(t)) {
    const dict = data.dictionary?.data[0];
    const index = Number((data.values as ArrayLike<number | bigint>)[i] ?? 0);
    if (dict === undefined) throw new Error(`dictionary of ${String((t as Dictionary).dictionary)} missing`);
    return cellValue(dict, index);
  }
  if (DataType.isStruct(t)) {
    const out: Record<string, unknown> = {};
    (t as Struct).children.forEach((f, k) => {
      const child = data.children[k];
      if (child !== undefined) out[f.name] = cellValue(child, i);
    });
    return out;
  }
  if (DataType.isList(t) || DataType.isLargeList(t) || DataType.isFixedSizeList(t) || DataType.isMap(t)) {
    const child = data.children[0];
    if (child === undefined) throw new Error('list without child');
    let start: number;
    let end: number;
    if (DataType.isFixedSizeList(t)) {
      const size = (t as FixedSizeList).listSize;
      start = (data.offset + i) * size;
      end = start + size;
    } else {
      const offsets = data.valueOffsets as ArrayLike<number | bigint>;
      start = Number(offsets[i] ?? 0);
      end = Number(offsets[i + 1] ?? 0);
    }
    const items: unknown[] = [];
    for (let k = start; k < end; k++) {
      if (DataType.isMap(t)) {
        const [key, value] = child.children;
        if (key === undefined || value === undefined) throw new Error('map without key/value');
        items.push([cellValue(key, k), cellValue(value, k)]);
      } else items.push(cellValue(child, k));
    }
    return items;
  }
  if (DataType.isInt(t)) {
    const v = (data.values as ArrayLike<number | bigint>)[i] ?? 0;
    return t.bitWidth === 64 ? String(v) : Number(v);
  }
  if (DataType.isFloat(t)) {
    const v = Number((data.values as ArrayLike<number>)[i]);
    return Number.isFinite(v) ? v : String(v);
  }
  if (DataType.isDecimal(t)) {
    const width = (t as Decimal).bitWidth / 32;
    return `${readIntWords(data.values as Uint32Array, i * width, width)}e-${(t as Decimal).scale}`;
  }
  if (DataType.isDate(t)) {
    const v = Number((data.values as ArrayLike<number | bigint>)[i] ?? 0);
    return t.unit === DateUnit.DAY ? v : Math.floor(v / 86_400_000);
  }
  if (DataType.isTimestamp(t)) {
    const ts = t as Timestamp;
    const v = BigInt((data.values as ArrayLike<bigint>)[i] ?? 0n);
    const micros =
      ts.unit === TimeUnit.SECOND
        ? v * 1_000_000n
        : ts.unit === TimeUnit.MILLISECOND
          ? v * 1000n
          : ts.unit === TimeUnit.MICROSECOND
            ? v
            : (v - (((v % 1000n) + 1000n) % 1000n)) / 1000n;
    return `${micros}us${ts.timezone ? ` ${ts.timezone}` : ''}`;
  }
  const value: unknown = makeVector(data).get(i);
  if (value instanceof Uint8Array) return Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('');
  return value;
}

/** The rows of a batch as JSON strings with top-level keys sorted, ready to sort and compare. */
export function batchRowStrings(batch: RecordBatch): string[] {
  const fields = batch.schema.fields;
  const order = fields.map((f, k) => [f.name, k] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const rows: string[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (const [name, k] of order) {
      const column = batch.data.children[k];
      row[name] = column === undefined ? undefined : cellValue(column, i);
    }
    rows.push(JSON.stringify(row));
  }
  return rows;
}

/** All rows of a stream of batches, rendered by {@link batchRowStrings} and sorted. */
export async function sortedRows(batches: AsyncIterable<RecordBatch>): Promise<string[]> {
  const rows: string[] = [];
  for await (const batch of batches) rows.push(...batchRowStrings(batch));
  return rows.sort();
}
