/**
 * The write scenarios of the interop spec: each builds one table with delta-ts' write operations,
 * one commit per step, so every version of it is something delta-ts wrote. The spec then has the
 * reference engines read every version and compares with delta-ts' reading.
 */
import { tableFromArrays, type Table } from 'apache-arrow';
import {
  deleteRows,
  mergeRows,
  optimizeTable,
  restoreTable,
  updateRows,
  writeTable,
  type OperationResult,
  type StructType,
} from '../src/index.js';
import { batchOf } from '../src/write/columns.js';
import { ALL_TYPES, allTypesRows } from '../src/write/test-data.js';

/** One scenario: a name, the steps that build the table, and whether it has a change feed. */
export interface WriteScenario {
  readonly name: string;
  /** What the scenario covers, for the report. */
  readonly covers: string;
  readonly build: (root: string) => Promise<void>;
  /** Rows at the latest version, worked out by hand from the steps (a vacuous empty table fails). */
  readonly rows: number;
  /** Versions whose change feed (`from..latest`) is compared with delta-rs' `load_cdf`. */
  readonly cdfFrom?: number;
}

/** An orders batch: `id` long, `country` string, `qty` integer. */
export function orders(ids: readonly number[], country: string, qty = 1): Table {
  return tableFromArrays({
    id: BigInt64Array.from(ids.map(BigInt)),
    country: ids.map(() => country),
    qty: Int32Array.from(ids.map(() => qty)),
  });
}

/** A Debezium-like change batch over `orders`: op (`c`/`u`/`d`) and lsn ordering changes of a key. */
export function changeBatch(
  events: readonly { id: number; country: string; qty: number; op: 'c' | 'u' | 'd'; lsn: number }[],
): Table {
  return tableFromArrays({
    id: BigInt64Array.from(events.map((e) => BigInt(e.id))),
    country: events.map((e) => e.country),
    qty: Int32Array.from(events.map((e) => e.qty)),
    op: events.map((e) => e.op),
    lsn: BigInt64Array.from(events.map((e) => BigInt(e.lsn))),
  });
}

/** Options of a CDC merge of {@link changeBatch} data. */
export const CDC_MERGE = {
  on: ['id'],
  sequenceBy: 'lsn',
  deleteWhen: "op = 'd'",
  sourceOnlyColumns: ['op', 'lsn'],
} as const;

/** Fails unless the operation committed a new version. */
export function committed(result: OperationResult): OperationResult {
  if (result.status !== 'committed') throw new Error(`expected a commit, got ${JSON.stringify(result)}`);
  return result;
}

const ALL_TYPES_UNPARTITIONED: StructType = {
  type: 'struct',
  fields: ALL_TYPES.fields.map((f) => (f.name === 'id' ? f : { ...f, nullable: true })),
};

/** Typed partition columns: date, timestamp, decimal, boolean, integer (everything but binary). */
const TYPED_PARTITIONS = ['dt', 'ts', 'dec', 'bo', 'q'];

async function dml(root: string, properties: Record<string, string>): Promise<void> {
  committed(await writeTable(root, orders([1, 2, 3, 4, 5, 6], 'DE'), { properties }));
  committed(await writeTable(root, orders([7, 8, 9], 'FR', 2)));
  committed(await deleteRows(root, { where: 'id = 2 or id = 8' }));
  committed(await updateRows(root, { where: 'id >= 5', set: { qty: 9 } }));
  committed(
    await mergeRows(
      root,
      changeBatch([
        { id: 3, country: 'DE', qty: 30, op: 'u', lsn: 10 },
        { id: 3, country: 'DE', qty: 31, op: 'u', lsn: 11 },
        { id: 4, country: 'DE', qty: 0, op: 'd', lsn: 12 },
        { id: 10, country: 'IT', qty: 100, op: 'c', lsn: 13 },
        { id: 11, country: 'IT', qty: 110, op: 'c', lsn: 15 },
        { id: 11, country: 'IT', qty: 0, op: 'd', lsn: 14 },
        { id: 12, country: 'IT', qty: 0, op: 'd', lsn: 16 },
      ]),
      CDC_MERGE,
    ),
  );
}

