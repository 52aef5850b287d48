import {
  type Data,
  DataType as ArrowTypes,
  type Field,
  makeData,
  RecordBatch,
  type Schema,
  Struct,
  type Table,
} from 'apache-arrow';
import { DeltaError } from '../errors.js';
import { isValidAt, listRange } from '../expr/arrow-data.js';
import type { DataType, StructType } from '../protocol/schema.js';
import { nullData } from '../scan/arrow-data.js';
import { deltaToArrowSchema } from '../scan/arrow-schema.js';
import { convertColumn } from '../scan/convert.js';
import { mergeSchemas } from './merge.js';
import { arrowToDeltaSchema, describeDeltaType, insertableInto } from './schema.js';

/**
 * Schema enforcement for writes: turning incoming Arrow data into batches of exactly the table's
 * logical Arrow schema (`deltaToArrowSchema`), or refusing it with an error that names the column.
 *
 * Names are matched exactly first, then case-insensitively, as Spark resolves them (Delta forbids
 * two columns that differ only in case, so the match is unambiguous in the table; two incoming
 * columns matching one table column is an error). Columns are reordered to table order; nullable
 * columns the data lacks are filled with nulls; conversions are exact ones only (see
 * `insertableInto`). Nulls in non-nullable columns are a `ConstraintViolation`, as Delta's NOT NULL
 * constraint is.
 */

/** What a write accepts as data: a table, or record batches produced synchronously or not. */
export type DataInput = Table | Iterable<RecordBatch> | AsyncIterable<RecordBatch>;

/** Options of {@link conformData}. */
export interface ConformOptions {
  /** Add incoming columns (top-level and nested) the table lacks, as nullable columns. */
  readonly mergeSchema?: boolean;
  /**
   * With `mergeSchema`: widen table columns to the incoming type where the Delta type-widening
   * table allows it (see `mergeSchemas`). Without `mergeSchema` it has no effect, as in Delta.
   */
  readonly typeWidening?: boolean;
}

/** The result of {@link conformData}. */
export interface ConformedData {
  /** The schema the batches conform to: the table schema, or the merged one. */
  readonly schema: StructType;
  /** Whether {@link schema} differs from the table schema (the commit must write `metaData`). */
  readonly schemaChanged: boolean;
  /** The data, batch by batch, in the logical Arrow form of {@link schema}. */
  readonly batches: AsyncIterable<RecordBatch>;
}

/** Iterates any {@link DataInput} as an async sequence of batches. */
export async function* toBatches(data: DataInput): AsyncIterable<RecordBatch> {
  if ('batches' in data && Array.isArray(data.batches)) {
    yield* data.batches;
    return;
  }
  yield* data as Iterable<RecordBatch> | AsyncIterable<RecordBatch>;
}

/**
 * Checks and converts `data` against `tableSchema`. The first batch's schema is checked (and, with
 * `mergeSchema`, merged) before this resolves, so a mismatch fails before anything is written;
 * every later batch is checked against the resulting schema as it is converted. With
 * `mergeSchema`, the schema is merged from the first batch only: a later batch that brings yet
 * another column is refused like any extra column.
 *
 * @throws DeltaError `SchemaMismatch` naming the column (extra column, missing non-nullable column,
 *   type that cannot be stored); `ConstraintViolation` for a null in a non-nullable column.
 */
export async function conformData(
  data: DataInput,
  tableSchema: StructType,
  options: ConformOptions = {},
): Promise<ConformedData> {
  const iterator = toBatches(data)[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) {
    return { schema: tableSchema, schemaChanged: false, batches: (async function* () {})() };
  }
  let schema = tableSchema;
  if (options.mergeSchema === true) {
    schema = mergeSchemas(tableSchema, arrowToDeltaSchema(first.value.schema), {
      typeWidening: options.typeWidening === true,
    });
  }
  checkStruct(first.value.schema.fields, schema, '');
  const target = schema;
  const batches = (async function* () {
    yield conformBatch(first.value, target);
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next())
      yield conformBatch(next.value, target);
  })();
  return { schema, schemaChanged: schema !== tableSchema, batches };
}

/**
 * Converts one batch to the logical Arrow form of `schema` (see the module comment). Columns that
 * already have the target type are passed through without copying.
 */
export function conformBatch(batch: RecordBatch, schema: StructType, arrowSchema?: Schema): RecordBatch {
  checkStruct(batch.schema.fields, schema, '');
  const out = arrowSchema ?? deltaToArrowSchema(schema);
  const length = batch.numRows;
  const children = schema.fields.map((field, k) => {
    const outField = out.fields[k];
    if (outField === undefined) throw new TypeError(`arrow schema lacks ${field.name}`);
    const index = matchField(batch.schema.fields, field.name, '');
    const src = index < 0 ? undefined : batch.data.children[index];
    const column =
      src === undefined
        ? nullData(outField.type, length)
        : convertColumn(src, field.type, outField.type, null, length, field.name, {
            mode: 'none',
            file: '<input>',
          });
    if (!field.nullable && column.nullCount > 0) throw nullViolation(field.name);
    checkNestedNulls(column, field.type, field.name, undefined);
    return column;
  });
  return new RecordBatch(out, makeData({ type: new Struct(out.fields), length, nullCount: 0, children }));
}

function nullViolation(path: string): DeltaError<'ConstraintViolation'> {
  return new DeltaError(
    'ConstraintViolation',
    `NOT NULL constraint violated for column ${path}: the data holds a null`,
    {
      context: { field: path },
      help: 'remove the null values, or make the column nullable',
    },
  );
}

