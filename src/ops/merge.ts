/**
 * MERGE: upsert (and delete) source rows into the table by key — the primitive that applies a
 * CDC stream to a current-state table.
 *
 * Source rows are first deduplicated per key, keeping the one with the highest `sequenceBy` value
 * (the LSN of a Debezium event), so a batch holding several changes of one row applies only the
 * last. Each surviving source row then deletes its target row (when `deleteWhen` holds for it),
 * replaces it (when matched) or is inserted (when not matched). Only files whose key range may
 * contain a source key are read.
 */
import { type RecordBatch, Schema } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import type { Expr } from '../expr/ast.js';
import { evaluatePredicate } from '../expr/evaluate.js';
import { parsePredicate, quoteIfNeeded } from '../expr/parse.js';
import { takeBatch } from '../expr/take.js';
import { findField, type StructType } from '../protocol/schema.js';
import type { Storage } from '../storage/storage.js';
import type { Snapshot } from '../table/snapshot.js';
import { DeltaTable } from '../table/table.js';
import { conformBatch, type DataInput, toBatches } from '../write/conform.js';
import { arrowToDeltaSchema } from '../write/schema.js';
import { writeChangeFiles, writeDataBatches } from './files.js';
import { checkRows, checkWritable } from './guards.js';
import { requireSnapshot } from './dml.js';
import { filesMatching, rewriteFiles } from './rewrite.js';
import {
  type CommonWriteOptions,
  type OperationMetrics,
  type OperationResult,
  resolveStorage,
  runOperation,
} from './run.js';

/** Options of {@link mergeRows}. */
export interface MergeOptions extends CommonWriteOptions {
  /** Key columns matching source rows to target rows (equality; a null key never matches). */
  readonly on: readonly string[];
  /** Source column ordering changes of one key; the highest wins. Without it the last row wins. */
  readonly sequenceBy?: string;
  /** Source rows for which this holds delete their matched target row and are never inserted. */
  readonly deleteWhen?: string | Expr;
  /** What a matched, non-deleting source row does. Default `update` (replace the row). */
  readonly whenMatched?: 'update' | 'ignore';
  /** What an unmatched, non-deleting source row does. Default `insert`. */
  readonly whenNotMatched?: 'insert' | 'ignore';
  /**
   * Source columns that are not written to the table (an operation code, the sequence column):
   * usable in `deleteWhen` and `sequenceBy`, dropped before conforming to the table schema.
   */
  readonly sourceOnlyColumns?: readonly string[];
}

/** Merges `source` into the table at `location` in one commit. */
export function mergeRows(
  location: string | Storage,
  source: DataInput,
  options: MergeOptions,
): Promise<OperationResult> {
  const storage = resolveStorage(location, options.s3);
  let materialized: RecordBatch[] | undefined;
  const params = {
    on: JSON.stringify(options.on),
    sequenceBy: options.sequenceBy ?? null,
    deleteWhen:
      typeof options.deleteWhen === 'string' ? options.deleteWhen : options.deleteWhen ? 'expression' : null,
  };
  return runOperation(
    storage,
    { name: 'MERGE', parameters: params },
    options,
    async ({ txn, now }): Promise<OperationMetrics | undefined> => {
      const snap = requireSnapshot(txn.snapshot);
      checkWritable(snap, 'MERGE');
      materialized ??= await collectBatches(source);
      if (materialized.every((b) => b.numRows === 0)) return undefined;
      const plan = planSource(snap, materialized, options);
      const prune = keyRangePredicate(snap, plan);
      const candidates = filesMatching(snap, prune);
      txn.recordRead(prune ?? true, candidates);
      const at = now();
      const matched = new Uint8Array(plan.rows);
      let deleted = 0;
      let updated = 0;
      const table = await DeltaTable.open(storage);
      const keyIndexes = options.on.map((k) => columnIndex(snap.schema, k));
      const { actions, stats } = await rewriteFiles(
        table,
        snap,
        candidates,
        (batch, live) => {
          const touched = new Uint8Array(batch.numRows);
          const deletes = new Uint8Array(batch.numRows);
          const replacementRows: number[] = [];
          const columns = keyIndexes.map((i) => batch.getChildAt(i));
          for (let r = 0; r < batch.numRows; r++) {
            if (!live[r]) continue;
            const key = keyOf(columns, r);
            const s = key === undefined ? undefined : plan.byKey.get(key);
            if (s === undefined) continue;
            matched[s] = 1;
            if (plan.deletes[s]) {
              touched[r] = 1;
              deletes[r] = 1;
              deleted++;
            } else if (options.whenMatched !== 'ignore') {
              touched[r] = 1;
              replacementRows.push(s);
              updated++;
            }
          }
          const replacements = plan.written.take(replacementRows.sort((a, b) => a - b));
          for (const r of replacements) checkRows(snap, r);
          return { touched, deleted: deletes, replacements };
        },
        {
          now: at,
          touchedChange: 'update_preimage',
          onFile: (done, total) => options.onProgress?.('files', done, total),
        },
      );
      txn.stage(...actions);
      const inserts: number[] = [];
      if (options.whenNotMatched !== 'ignore') {
        for (let s = 0; s < plan.rows; s++)
          if (!matched[s] && !plan.deletes[s] && plan.keyed[s]) inserts.push(s);
        for (const s of plan.unkeyed) if (!plan.deletes[s]) inserts.push(s);
      }
      let added = 0;
      if (inserts.length > 0) {
        const batches = plan.written.take(inserts.sort((a, b) => a - b));
        for (const b of batches) checkRows(snap, b);
        const adds = await writeDataBatches(storage, snap, batches, { now: at, dataChange: true });
        txn.stage(...adds.map((add) => ({ add })));
        added = adds.length;
        if (snap.properties['delta.enableChangeDataFeed'] === 'true')
          txn.stage(...(await writeChangeFiles(storage, snap, batches, 'insert', at)));
      }
      if (actions.length === 0 && inserts.length === 0) return undefined;
      return {
        numSourceRows: plan.sourceRows,
        numTargetRowsInserted: inserts.length,
        numTargetRowsUpdated: updated,
        numTargetRowsDeleted: deleted,
        numTargetFilesAdded: stats.filesAdded + added,
        numTargetFilesRemoved: stats.filesRemoved,
        numTargetRowsCopied: stats.rowsCopied,
        numTargetDeletionVectorsAdded: stats.deletionVectorsAdded,
      };
    },
  );
}

