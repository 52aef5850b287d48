/**
 * Writing data: create a table, append, overwrite (the whole table or the rows matching a
 * predicate, like Spark's `replaceWhere`), with schema enforcement, `mergeSchema` and
 * `overwriteSchema`.
 *
 * Data files are written once, before the commit loop. When the commit has to be redone on a
 * fresh snapshot (a concurrent writer created the table first), the files are reused if the
 * table's layout is the one they were written for, so a streamed input never needs replaying.
 */
import { randomUUID } from 'node:crypto';
import type { RecordBatch } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import type { Expr } from '../expr/ast.js';
import { evaluatePredicate, evaluateTri } from '../expr/evaluate.js';
import { parsePredicate } from '../expr/parse.js';
import type { Add, Metadata, Protocol } from '../protocol/actions.js';
import { type ColumnMappingMode, columnMappingMode } from '../protocol/features.js';
import { type StructType, parseSchema, typeToJson } from '../protocol/schema.js';
import type { Storage } from '../storage/storage.js';
import type { Snapshot } from '../table/snapshot.js';
import { DeltaTable } from '../table/table.js';
import { assignColumnMapping, MAX_COLUMN_ID_KEY } from '../write/column-mapping.js';
import { conformData, type DataInput, toBatches } from '../write/conform.js';
import { mergeProtocols, minimalProtocol } from '../write/protocol.js';
import { arrowToDeltaSchema } from '../write/schema.js';
import { type FileOptions, writeDataBatches } from './files.js';
import { checkRows, checkWritable } from './guards.js';
import { and, filesMatching, onlyPartitionColumns, removeOf, rewriteFiles } from './rewrite.js';
import { type CommonWriteOptions, type OperationResult, resolveStorage, runOperation } from './run.js';

/** Options of {@link writeTable}. */
export interface WriteOptions extends CommonWriteOptions {
  /**
   * `append` (default) adds rows; `overwrite` replaces every row (or those matching `where`);
   * `error` fails if the table exists; `ignore` does nothing if it exists. All create a missing table.
   */
  readonly mode?: 'append' | 'overwrite' | 'error' | 'ignore';
  /** With `overwrite`: replace only rows matching this predicate; every written row must match it. */
  readonly where?: string | Expr;
  /** Partition columns of a new table (must equal the table's when given for an existing one). */
  readonly partitionBy?: readonly string[];
  /** Add columns of the data that the table lacks (and widen types when type widening is enabled). */
  readonly mergeSchema?: boolean;
  /** With `overwrite`: replace the schema and partitioning by the data's. */
  readonly overwriteSchema?: boolean;
  /** Table properties of a new table (`delta.enableChangeDataFeed`, `delta.columnMapping.mode`…). */
  readonly properties?: Readonly<Record<string, string>>;
  /** Schema of a new table; default: derived from the data. Required when the data is empty. */
  readonly schema?: StructType;
  /** Name and description of a new table. */
  readonly name?: string;
  readonly description?: string;
  /** Target data file size in bytes. */
  readonly targetFileSize?: number;
  /** Parquet compression, default snappy. */
  readonly compression?: 'snappy' | 'zstd';
}

interface Layout {
  readonly schema: StructType;
  readonly metadata: Metadata;
  readonly protocol: Protocol;
  /** Whether the commit must carry `metaData` (and `protocol`). */
  readonly changed: boolean;
}

/**
 * Writes `data` to the table at `location`, creating it when missing, in one commit.
 *
 * @throws DeltaError `SchemaMismatch` (data does not fit the schema), `ConstraintViolation`
 *   (appendOnly, CHECK constraint, invariant, rows outside `where`), `UnsupportedFeature`,
 *   `InvalidArgument` (partitionBy differs from the table's, empty data without a schema).
 */
