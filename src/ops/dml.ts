/**
 * DELETE and UPDATE by predicate.
 *
 * Both find the files that may hold matching rows (partition pruning and statistics), record that
 * read for conflict detection, and rewrite only the files with a matching row (see rewrite.ts).
 * A delete whose predicate names only partition columns removes whole files without reading them.
 */
import { makeVector, type RecordBatch } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import type { Expr } from '../expr/ast.js';
import { evaluatePredicate, filterBatch } from '../expr/evaluate.js';
import { parsePredicate } from '../expr/parse.js';
import type { Add } from '../protocol/actions.js';
import { parsePartitionValue } from '../protocol/partition.js';
import { findField } from '../protocol/schema.js';
import { deltaToArrowType } from '../scan/arrow-schema.js';
import { constantData } from '../scan/constant.js';
import type { Storage } from '../storage/storage.js';
import type { Snapshot } from '../table/snapshot.js';
import { DeltaTable } from '../table/table.js';
import { checkRows, checkWritable } from './guards.js';
import {
  and,
  filesMatching,
  onlyPartitionColumns,
  removeOf,
  rewriteFiles,
  rewriteMetrics,
} from './rewrite.js';
import {
  type CommonWriteOptions,
  type OperationMetrics,
  type OperationResult,
  resolveStorage,
  runOperation,
} from './run.js';

/** Options of {@link deleteRows}. */
export interface DeleteOptions extends CommonWriteOptions {
  /** Rows to delete, as a predicate string (`delta-ts scan --where` syntax) or expression; all rows when omitted. */
  readonly where?: string | Expr;
}

/** Options of {@link updateRows}. */
export interface UpdateOptions extends CommonWriteOptions {
  /** Rows to update; all rows when omitted. */
  readonly where?: string | Expr;
  /**
   * Column → new value. Values are given as Delta serialises partition values (`"42"`, `"2024-05-01"`,
   * `"2024-05-01 10:00:00"`) or as JS numbers, bigints and booleans; `null` sets null. Top-level
   * primitive columns only.
   */
  readonly set: Readonly<Record<string, string | number | bigint | boolean | null>>;
}

/** Deletes the rows matching `where` (every row when omitted) in one commit. */
export function deleteRows(
  location: string | Storage,
  options: DeleteOptions = {},
): Promise<OperationResult> {
  const storage = resolveStorage(location, options.s3);
  const params = { predicate: describeWhere(options.where) };
  return runOperation(
    storage,
    { name: 'DELETE', parameters: params },
    options,
    async ({ txn, now }): Promise<OperationMetrics | undefined> => {
      const snap = requireSnapshot(txn.snapshot);
      checkWritable(snap, 'DELETE');
      const predicate = options.where === undefined ? undefined : toExpr(options.where, snap);
      const candidates = filesMatching(snap, predicate);
      txn.recordRead(predicate ?? true, candidates);
      const at = now();
      if (
        !predicate ||
        (onlyPartitionColumns(predicate, snap) && snap.properties['delta.enableChangeDataFeed'] !== 'true')
      ) {
        // Every row of a candidate file matches: drop files without reading them.
        if (candidates.length === 0) return undefined;
        txn.stage(...candidates.map((f) => ({ remove: removeOf(f, at) })));
        return {
          numRemovedFiles: candidates.length,
          numDeletedRows: sumRecords(candidates),
          numAddedFiles: 0,
        };
      }
      const table = await DeltaTable.open(storage);
      const { actions, stats } = await rewriteFiles(
        table,
        snap,
        candidates,
        (batch, live) => ({ touched: and(evaluatePredicate(predicate, batch), live) }),
        {
          now: at,
          touchedChange: 'delete',
          onFile: (done, total) => options.onProgress?.('files', done, total),
        },
      );
      if (stats.rowsTouched === 0) return undefined;
      txn.stage(...actions);
      return rewriteMetrics(stats, 'numDeletedRows');
    },
  );
}

