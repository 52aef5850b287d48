import { RecordBatch, Table } from 'apache-arrow';
import { parse as parseCsv } from 'csv-parse/sync';
import { DeltaError, describeError } from '../errors.js';
import { readParquetBatches } from '../parquet/read.js';
import type { DataType, StructField, StructType } from '../protocol/schema.js';
import { batchOf } from './columns.js';
import { fromJson, parseText } from './input-values.js';

/**
 * Reading the input file of `delta-ts write` into Arrow: Parquet (as stored), NDJSON (`.ndjson`,
 * `.jsonl`, `.json` with one object per line) and CSV with a header row.
 *
 * With a table schema, text values are parsed into the table's types (see `input-values.ts`) and
 * columns the table lacks are an error naming them; columns the file lacks are left out (schema
 * enforcement fills nullable ones). Without one, types are inferred per column from all values:
 *
 * | values (nulls ignored)                                   | inferred type   |
 * | -------------------------------------------------------- | --------------- |
 * | JSON booleans, or CSV `true`/`false` (any case)          | `boolean`       |
 * | integers within ±(2^53 - 1)                              | `long`          |
 * | numbers (integers mixed with fractions, exponents)       | `double`        |
 * | ISO-8601 date-times with a zone (`Z`, `+01:00`)          | `timestamp`     |
 * | ISO dates `YYYY-MM-DD`                                   | `date`          |
 * | JSON objects                                             | `struct` (fields inferred alike, in order of first appearance) |
 * | JSON arrays                                              | `array` of the inferred element type |
 * | anything else, mixed kinds, or only nulls                | `string` (JSON values other than strings keep their JSON text) |
 *
 * Zone-less date-times stay strings: guessing a zone would shift every value. An empty CSV cell
 * is null (CSV cannot tell an empty string from a missing value).
 */

/** Options of {@link readInputFile}. */
export interface InputOptions {
  /** The table's schema: parse values into its types. Without it, types are inferred. */
  readonly schema?: StructType;
}

/** The formats {@link readInputFile} understands, by file extension. */
export type InputFormat = 'parquet' | 'ndjson' | 'csv';

/** The input format for a file name. @throws DeltaError `InvalidArgument` for other extensions. */
export function inputFormat(name: string): InputFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl') || lower.endsWith('.json')) return 'ndjson';
  if (lower.endsWith('.csv')) return 'csv';
  throw new DeltaError(
    'InvalidArgument',
    `input file ${name}: unknown format (expected .parquet, .ndjson, .jsonl or .csv)`,
    {
      context: { file: name },
    },
  );
}

/**
 * Reads an input file into an Arrow table (see the module comment).
 *
 * @throws DeltaError `InvalidArgument` naming the file, line and column for a value that does not
 *   parse or a column the table schema lacks; `CorruptData` for an unreadable Parquet file.
 */
export async function readInputFile(
  bytes: Uint8Array,
  name: string,
  options: InputOptions = {},
): Promise<Table> {
  const format = inputFormat(name);
  if (format === 'parquet') {
    const batches: RecordBatch[] = [];
    for await (const batch of readParquetBatches(bytes, { source: name })) batches.push(batch);
    return new Table(batches);
  }
  const text = new TextDecoder().decode(bytes);
  return format === 'ndjson' ? readNdjson(text, name, options.schema) : readCsv(text, name, options.schema);
}

interface Row {
  readonly line: number;
  readonly values: Record<string, unknown>;
}

function readNdjson(text: string, file: string, tableSchema: StructType | undefined): Table {
  const rows: Row[] = [];
  text.split('\n').forEach((raw, k) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new DeltaError(
        'InvalidArgument',
        `${file} line ${k + 1}: not valid JSON: ${describeError(err)}`,
        {
          cause: err,
          context: { file, line: k + 1 },
        },
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new DeltaError('InvalidArgument', `${file} line ${k + 1}: expected a JSON object per line`, {
        context: { file, line: k + 1 },
      });
    rows.push({ line: k + 1, values: value as Record<string, unknown> });
  });
  const schema = tableSchema ? projectTo(tableSchema, rows, file) : inferStruct(rows.map((r) => r.values));
  const converted = rows.map(
    (r) =>
      fromJson(tableSchema ? r.values : toInferred(r.values, schema), schema, {
        file,
        line: r.line,
        column: '',
      }) as Record<string, unknown>,
  );
  return new Table([batchOf(schema, converted)]);
}