export function writeTable(
  location: string | Storage,
  data: DataInput,
  options: WriteOptions = {},
): Promise<OperationResult> {
  const storage = resolveStorage(location, options.s3);
  const mode = options.mode ?? 'append';
  const input = toBatches(data)[Symbol.asyncIterator]();
  let written: { layoutKey: string; adds: Add[]; rows: number } | undefined;
  let first: { batch: RecordBatch | undefined; rest: AsyncIterable<RecordBatch> } | undefined;
  const params = {
    mode: mode === 'overwrite' ? 'Overwrite' : mode === 'append' ? 'Append' : mode,
    partitionBy: JSON.stringify(options.partitionBy ?? []),
    ...(options.where !== undefined
      ? { predicate: typeof options.where === 'string' ? options.where : 'expression' }
      : {}),
  };
  const retryOnConflict = Math.max(options.retryOnConflict ?? 0, 1);
  return runOperation(
    storage,
    { name: 'WRITE', parameters: params, requireTable: false },
    { ...options, retryOnConflict },
    async ({ txn, now }) => {
      const snap = txn.snapshot;
      if (snap && mode === 'ignore') return undefined;
      if (snap && mode === 'error') {
        throw new DeltaError('InvalidArgument', `a Delta table already exists at ${storage.url}`, {
          help: 'use mode append or overwrite to write to an existing table',
        });
      }
      if (snap) checkWritable(snap, mode === 'overwrite' ? 'OVERWRITE' : 'WRITE');
      const at = now();
      // Peeked once: a rerun after a conflict must see the same first batch, not the next one.
      first ??= await peek(input);
      const layout = await planLayout(snap, first.batch, options, mode, at);
      const layoutKey = `${layout.metadata.schemaString}\u0000${JSON.stringify(layout.metadata.partitionColumns)}\u0000${layout.metadata.configuration['delta.columnMapping.mode'] ?? ''}`;
      if (written && written.layoutKey !== layoutKey) {
        throw new DeltaError(
          'CommitConflict',
          `the table at ${storage.url} was created concurrently with a different schema or partitioning`,
          {
            help: 'write the data again: it has to be laid out for the table as it now is',
          },
        );
      }
      const where =
        options.where === undefined
          ? undefined
          : typeof options.where === 'string'
            ? parsePredicate(options.where, layout.schema)
            : options.where;
      if (!written) {
        const conformed = await conformData(first.rest, layout.schema, { mergeSchema: false });
        const fileOptions: FileOptions = {
          now: at,
          dataChange: true,
          ...(options.targetFileSize ? { targetFileSize: options.targetFileSize } : {}),
          ...(options.compression ? { compression: options.compression } : {}),
        };
        let rows = 0;
        const checked = (async function* (): AsyncIterable<RecordBatch> {
          for await (const batch of conformed.batches) {
            checkRows(layout, batch);
            if (where) checkInside(where, batch, options.where);
            rows += batch.numRows;
            yield batch;
          }
        })();
        const adds = await writeDataBatches(storage, layout, checked, fileOptions);
        written = { layoutKey, adds, rows };
      }
      if (layout.changed) txn.stage({ protocol: layout.protocol }, { metaData: layout.metadata });
      let removed = 0;
      if (snap && mode === 'overwrite') {
        const selective = where !== undefined && options.overwriteSchema !== true;
        const victims = selective ? filesMatching(snap, where) : [...snap.files];
        txn.recordRead(where ?? true, victims);
        if (selective && !onlyPartitionColumns(where, snap)) {
          // Rows matching the predicate are deleted from files that also hold other rows.
          const table = await DeltaTable.open(storage);
          const { actions } = await rewriteFiles(
            table,
            snap,
            victims,
            (batch, live) => ({ touched: and(evaluatePredicate(where, batch), live) }),
            { now: at, touchedChange: 'delete' },
          );
          txn.stage(...actions);
        } else {
          txn.stage(...victims.map((f) => ({ remove: removeOf(f, at) })));
        }
        removed = victims.length;
      }
      txn.stage(...written.adds.map((add) => ({ add })));
      return { numFiles: written.adds.length, numOutputRows: written.rows, numRemovedFiles: removed };
    },
  );
}