/** Sets columns of the rows matching `where` in one commit. */
export function updateRows(location: string | Storage, options: UpdateOptions): Promise<OperationResult> {
  const storage = resolveStorage(location, options.s3);
  const params = {
    predicate: describeWhere(options.where),
    set: JSON.stringify(options.set, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  };
  return runOperation(
    storage,
    { name: 'UPDATE', parameters: params },
    options,
    async ({ txn, now }): Promise<OperationMetrics | undefined> => {
      const snap = requireSnapshot(txn.snapshot);
      checkWritable(snap, 'UPDATE');
      const assign = compileAssignments(snap, options.set);
      const predicate = options.where === undefined ? undefined : toExpr(options.where, snap);
      const candidates = filesMatching(snap, predicate);
      txn.recordRead(predicate ?? true, candidates);
      const table = await DeltaTable.open(storage);
      const { actions, stats } = await rewriteFiles(
        table,
        snap,
        candidates,
        (batch, live) => {
          const touched = predicate ? and(evaluatePredicate(predicate, batch), live) : live;
          const replaced = assign(filterBatch(batch, touched));
          checkRows(snap, replaced);
          return { touched, replacements: [replaced] };
        },
        {
          now: now(),
          touchedChange: 'update_preimage',
          onFile: (done, total) => options.onProgress?.('files', done, total),
        },
      );
      if (stats.rowsTouched === 0) return undefined;
      txn.stage(...actions);
      return rewriteMetrics(stats, 'numUpdatedRows');
    },
  );
}

/** The snapshot of an operation that needs an existing table. */
export function requireSnapshot(snap: Snapshot | undefined): Snapshot {
  if (!snap) throw new DeltaError('TableNotFound', 'the table does not exist');
  return snap;
}

function toExpr(where: string | Expr, snap: Snapshot): Expr {
  return typeof where === 'string' ? parsePredicate(where, snap.schema) : where;
}

function describeWhere(where: string | Expr | undefined): string {
  if (where === undefined) return 'true';
  return typeof where === 'string'
    ? where
    : JSON.stringify(where, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function sumRecords(files: readonly Add[]): number {
  let n = 0;
  for (const f of files) {
    const stats: unknown = typeof f.stats === 'string' ? JSON.parse(f.stats) : undefined;
    const records = (stats as { numRecords?: unknown } | undefined)?.numRecords;
    n += typeof records === 'number' ? records : 0;
  }
  return n;
}

/** Compiles `set` into a function replacing the assigned columns of a batch with constants. */
function compileAssignments(snap: Snapshot, set: UpdateOptions['set']): (batch: RecordBatch) => RecordBatch {
  const entries = Object.entries(set).map(([name, raw]) => {
    const field = findField(snap.schema, name);
    if (!field) {
      throw new DeltaError(
        'InvalidArgument',
        `UPDATE sets column ${JSON.stringify(name)}, which is not in the table schema`,
        {
          context: { field: name },
        },
      );
    }
    if (['struct', 'array', 'map'].includes(field.type.type)) {
      throw new DeltaError(
        'InvalidArgument',
        `UPDATE can set primitive columns only; ${field.name} is a ${field.type.type}`,
        {
          context: { field: field.name },
        },
      );
    }
    if (raw === null && !field.nullable) {
      throw new DeltaError(
        'ConstraintViolation',
        `column ${field.name} is not nullable; UPDATE cannot set it to null`,
        {
          context: { field: field.name },
        },
      );
    }
    const value = raw === null ? null : parsePartitionValue(String(raw), field.type, field.name);
    return { field, value, arrowType: deltaToArrowType(field.type, field.name) };
  });
  return (batch) => {
    let out = batch;
    for (const { field, value, arrowType } of entries) {
      out = out.setChild(field.name, makeVector(constantData(arrowType, field.type, value, batch.numRows)));
    }
    return out;
  };
}