function readCsv(text: string, file: string, tableSchema: StructType | undefined): Table {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      columns: true,
      skip_empty_lines: true,
      bom: true,
      info: true,
    }) as typeof records;
  } catch (err) {
    throw new DeltaError('InvalidArgument', `${file}: not valid CSV: ${describeError(err)}`, {
      cause: err,
      context: { file },
    });
  }
  const rows: Row[] = records.map((r) => ({ line: r.info.lines, values: r.record }));
  const cellOf = (r: Row, name: string): string | undefined => {
    const exact = r.values[name];
    const cell = exact ?? Object.entries(r.values).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    return typeof cell === 'string' ? cell : undefined;
  };
  const header = records[0] === undefined ? [] : Object.keys(records[0].record);
  const schema = tableSchema
    ? projectTo(tableSchema, rows, file)
    : {
        type: 'struct' as const,
        fields: header.map((h) => nullableField(h, inferCsvColumn(rows.map((r) => cellOf(r, h))))),
      };
  const converted = rows.map((r) => {
    const out: Record<string, unknown> = {};
    for (const field of schema.fields) {
      const cell = cellOf(r, field.name);
      out[field.name] =
        cell === undefined || cell === ''
          ? null
          : parseText(cell, field.type, { file, line: r.line, column: field.name });
    }
    return out;
  });
  return new Table([batchOf(schema, converted)]);
}

/** The table's fields the input has (in table order); a column the table lacks is an error. */
function projectTo(schema: StructType, rows: readonly Row[], file: string): StructType {
  const seen = new Map<string, number>();
  for (const r of rows) for (const k of Object.keys(r.values)) if (!seen.has(k)) seen.set(k, r.line);
  const lower = new Map(schema.fields.map((f) => [f.name.toLowerCase(), f]));
  for (const [key, line] of seen)
    if (!lower.has(key.toLowerCase()))
      throw new DeltaError(
        'InvalidArgument',
        `${file} line ${line}: column ${key} is not in the table schema`,
        {
          context: { file, line, field: key },
          help: 'drop the column from the input, or write with --merge-schema to add it to the table',
        },
      );
  const present = new Set([...seen.keys()].map((k) => k.toLowerCase()));
  return { type: 'struct', fields: schema.fields.filter((f) => present.has(f.name.toLowerCase())) };
}

function nullableField(name: string, type: DataType): StructField {
  return { name, type, nullable: true, metadata: {} };
}

const ZONED_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type Kind = 'boolean' | 'long' | 'double' | 'timestamp' | 'date' | 'string' | 'struct' | 'array';

function kindOfText(text: string): Kind {
  if (/^(true|false)$/i.test(text)) return 'boolean';
  if (/^[+-]?\d+$/.test(text) && Number.isSafeInteger(Number(text))) return 'long';
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return 'double';
  if (ZONED_TIMESTAMP.test(text)) return 'timestamp';
  if (DATE.test(text)) return 'date';
  return 'string';
}

function kindOfJson(value: unknown): Kind {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'long' : 'double';
  if (typeof value === 'string') {
    const k = kindOfText(value);
    return k === 'timestamp' || k === 'date' ? k : 'string';
  }
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'struct' : 'string';
}

/** The common kind of a column's values; `undefined` when all are null. */
function unify(kinds: Iterable<Kind>): Kind | undefined {
  let out: Kind | undefined;
  for (const k of kinds) {
    if (out === undefined || out === k) out = k;
    else if ((out === 'long' && k === 'double') || (out === 'double' && k === 'long')) out = 'double';
    else return 'string';
  }
  return out;
}

/** Inferred string columns take other JSON values as their JSON text. */
function toInferred(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  if (type.type === 'string') return typeof value === 'string' ? value : JSON.stringify(value);
  if (type.type === 'array' && Array.isArray(value)) return value.map((v) => toInferred(v, type.elementType));
  if (type.type === 'struct' && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(type.fields.map((f) => [f.name, toInferred(obj[f.name], f.type)]));
  }
  return value;
}

function primitive(kind: Kind | undefined): DataType {
  switch (kind) {
    case 'boolean':
    case 'long':
    case 'double':
    case 'timestamp':
    case 'date':
      return { type: kind };
    default:
      return { type: 'string' };
  }
}

function inferCsvColumn(cells: readonly (string | undefined)[]): DataType {
  return primitive(unify(cells.filter((c): c is string => c !== undefined && c !== '').map(kindOfText)));
}

function inferStruct(objects: readonly Record<string, unknown>[]): StructType {
  const names: string[] = [];
  for (const o of objects) for (const k of Object.keys(o)) if (!names.includes(k)) names.push(k);
  return { type: 'struct', fields: names.map((n) => nullableField(n, inferJson(objects.map((o) => o[n])))) };
}

function inferJson(values: readonly unknown[]): DataType {
  const present = values.filter((v) => v !== null && v !== undefined);
  const kind = unify(present.map(kindOfJson));
  if (kind === 'struct') return inferStruct(present as Record<string, unknown>[]);
  if (kind === 'array')
    return { type: 'array', elementType: inferJson((present as unknown[][]).flat()), containsNull: true };
  return primitive(kind);
}