/** The deduplicated source: rows in table form, their keys, and which of them delete. */
interface SourcePlan {
  /** Surviving source rows conformed to the table schema (source-only columns dropped). */
  readonly written: Rows;
  readonly rows: number;
  readonly sourceRows: number;
  /** key → row of `written`. */
  readonly byKey: Map<string, number>;
  /** 1 where the row has a non-null key. */
  readonly keyed: Uint8Array;
  /** Rows whose key has a null: they never match and are inserted. */
  readonly unkeyed: number[];
  readonly deletes: Uint8Array;
  /** The key column names. */
  readonly keys: readonly string[];
  /** Per key column, the smallest and largest source value (for pruning), when comparable. */
  readonly ranges: (readonly [unknown, unknown] | undefined)[];
}

function planSource(snap: Snapshot, batches: readonly RecordBatch[], options: MergeOptions): SourcePlan {
  if (options.on.length === 0)
    throw new DeltaError('InvalidArgument', 'MERGE needs at least one key column (on)');
  const source = new Rows(batches.filter((b) => b.numRows > 0));
  const keyIndex = (batch: RecordBatch, name: string, what: string): number => {
    const i = batch.schema.fields.findIndex((f) => f.name === name);
    if (i < 0)
      throw new DeltaError('InvalidArgument', `MERGE ${what} ${name} is not in the source data`, {
        context: { field: name },
      });
    return i;
  };
  const winner = new Map<string, { row: number; seq: unknown }>();
  const unkeyedSource: number[] = [];
  source.forEachBatch((batch, offset) => {
    const keyColumns = options.on.map((k) => batch.getChildAt(keyIndex(batch, k, 'key column')));
    const seq =
      options.sequenceBy === undefined
        ? null
        : batch.getChildAt(keyIndex(batch, options.sequenceBy, 'sequenceBy column'));
    for (let r = 0; r < batch.numRows; r++) {
      const key = keyOf(keyColumns, r);
      if (key === undefined) {
        unkeyedSource.push(offset + r);
        continue;
      }
      const prev = winner.get(key);
      const s = seq?.get(r);
      // Ties keep the later row: within one sequence value, arrival order decides.
      if (prev === undefined || compareSeq(s, prev.seq) >= 0) winner.set(key, { row: offset + r, seq: s });
    }
  });
  const keep = [...[...winner.values()].map((w) => w.row), ...unkeyedSource].sort((a, b) => a - b);
  const survivors = source.take(keep);
  const dropped = new Set(options.sourceOnlyColumns ?? []);
  const deleteExpr =
    options.deleteWhen === undefined
      ? undefined
      : typeof options.deleteWhen === 'string'
        ? parsePredicate(
            options.deleteWhen,
            arrowToDeltaSchema(survivors[0]?.schema ?? batches[0]?.schema ?? new Schema([])),
          )
        : options.deleteWhen;
  const deletes = new Uint8Array(keep.length);
  const written: RecordBatch[] = [];
  let at = 0;
  for (const batch of survivors) {
    if (deleteExpr) deletes.set(evaluatePredicate(deleteExpr, batch), at);
    at += batch.numRows;
    const projected = batch.select(batch.schema.fields.map((f) => f.name).filter((n) => !dropped.has(n)));
    written.push(conformBatch(projected, snap.schema));
  }
  const rows = new Rows(written);
  const byKey = new Map<string, number>();
  const keyed = new Uint8Array(keep.length);
  const unkeyed: number[] = [];
  const ranges: ([unknown, unknown] | undefined | null)[] = options.on.map(() => null);
  rows.forEachBatch((batch, offset) => {
    const keyColumns = options.on.map((k) => batch.getChildAt(columnIndex(snap.schema, k)));
    for (let r = 0; r < batch.numRows; r++) {
      const key = keyOf(keyColumns, r);
      if (key === undefined) unkeyed.push(offset + r);
      else {
        byKey.set(key, offset + r);
        keyed[offset + r] = 1;
      }
    }
    keyColumns.forEach((column, i) => {
      if (ranges[i] !== undefined) ranges[i] = widenRange(ranges[i] ?? undefined, column, batch.numRows);
    });
  });
  return {
    written: rows,
    rows: keep.length,
    sourceRows: source.length,
    byKey,
    keyed,
    unkeyed,
    deletes,
    keys: options.on,
    ranges: ranges.map((r) => r ?? undefined),
  };
}