/**
 * Index of the incoming field for table field `name`: exact match first, then the only
 * case-insensitive one; -1 when absent.
 */
function matchField(fields: readonly Field[], name: string, prefix: string): number {
  const exact = fields.findIndex((f) => f.name === name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  const matches = fields.flatMap((f, i) => (f.name.toLowerCase() === lower ? [i] : []));
  if (matches.length > 1)
    throw new DeltaError(
      'SchemaMismatch',
      `column ${prefix}${name}: the data has ${matches.length} columns that match it case-insensitively (${matches.map((i) => fields[i]?.name).join(', ')})`,
      { context: { field: `${prefix}${name}` } },
    );
  return matches[0] ?? -1;
}

function checkStruct(fields: readonly Field[], target: StructType, prefix: string): void {
  const used = new Set<number>();
  for (const field of target.fields) {
    const path = `${prefix}${field.name}`;
    const index = matchField(fields, field.name, prefix);
    const src = fields[index];
    if (src === undefined) {
      if (!field.nullable)
        throw new DeltaError(
          'SchemaMismatch',
          `column ${path} is not nullable but the data does not have it`,
          {
            context: { field: path },
          },
        );
      continue;
    }
    used.add(index);
    checkType(src.type, field.type, path);
  }
  const extra = fields.filter((_, i) => !used.has(i)).map((f) => `${prefix}${f.name}`);
  if (extra.length > 0)
    throw new DeltaError(
      'SchemaMismatch',
      `column${extra.length > 1 ? 's' : ''} ${extra.join(', ')} of the data ${extra.length > 1 ? 'are' : 'is'} not in the table schema`,
      {
        context: { field: extra.join(',') },
        help: 'enable schema merging (mergeSchema) to add the columns to the table, or drop them from the data',
      },
    );
}

function checkType(src: Field['type'], target: DataType, path: string): void {
  const why = insertableInto(src, target);
  if (why !== undefined)
    throw new DeltaError(
      'SchemaMismatch',
      `column ${path} has type ${describeDeltaType(target)} in the table: ${why}`,
      {
        context: { field: path },
      },
    );
  if (ArrowTypes.isDictionary(src)) return checkType(src.dictionary, target, path);
  if (ArrowTypes.isNull(src)) return;
  switch (target.type) {
    case 'struct':
      checkStruct(src.children, target, `${path}.`);
      return;
    case 'array': {
      const element = src.children[0];
      if (element !== undefined) checkType(element.type, target.elementType, `${path}.element`);
      return;
    }
    case 'map': {
      const [key, value] = src.children[0]?.type.children ?? [];
      if (key !== undefined) checkType(key.type, target.keyType, `${path}.key`);
      if (value !== undefined) checkType(value.type, target.valueType, `${path}.value`);
      return;
    }
    default:
      return;
  }
}

/**
 * Throws on a null in a non-nullable nested position (struct field, array element, map value or
 * key) of a row that is itself live. `live` marks the rows of `data` that matter (`undefined`: all);
 * a null struct makes its fields' nulls irrelevant.
 */
function checkNestedNulls(data: Data, type: DataType, path: string, live: Uint8Array | undefined): void {
  const isLive = (i: number): boolean => (live === undefined || live[i] === 1) && isValidAt(data, i);
  switch (type.type) {
    case 'struct': {
      if (!type.fields.some((f) => !f.nullable || isNested(f.type))) return;
      const childLive = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) childLive[i] = isLive(i) ? 1 : 0;
      type.fields.forEach((field, k) => {
        const child = data.children[k];
        if (child === undefined) return;
        if (!field.nullable && child.nullCount > 0)
          for (let i = 0; i < data.length; i++)
            if (childLive[i] === 1 && !isValidAt(child, i)) throw nullViolation(`${path}.${field.name}`);
        checkNestedNulls(child, field.type, `${path}.${field.name}`, childLive);
      });
      return;
    }
    case 'array':
    case 'map': {
      const child = data.children[0];
      if (child === undefined) return;
      const childLive = new Uint8Array(child.length);
      for (let i = 0; i < data.length; i++) {
        if (!isLive(i)) continue;
        const [start, end] = listRange(data, i);
        childLive.fill(1, start, end);
      }
      if (type.type === 'array') {
        if (!type.containsNull && child.nullCount > 0)
          for (let j = 0; j < child.length; j++)
            if (childLive[j] === 1 && !isValidAt(child, j)) throw nullViolation(`${path}.element`);
        checkNestedNulls(child, type.elementType, `${path}.element`, childLive);
        return;
      }
      const [keys, values] = child.children;
      if (keys !== undefined && keys.nullCount > 0)
        for (let j = 0; j < keys.length; j++)
          if (childLive[j] === 1 && !isValidAt(keys, j)) throw nullViolation(`${path}.key`);
      if (values !== undefined && !type.valueContainsNull && values.nullCount > 0)
        for (let j = 0; j < values.length; j++)
          if (childLive[j] === 1 && !isValidAt(values, j)) throw nullViolation(`${path}.value`);
      if (keys !== undefined) checkNestedNulls(keys, type.keyType, `${path}.key`, childLive);
      if (values !== undefined) checkNestedNulls(values, type.valueType, `${path}.value`, childLive);
      return;
    }
    default:
      return;
  }
}

function isNested(type: DataType): boolean {
  return type.type === 'struct' || type.type === 'array' || type.type === 'map';
}