/** Decides the schema, metadata and protocol the data is written with. */
async function planLayout(
  snap: Snapshot | undefined,
  first: RecordBatch | undefined,
  options: WriteOptions,
  mode: string,
  now: number,
): Promise<Layout> {
  const dataSchema = first ? arrowToDeltaSchema(first.schema) : undefined;
  if (!snap || (mode === 'overwrite' && options.overwriteSchema === true)) {
    const schema = options.schema ?? dataSchema;
    if (!schema) {
      throw new DeltaError('InvalidArgument', 'cannot create a table from empty data without a schema', {
        help: 'pass a schema, or write at least one row',
      });
    }
    return newLayout(schema, options, now, snap);
  }
  if (options.partitionBy && JSON.stringify(options.partitionBy) !== JSON.stringify(snap.partitionColumns)) {
    throw new DeltaError(
      'InvalidArgument',
      `partitionBy ${JSON.stringify(options.partitionBy)} differs from the table's partition columns ${JSON.stringify(snap.partitionColumns)}`,
      {
        help: 'omit partitionBy for an existing table, or overwrite with overwriteSchema to repartition',
      },
    );
  }
  let schema = snap.schema;
  if (options.mergeSchema === true && first) {
    const conformed = await conformData([first], snap.schema, {
      mergeSchema: true,
      typeWidening: snap.properties['delta.enableTypeWidening'] === 'true',
    });
    schema = conformed.schema;
  }
  if (schema === snap.schema)
    return { schema, metadata: snap.metadata, protocol: snap.protocol, changed: false };
  const mappingMode = columnMappingMode(snap.metadata);
  const mapped = assignColumnMapping(schema, {
    mode: mappingMode,
    maxColumnId: Number(snap.properties[MAX_COLUMN_ID_KEY] ?? 0),
  });
  const configuration = {
    ...snap.properties,
    ...(mappingMode !== 'none' ? { [MAX_COLUMN_ID_KEY]: String(mapped.maxColumnId) } : {}),
  };
  const metadata: Metadata = {
    ...snap.metadata,
    schemaString: JSON.stringify(typeToJson(mapped.schema)),
    configuration,
  };
  const protocol = mergeProtocols(snap.protocol, minimalProtocol(configuration, mapped.schema));
  return { schema: mapped.schema, metadata, protocol, changed: true };
}

function newLayout(
  schema: StructType,
  options: WriteOptions,
  now: number,
  previous: Snapshot | undefined,
): Layout {
  const properties = { ...(options.properties ?? {}) };
  const mode = (properties['delta.columnMapping.mode'] ?? 'none') as ColumnMappingMode;
  const mapped = assignColumnMapping(schema, { mode, maxColumnId: 0 });
  if (mode !== 'none') properties[MAX_COLUMN_ID_KEY] = String(mapped.maxColumnId);
  const partitionColumns = [...(options.partitionBy ?? [])];
  for (const column of partitionColumns) {
    if (!mapped.schema.fields.some((f) => f.name === column)) {
      throw new DeltaError(
        'InvalidArgument',
        `partition column ${JSON.stringify(column)} is not in the schema`,
        {
          context: { field: column },
        },
      );
    }
  }
  const metadata: Metadata = {
    id: previous?.metadata.id ?? randomUUID(),
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.description !== undefined ? { description: options.description } : {}),
    format: { provider: 'parquet', options: {} },
    schemaString: JSON.stringify(typeToJson(mapped.schema)),
    partitionColumns,
    configuration: properties,
    createdTime: now,
  };
  let protocol = minimalProtocol(properties, mapped.schema);
  if (previous) protocol = mergeProtocols(previous.protocol, protocol);
  // Round-trip through the parser so the layout's schema is exactly what readers will see.
  return { schema: parseSchema(metadata.schemaString), metadata, protocol, changed: true };
}

/** The first batch of the input and an input that still yields it. */
async function peek(
  input: AsyncIterator<RecordBatch>,
): Promise<{ batch: RecordBatch | undefined; rest: AsyncIterable<RecordBatch> }> {
  const first = await input.next();
  const batch = first.done === true ? undefined : first.value;
  let replayed = false;
  const rest: AsyncIterable<RecordBatch> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        if (!replayed && batch) {
          replayed = true;
          return { done: false, value: batch };
        }
        return input.next();
      },
    }),
  };
  return { batch, rest };
}

/** Every written row must satisfy the overwrite predicate, or rows would land outside what was replaced. */
function checkInside(where: Expr, batch: RecordBatch, text: string | Expr | undefined): void {
  const tri = evaluateTri(where, batch);
  for (let i = 0; i < tri.length; i++) {
    if (tri[i] !== 1) {
      throw new DeltaError(
        'ConstraintViolation',
        `row ${i} of the data does not match the overwrite predicate ${typeof text === 'string' ? text : ''}`.trim(),
        {
          help: 'every row written with overwrite + where must satisfy the predicate (Spark replaceWhere semantics)',
        },
      );
    }
  }
}