/** Several batches addressed by one running row index. */
class Rows {
  readonly batches: readonly RecordBatch[];
  private readonly offsets: number[] = [];
  readonly length: number;

  constructor(batches: readonly RecordBatch[]) {
    this.batches = batches;
    let n = 0;
    for (const b of batches) {
      this.offsets.push(n);
      n += b.numRows;
    }
    this.length = n;
  }

  forEachBatch(f: (batch: RecordBatch, offset: number) => void): void {
    this.batches.forEach((b, i) => f(b, this.offsets[i] ?? 0));
  }

  /** Rows `indices` (ascending), one batch per source batch they come from. */
  take(indices: readonly number[]): RecordBatch[] {
    const out: RecordBatch[] = [];
    let start = 0;
    while (start < indices.length) {
      const [batch] = this.locate(indices[start] ?? 0);
      const b = this.batches.indexOf(batch);
      const base = this.offsets[b] ?? 0;
      const end = base + batch.numRows;
      const local: number[] = [];
      while (start < indices.length && (indices[start] ?? 0) < end)
        local.push((indices[start++] ?? 0) - base);
      out.push(takeBatch(batch, Int32Array.from(local)));
    }
    return out;
  }

  private locate(g: number): [RecordBatch, number] {
    let lo = 0;
    let hi = this.offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.offsets[mid] ?? 0) <= g) lo = mid;
      else hi = mid - 1;
    }
    const batch = this.batches[lo];
    if (!batch) throw new DeltaError('InvalidArgument', `row ${g} is outside the merge source`);
    return [batch, g - (this.offsets[lo] ?? 0)];
  }
}

type Column = { get(i: number): unknown } | null;

/** A string identifying the key tuple of row `r`, or `undefined` when a key column is null. */
function keyOf(columns: readonly Column[], r: number): string | undefined {
  let key = '';
  for (const column of columns) {
    const v = column?.get(r);
    if (v === null || v === undefined) return undefined;
    key += `${typeof v === 'bigint' ? `${v}n` : typeof v === 'object' ? Array.from(v as ArrayLike<number>).join(',') : JSON.stringify(v)}\u0000`;
  }
  return key;
}

function compareSeq(a: unknown, b: unknown): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint'))
    return a < b ? -1 : a > b ? 1 : 0;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Extends `range` by the values of `column`; `undefined` once a value is not comparable. */
function widenRange(
  range: [unknown, unknown] | undefined,
  column: Column,
  n: number,
): [unknown, unknown] | undefined {
  let lo = range?.[0];
  let hi = range?.[1];
  for (let r = 0; r < n; r++) {
    const v = column?.get(r);
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number' && typeof v !== 'bigint' && typeof v !== 'string') return undefined;
    if (lo === undefined || compareSeq(v, lo) < 0) lo = v;
    if (hi === undefined || compareSeq(v, hi) > 0) hi = v;
  }
  return lo === undefined ? range : [lo, hi];
}

/**
 * `k >= min AND k <= max` over the integer and string key columns: files whose statistics lie
 * outside every source key are not read, and concurrent appends outside the range do not conflict.
 */
function keyRangePredicate(snap: Snapshot, plan: SourcePlan): Expr | undefined {
  const parts: string[] = [];
  plan.ranges.forEach((range, i) => {
    if (!range) return;
    const [lo, hi] = range;
    const column = plan.keys[i];
    const field = column === undefined ? undefined : findField(snap.schema, column);
    if (!field || column === undefined) return;
    const literal = (v: unknown): string | undefined =>
      typeof v === 'string' ? (v.includes("'") ? undefined : `'${v}'`) : String(v);
    const a = literal(lo);
    const b = literal(hi);
    if (a === undefined || b === undefined) return;
    parts.push(`${quoteIfNeeded(field.name)} >= ${a} AND ${quoteIfNeeded(field.name)} <= ${b}`);
  });
  return parts.length === 0 ? undefined : parsePredicate(parts.join(' AND '), snap.schema);
}

function columnIndex(schema: StructType, name: string): number {
  const i = schema.fields.findIndex((f) => f.name === name);
  if (i < 0)
    throw new DeltaError('InvalidArgument', `MERGE key column ${name} is not in the table schema`, {
      context: { field: name },
    });
  return i;
}

async function collectBatches(source: DataInput): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const batch of toBatches(source)) out.push(batch);
  return out;
}
