import {
  type Data,
  type RecordBatch,
  makeData,
  makeVector,
  Field,
  Int64,
  RecordBatch as ArrowRecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { DeltaError } from '../errors.js';
import { toCanonicalRows } from '../format/canonical.js';
import { readCommit } from '../log/index.js';
import type {
  Action,
  Add,
  AddCDCFile,
  DeletionVectorDescriptor,
  Metadata,
  Remove,
} from '../protocol/actions.js';
import { deletionVectorUniqueId, type DeletionVector } from '../protocol/dv/dv.js';
import type { StructField, StructType } from '../protocol/schema.js';
import { readDataFile, type DeletedRows } from '../scan/file-reader.js';
import type { ScanSource } from './scan.js';
import type { Snapshot } from './snapshot.js';

/** Options of {@link DeltaTable.changes}. */
export interface ChangesOptions {
  /** First version whose changes are returned (inclusive). */
  readonly from: number;
  /** Last version (inclusive); default the latest. */
  readonly to?: number;
}

/** The change-type values of PROTOCOL.md "Change Data Files". */
export type ChangeType = 'insert' | 'delete' | 'update_preimage' | 'update_postimage';

const CHANGE_COLUMNS: readonly StructField[] = [
  { name: '_change_type', type: { type: 'string' }, nullable: false, metadata: {} },
  { name: '_commit_version', type: { type: 'long' }, nullable: false, metadata: {} },
  { name: '_commit_timestamp', type: { type: 'timestamp' }, nullable: false, metadata: {} },
];

/**
 * The change data feed of a version range: every inserted, deleted and updated row, tagged with
 * `_change_type`, `_commit_version` and `_commit_timestamp`.
 *
 * Versions that carry `cdc` actions are read from their change-data files, as the protocol
 * requires; other versions are derived from their data-changing `add`/`remove` actions, with
 * deletion vectors turned into row-level deletes. Every version in the range must have
 * `delta.enableChangeDataFeed` on, because otherwise updates would be silently reported as
 * deletes and inserts (or missed).
 */
export class ChangeScan {
  constructor(
    private readonly source: ScanSource,
    private readonly options: ChangesOptions,
  ) {}

  /** The output schema: the table schema at `to` plus the three change columns. */
  async schema(): Promise<StructType> {
    const end = await this.endSnapshot();
    return withChangeColumns(end.schema);
  }

  /** Streams the changes as Arrow batches in version order. */
  async *batches(): AsyncIterable<RecordBatch> {
    const { from } = this.options;
    const end = await this.endSnapshot();
    if (!Number.isInteger(from) || from < 0 || from > end.version) {
      throw new DeltaError(
        'VersionNotFound',
        `change data feed start version ${from} is outside 0..${end.version}`,
        {
          context: { version: from },
        },
      );
    }
    const start = await this.source.snapshotFor({ version: from });
    let metadata: Metadata = start.metadata;
    const schema = end.schema;
    for (let version = from; version <= end.version; version++) {
      const commit = await readCommit(this.source.storage, version);
      metadata =
        commit.actions.find((a: Action) => a.metaData)?.metaData ??
        (version === from ? start.metadata : metadata);
      if (metadata.configuration['delta.enableChangeDataFeed'] !== 'true') {
        throw new DeltaError('InvalidArgument', `change data feed is not enabled at version ${version}`, {
          help: 'set the table property delta.enableChangeDataFeed=true before the versions you read changes of',
          context: { version },
        });
      }
      const commitInfo = { version, timestamp: commit.timestamp };
      yield* this.versionBatches(commit.actions, schema, end, commitInfo);
    }
  }

  /** Streams the changes in the canonical JSON row form. */
  async *rows(): AsyncIterable<Record<string, unknown>> {
    const schema = await this.schema();
    for await (const batch of this.batches()) yield* toCanonicalRows(batch, schema);
  }

  private endSnapshot(): Promise<Snapshot> {
    return this.source.snapshotFor(this.options.to === undefined ? {} : { version: this.options.to });
  }

  private async *versionBatches(
    actions: readonly Action[],
    schema: StructType,
    snap: Snapshot,
    commit: { version: number; timestamp: number },
  ): AsyncIterable<RecordBatch> {
    const cdcFiles = actions.flatMap((a) => (a.cdc ? [a.cdc] : []));
    if (cdcFiles.length > 0) {
      for (const cdc of cdcFiles) yield* this.readCdcFile(cdc, schema, snap, commit);
      return;
    }
    const adds = actions.flatMap((a) => (a.add && a.add.dataChange ? [a.add] : []));
    const removes = actions.flatMap((a) => (a.remove && a.remove.dataChange ? [a.remove] : []));
    const removedByPath = new Map<string, Remove>(removes.map((r) => [r.path, r]));
    const pairedPaths = new Set<string>();
    for (const add of adds) {
      const removed = removedByPath.get(add.path);
      if (removed && sameDv(removed.deletionVector, add.deletionVector)) continue;
      if (removed) {
        // The same file re-added with a new deletion vector: rows newly deleted become deletes,
        // rows no longer deleted (a restore) become inserts.
        pairedPaths.add(add.path);
        const oldDv = await this.loadDv(removed.deletionVector);
        const newDv = await this.loadDv(add.deletionVector);
        yield* this.readRows(
          add,
          schema,
          snap,
          commit,
          'delete',
          keepOnly((i) => has(newDv, i) && !has(oldDv, i)),
        );
        yield* this.readRows(
          add,
          schema,
          snap,
          commit,
          'insert',
          keepOnly((i) => has(oldDv, i) && !has(newDv, i)),
        );
        continue;
      }
      const dv = await this.loadDv(add.deletionVector);
      yield* this.readRows(add, schema, snap, commit, 'insert', dv);
    }
    for (const remove of removes) {
      if (pairedPaths.has(remove.path) || adds.some((a) => a.path === remove.path)) continue;
      const dv = await this.loadDv(remove.deletionVector);
      yield* this.readRows(remove, schema, snap, commit, 'delete', dv);
    }
  }

  private loadDv(dv: DeletionVectorDescriptor | null | undefined): Promise<DeletionVector | undefined> {
    return this.source.loadDv(dv);
  }

  private async *readCdcFile(
    cdc: AddCDCFile,
    schema: StructType,
    snap: Snapshot,
    commit: { version: number; timestamp: number },
  ): AsyncIterable<RecordBatch> {
    const fileSchema: StructType = { type: 'struct', fields: [...schema.fields, firstChangeColumn()] };
    const bytes = await this.fetch(cdc.path);
    const plan = {
      schema: fileSchema,
      partitionColumns: snap.partitionColumns,
      columnMappingMode: snap.columnMappingMode,
      partitionTimeZone: snap.partitionTimeZone,
    };
    for await (const batch of readDataFile(
      bytes,
      { path: cdc.path, partitionValues: cdc.partitionValues },
      plan,
    )) {
      yield appendCommitColumns(batch, commit);
    }
  }

  private async *readRows(
    file: Add | Remove,
    schema: StructType,
    snap: Snapshot,
    commit: { version: number; timestamp: number },
    changeType: ChangeType,
    deletedRows: DeletedRows | undefined,
  ): AsyncIterable<RecordBatch> {
    const bytes = await this.fetch(file.path);
    const plan = {
      schema,
      partitionColumns: snap.partitionColumns,
      columnMappingMode: snap.columnMappingMode,
      partitionTimeZone: snap.partitionTimeZone,
    };
    const info = {
      path: file.path,
      partitionValues: file.partitionValues ?? {},
      ...(deletedRows ? { deletedRows } : {}),
    };
    for await (const batch of readDataFile(bytes, info, plan)) {
      if (batch.numRows === 0) continue;
      const typed = appendColumn(
        batch,
        CHANGE_COLUMNS[0],
        vectorFromArray(new Array<string>(batch.numRows).fill(changeType), new Utf8()),
      );
      yield appendCommitColumns(typed, commit);
    }
  }

  private fetch(path: string): Promise<Uint8Array> {
    return this.source.fetchFile(path);
  }
}

/** The table schema with `_change_type`, `_commit_version` and `_commit_timestamp` appended. */
export function withChangeColumns(schema: StructType): StructType {
  return { type: 'struct', fields: [...schema.fields, ...CHANGE_COLUMNS] };
}

function firstChangeColumn(): StructField {
  const field = CHANGE_COLUMNS[0];
  if (!field) throw new DeltaError('InvalidArgument', 'change columns are not defined');
  return field;
}

function sameDv(
  a: DeletionVectorDescriptor | null | undefined,
  b: DeletionVectorDescriptor | null | undefined,
): boolean {
  if (!a || !b) return !a && !b;
  return deletionVectorUniqueId(a) === deletionVectorUniqueId(b);
}

function has(dv: DeletionVector | undefined, row: number): boolean {
  return dv !== undefined && dv.has(row);
}

/** A `DeletedRows` that keeps exactly the rows `keep` selects. */
function keepOnly(keep: (row: number) => boolean): DeletedRows {
  return { has: (row) => !keep(row) };
}

function appendCommitColumns(
  batch: RecordBatch,
  commit: { version: number; timestamp: number },
): RecordBatch {
  const n = batch.numRows;
  const versions = makeVector(new BigInt64Array(n).fill(BigInt(commit.version)));
  const micros = BigInt(Math.trunc(commit.timestamp)) * 1000n;
  const times = makeVector(
    makeData({
      type: new TimestampMicrosecond('UTC'),
      length: n,
      nullCount: 0,
      data: new BigInt64Array(n).fill(micros),
    }),
  );
  const [, versionField, timeField] = CHANGE_COLUMNS;
  if (!versionField || !timeField) throw new DeltaError('InvalidArgument', 'change columns are not defined');
  return appendColumn(appendColumn(batch, versionField, versions as Vector<Int64>), timeField, times);
}

function appendColumn(batch: RecordBatch, field: StructField | undefined, vector: Vector): RecordBatch {
  const child = vector.data[0];
  if (!field || !child || vector.data.length !== 1)
    throw new DeltaError('InvalidArgument', 'change column is not defined');
  const fields: Field[] = [...batch.schema.fields, new Field(field.name, vector.type, field.nullable)];
  const children: Data[] = [...batch.data.children, child];
  const data = makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children });
  return new ArrowRecordBatch(new Schema(fields, batch.schema.metadata), data);
}