/** Every scenario of the writer interop spec. */
export const SCENARIOS: readonly WriteScenario[] = [
  {
    name: 'create-all-types',
    rows: 14,
    covers:
      'create with every Delta type (decimal, date, timestamp, timestamp_ntz, binary, struct, array, map…), then append',
    build: async (root) => {
      committed(
        await writeTable(root, [batchOf(ALL_TYPES_UNPARTITIONED, allTypesRows())], {
          schema: ALL_TYPES_UNPARTITIONED,
        }),
      );
      committed(await writeTable(root, [batchOf(ALL_TYPES_UNPARTITIONED, allTypesRows().slice(2))]));
    },
  },
  {
    name: 'partitioned-special-characters',
    rows: 9,
    covers:
      "partitioned by string and integer columns, values with space, %, =, /, non-ASCII, ':', '#', null, '%2F'",
    build: async (root) => {
      committed(
        await writeTable(root, [batchOf(ALL_TYPES, allTypesRows())], {
          schema: ALL_TYPES,
          partitionBy: ['p', 'q'],
        }),
      );
      committed(await writeTable(root, [batchOf(ALL_TYPES, allTypesRows().slice(0, 3))]));
      committed(await deleteRows(root, { where: "p = 'a b'" }));
    },
  },
  {
    name: 'partitioned-typed-values',
    rows: 8,
    covers: 'partitioned by date, timestamp, decimal, boolean and integer columns',
    build: async (root) => {
      committed(
        await writeTable(root, [batchOf(ALL_TYPES, allTypesRows())], {
          schema: ALL_TYPES,
          partitionBy: TYPED_PARTITIONS,
        }),
      );
    },
  },
  ...(['name', 'id'] as const).map((mode): WriteScenario => ({
    name: `column-mapping-${mode}`,
    rows: 9,
    covers: `column mapping mode ${mode}: create, append, mergeSchema, delete, update, merge`,
    build: async (root) => {
      committed(
        await writeTable(root, [batchOf(ALL_TYPES, allTypesRows())], {
          schema: ALL_TYPES,
          partitionBy: ['p'],
          properties: { 'delta.columnMapping.mode': mode },
        }),
      );
      const extra = tableFromArrays({
        id: BigInt64Array.from([100n, 101n]),
        p: ['x', 'a b'],
        note: ['n1', 'n2'],
      });
      committed(await writeTable(root, extra, { mergeSchema: true }));
      committed(await deleteRows(root, { where: 'i = 14' }));
      committed(await updateRows(root, { where: 'id = 100', set: { s: 'updated', note: 'u' } }));
      committed(await optimizeTable(root));
    },
  })),
  {
    name: 'append-mergeSchema-overwrite',
    rows: 2,
    covers: 'append, append with mergeSchema (new column), full overwrite, overwrite with overwriteSchema',
    build: async (root) => {
      committed(await writeTable(root, orders([1, 2], 'DE')));
      committed(await writeTable(root, orders([3], 'FR')));
      const wider = tableFromArrays({
        id: BigInt64Array.from([4n]),
        country: ['US'],
        qty: Int32Array.from([4]),
        note: ['new column'],
      });
      committed(await writeTable(root, wider, { mergeSchema: true }));
      committed(await writeTable(root, orders([5, 6], 'IT'), { mode: 'overwrite' }));
      const other = tableFromArrays({ k: ['a', 'b'], v: Float64Array.from([0.5, -1]) });
      committed(
        await writeTable(root, other, { mode: 'overwrite', overwriteSchema: true, partitionBy: ['k'] }),
      );
    },
  },
  {
    name: 'replaceWhere-partition',
    rows: 4,
    covers: 'overwrite with a predicate on the partition column',
    build: async (root) => {
      committed(await writeTable(root, orders([1, 2], 'DE'), { partitionBy: ['country'] }));
      committed(await writeTable(root, orders([3, 4], 'FR')));
      committed(
        await writeTable(root, orders([10, 11], 'DE', 5), { mode: 'overwrite', where: "country = 'DE'" }),
      );
    },
  },
  {
    name: 'replaceWhere-data',
    rows: 5,
    covers: 'overwrite with a predicate on a data column',
    build: async (root) => {
      committed(await writeTable(root, orders([1, 2, 20, 21], 'DE')));
      committed(await writeTable(root, orders([22, 3], 'FR')));
      committed(await writeTable(root, orders([25, 26], 'US'), { mode: 'overwrite', where: 'id >= 20' }));
    },
  },
  {
    name: 'dml-copy-on-write-cdf',
    rows: 8,
    covers: 'delete, update and CDC merge rewriting files, change data feed on',
    build: (root) => dml(root, { 'delta.enableChangeDataFeed': 'true' }),
    cdfFrom: 1,
  },
  {
    name: 'dml-deletion-vectors-cdf',
    rows: 8,
    covers: 'delete, update and CDC merge with deletion vectors, change data feed on',
    build: (root) =>
      dml(root, { 'delta.enableChangeDataFeed': 'true', 'delta.enableDeletionVectors': 'true' }),
    cdfFrom: 1,
  },
  {
    name: 'dml-partitioned-deletion-vectors',
    rows: 2,
    covers: 'delete, update and merge with deletion vectors on a partitioned table, no change feed',
    build: async (root) => {
      committed(
        await writeTable(root, orders([1, 2, 3, 4], 'DE'), {
          partitionBy: ['country'],
          properties: { 'delta.enableDeletionVectors': 'true' },
        }),
      );
      committed(await writeTable(root, orders([5, 6], 'FR')));
      committed(await deleteRows(root, { where: 'id = 1' }));
      committed(await deleteRows(root, { where: 'id = 3' }));
      committed(await updateRows(root, { where: "country = 'FR'", set: { qty: 7 } }));
      committed(await deleteRows(root, { where: "country = 'FR'" }));
    },
  },
  {
    name: 'restore-optimize',
    rows: 3,
    covers: 'restore to an earlier version (after a delete), then optimize',
    build: async (root) => {
      committed(await writeTable(root, orders([1], 'DE'), { partitionBy: ['country'] }));
      for (const id of [2, 3, 4]) committed(await writeTable(root, orders([id], id % 2 === 0 ? 'DE' : 'FR')));
      committed(await deleteRows(root, { where: 'id <= 2' }));
      committed(await restoreTable(root, { version: 2 }));
      committed(await optimizeTable(root));
    },
  },
  {
    name: 'optimize-deletion-vectors',
    rows: 3,
    covers: 'optimize compacting files that carry deletion vectors',
    build: async (root) => {
      committed(
        await writeTable(root, orders([1, 2, 3], 'DE'), {
          properties: { 'delta.enableDeletionVectors': 'true' },
        }),
      );
      committed(await writeTable(root, orders([4, 5], 'DE')));
      committed(await deleteRows(root, { where: 'id = 2 or id = 5' }));
      committed(await optimizeTable(root));
    },
  },
];
