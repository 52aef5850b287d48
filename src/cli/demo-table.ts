import {
  Float64,
  Int64,
  makeData,
  makeVector,
  Table,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import type { Action, Add } from '../protocol/actions.js';
import { encodeInlineDescriptor } from '../protocol/dv/dv.js';
import { writeParquetBytes } from '../parquet/write.js';
import type { Storage } from '../storage/storage.js';

/**
 * Builds the small `orders` table the demo reads: three commits written the way a Delta writer
 * lays them out (Parquet data files, a deletion vector, change data feed on), through nothing but
 * the `Storage` contract. The table is real Delta: `delta-ts` reads it exactly as it reads tables
 * written by Spark or delta-rs. A full writer arrives with the writer issue; until then this is the
 * demo's own data set.
 */

interface Order {
  readonly orderId: bigint;
  readonly customer: string;
  readonly amount: number;
  readonly at: string;
}

const SCHEMA = {
  type: 'struct',
  fields: [
    { name: 'order_id', type: 'long', nullable: false, metadata: {} },
    { name: 'customer', type: 'string', nullable: true, metadata: {} },
    { name: 'amount', type: 'double', nullable: true, metadata: {} },
    { name: 'ordered_at', type: 'timestamp', nullable: true, metadata: {} },
    { name: 'country', type: 'string', nullable: true, metadata: {} },
  ],
};

const ORDERS: Record<string, Order[]> = {
  DE: [
    { orderId: 1n, customer: 'anna', amount: 42.5, at: '2026-11-20T09:15:00Z' },
    { orderId: 2n, customer: 'ben', amount: 120, at: '2026-11-20T09:17:30Z' },
    { orderId: 3n, customer: 'carla', amount: 18.99, at: '2026-11-20T10:02:00Z' },
  ],
  US: [
    { orderId: 4n, customer: 'dave', amount: 310, at: '2026-11-20T14:40:00Z' },
    { orderId: 5n, customer: 'erin', amount: 75.25, at: '2026-11-20T15:05:10Z' },
  ],
  FR: [{ orderId: 6n, customer: 'fleur', amount: 64, at: '2026-11-21T08:00:00Z' }],
};

/** Commit times of the three versions, so `--timestamp` time travel has something to find. */
export const DEMO_COMMIT_TIMES = ['2026-11-20T12:00:00Z', '2026-11-21T12:00:00Z', '2026-11-22T12:00:00Z'].map(
  Date.parse,
);

/** Writes the demo table into `storage` (which must be empty) and returns its latest version. */
export async function writeDemoTable(storage: Storage): Promise<number> {
  const de = await putDataFile(storage, 'DE', ORDERS.DE ?? []);
  const us = await putDataFile(storage, 'US', ORDERS.US ?? []);
  const fr = await putDataFile(storage, 'FR', ORDERS.FR ?? []);
  const v0: Action[] = [
    {
      commitInfo: {
        timestamp: DEMO_COMMIT_TIMES[0],
        operation: 'CREATE TABLE AS SELECT',
        inCommitTimestamp: DEMO_COMMIT_TIMES[0],
      },
    },
    {
      protocol: {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['deletionVectors'],
        writerFeatures: ['deletionVectors', 'changeDataFeed', 'inCommitTimestamp'],
      },
    },
    {
      metaData: {
        id: '00000000-0000-4000-8000-0000000000d5',
        name: 'orders',
        format: { provider: 'parquet', options: {} },
        schemaString: JSON.stringify(SCHEMA),
        partitionColumns: ['country'],
        createdTime: DEMO_COMMIT_TIMES[0],
        configuration: {
          'delta.enableChangeDataFeed': 'true',
          'delta.enableDeletionVectors': 'true',
          'delta.enableInCommitTimestamps': 'true',
        },
      },
    },
    { add: de },
    { add: us },
  ];
  const v1: Action[] = [
    {
      commitInfo: {
        timestamp: DEMO_COMMIT_TIMES[1],
        operation: 'WRITE',
        inCommitTimestamp: DEMO_COMMIT_TIMES[1],
      },
    },
    { add: fr },
  ];
  // Order 2 is cancelled: a deletion vector marks row 1 of the DE file instead of rewriting it.
  const v2: Action[] = [
    {
      commitInfo: {
        timestamp: DEMO_COMMIT_TIMES[2],
        operation: 'DELETE',
        inCommitTimestamp: DEMO_COMMIT_TIMES[2],
        operationParameters: { predicate: 'order_id = 2' },
      },
    },
    {
      remove: {
        path: de.path,
        deletionTimestamp: DEMO_COMMIT_TIMES[2],
        dataChange: true,
        partitionValues: de.partitionValues,
        size: de.size,
      },
    },
    { add: { ...de, deletionVector: encodeInlineDescriptor([1]) } },
  ];
  const commits = [v0, v1, v2];
  for (const [version, actions] of commits.entries()) {
    const body = actions.map((a) => JSON.stringify(a)).join('\n') + '\n';
    await storage.put(
      `_delta_log/${String(version).padStart(20, '0')}.json`,
      new TextEncoder().encode(body),
      { ifAbsent: true },
    );
  }
  return commits.length - 1;
}

async function putDataFile(storage: Storage, country: string, orders: readonly Order[]): Promise<Add> {
  const n = orders.length;
  const micros = BigInt64Array.from(orders, (o) => BigInt(Date.parse(o.at)) * 1000n);
  const table = new Table({
    order_id: makeVector(
      makeData({
        type: new Int64(),
        length: n,
        nullCount: 0,
        data: BigInt64Array.from(orders, (o) => o.orderId),
      }),
    ),
    customer: vectorFromArray(
      orders.map((o) => o.customer),
      new Utf8(),
    ),
    amount: vectorFromArray(
      orders.map((o) => o.amount),
      new Float64(),
    ),
    ordered_at: makeVector(
      makeData({ type: new TimestampMicrosecond('UTC'), length: n, nullCount: 0, data: micros }),
    ),
  });
  const bytes = writeParquetBytes(table);
  const path = `country=${country}/part-00000-demo-${country.toLowerCase()}.snappy.parquet`;
  await storage.put(path, bytes, { ifAbsent: true });
  const amounts = orders.map((o) => o.amount);
  const stats = {
    numRecords: n,
    minValues: { order_id: Number(orders[0]?.orderId ?? 0n), amount: Math.min(...amounts) },
    maxValues: { order_id: Number(orders[n - 1]?.orderId ?? 0n), amount: Math.max(...amounts) },
    nullCount: { order_id: 0, customer: 0, amount: 0, ordered_at: 0 },
  };
  return {
    path,
    partitionValues: { country },
    size: bytes.length,
    modificationTime: DEMO_COMMIT_TIMES[0] ?? 0,
    dataChange: true,
    stats: JSON.stringify(stats),
  };
}
