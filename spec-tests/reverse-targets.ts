/**
 * Tables delta-ts did not create, for the reverse interop spec: made by delta-rs
 * (`write_deltalake`) or Spark through the reference server, or copied from the fixtures. Each
 * names a key column (long, integer or string) that the generic delete and merge of the spec use.
 */
import { join } from 'node:path';
import { FIXTURES_DIR } from './fixtures.js';
import { copyFixture, tempTable, type RefServer } from './interop.js';

/** A table to write into. */
export interface ReverseTarget {
  /** `delta-rs/…`, `spark/…` or `fixture:<fixture id>`. */
  readonly id: string;
  /** Makes the table in a temporary directory and returns its root. */
  readonly make: (server: RefServer) => Promise<string>;
  /** Key column for the generic delete and merge. */
  readonly key: string;
  /** Compare delta-rs' `load_cdf` over the versions delta-ts wrote. */
  readonly cdf?: boolean;
}

/** A table whose writer features delta-ts refuses: every write must fail with `UnsupportedFeature`. */
export interface RefusedTarget {
  readonly id: string;
  readonly make: (server: RefServer) => Promise<string>;
  /** Why it is refused, for the report. */
  readonly feature: string;
}

const ORDER_COLUMNS = [
  ['id', 'long'],
  ['name', 'string'],
  ['amount', 'decimal(10,2)'],
  ['day', 'date'],
  ['ts', 'timestamp'],
  ['region', 'string'],
];

function orderRows(ids: readonly number[]): Record<string, unknown>[] {
  const regions = ['a b', 'x=y', 'ü/€', '100%', null];
  return ids.map((id, k) => ({
    id,
    name: `n${id}`,
    amount: `${id}.${String(k).padStart(2, '0')}`,
    day: `2024-0${1 + (k % 9)}-1${k % 10}`,
    ts: `2024-05-0${1 + (k % 9)}T10:00:00.123456Z`,
    region: regions[k % regions.length],
  }));
}

async function deltaRs(
  server: RefServer,
  name: string,
  partitionBy: string[] | undefined,
  configuration?: Record<string, string>,
): Promise<string> {
  const root = tempTable(name);
  const base = { op: 'deltars_write', root, columns: ORDER_COLUMNS };
  await server.call({
    ...base,
    rows: orderRows([1, 2, 3, 4, 5, 6]),
    mode: 'overwrite',
    ...(partitionBy ? { partition_by: partitionBy } : {}),
    ...(configuration ? { configuration } : {}),
  });
  await server.call({ ...base, rows: orderRows([7, 8]), mode: 'append' });
  await server.call({ op: 'deltars_delete', root, predicate: 'id = 6' });
  return root;
}

async function spark(server: RefServer, name: string, sql: (table: string) => string[]): Promise<string> {
  const root = tempTable(name);
  await server.sparkSql(...sql(`delta.\`${root}\``));
  return root;
}

const VALUES = "(1, 'DE', 1), (2, 'DE', 2), (3, 'FR', 3), (4, 'a b', 4), (5, 'x=y', 5)";

/** Writable targets. */
export const TARGETS: readonly ReverseTarget[] = [
  { id: 'delta-rs/plain', key: 'id', make: (s) => deltaRs(s, 'rs-plain', undefined) },
  { id: 'delta-rs/partitioned', key: 'id', make: (s) => deltaRs(s, 'rs-part', ['region']) },
  {
    id: 'delta-rs/change-feed',
    key: 'name',
    cdf: true,
    make: (s) => deltaRs(s, 'rs-cdf', undefined, { 'delta.enableChangeDataFeed': 'true' }),
  },
  {
    id: 'spark/partitioned',
    key: 'id',
    make: (s) =>
      spark(s, 'spark-part', (t) => [
        `CREATE TABLE ${t} (id BIGINT, country STRING, qty INT) USING delta PARTITIONED BY (country)`,
        `INSERT INTO ${t} VALUES ${VALUES}`,
        `INSERT INTO ${t} VALUES (6, 'ünï', 6), (7, NULL, 7)`,
      ]),
  },
  {
    id: 'spark/deletion-vectors',
    key: 'id',
    make: (s) =>
      spark(s, 'spark-dv', (t) => [
        `CREATE TABLE ${t} (id BIGINT, country STRING, qty INT) USING delta TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')`,
        `INSERT INTO ${t} VALUES ${VALUES}`,
        `DELETE FROM ${t} WHERE id = 2`,
      ]),
  },
  {
    id: 'spark/column-mapping',
    key: 'id',
    make: (s) =>
      spark(s, 'spark-cm', (t) => [
        `CREATE TABLE ${t} (id BIGINT, country STRING, qty INT) USING delta PARTITIONED BY (country) TBLPROPERTIES ('delta.columnMapping.mode' = 'name')`,
        `INSERT INTO ${t} VALUES ${VALUES}`,
        `ALTER TABLE ${t} RENAME COLUMN qty TO quantity`,
        `ALTER TABLE ${t} ADD COLUMNS (note STRING)`,
        `INSERT INTO ${t} VALUES (6, 'FR', 6, 'after rename')`,
      ]),
  },
  {
    id: 'spark/change-feed-checkpoint',
    key: 'id',
    cdf: true,
    make: (s) =>
      spark(s, 'spark-cdf', (t) => [
        `CREATE TABLE ${t} (id BIGINT, country STRING, qty INT) USING delta TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true', 'delta.checkpointInterval' = '2')`,
        `INSERT INTO ${t} VALUES ${VALUES}`,
        `INSERT INTO ${t} VALUES (6, 'FR', 6)`,
        `UPDATE ${t} SET qty = 30 WHERE id = 3`,
      ]),
  },
  ...(
    [
      ['delta-rs/simple_table', 'id'],
      ['delta-rs/delta-0.8.0-partitioned', 'value'],
      ['delta-rs/table-with-dv-small', 'value'],
      ['kernel-rs-golden/dv-partitioned-with-checkpoint/delta', 'col1'],
      ['kernel-rs-golden/dv-with-columnmapping/delta', 'col1'],
      ['delta-rs/cdc_ict_table', 'name'],
      ['kernel-rs-data/v2-checkpoints-json-with-sidecars', 'id'],
      ['kernel-rs-golden/data-reader-timestamp_ntz/delta', 'id'],
      ['kernel-rs-data/cdf-column-mapping-name-mode-3-7', 'id'],
      ['delta-golden/table-with-columnmapping-mode-id', 'LongType'],
      ['delta-rs/table_with_partitioning_mapping', 'description'],
      ['kernel-rs-golden/basic-with-vacuum-protocol-check-feature/delta', 'id'],
    ] as const
  ).map(([path, key]): ReverseTarget => ({
    id: `fixture:${path}`,
    key,
    make: () => Promise.resolve(copyFixture(join(FIXTURES_DIR, path), path.replace(/\W+/g, '-'))),
  })),
];

/** Targets every write to which must fail with `UnsupportedFeature`. */
export const REFUSED: readonly RefusedTarget[] = [
  {
    id: 'spark/generated-column',
    feature: 'generatedColumns (a column with a generation expression)',
    make: (s) =>
      spark(s, 'spark-gen', (t) => [
        `CREATE TABLE ${t} (id BIGINT, qty INT, twice INT GENERATED ALWAYS AS (qty * 2)) USING delta`,
        `INSERT INTO ${t} (id, qty) VALUES (1, 1), (2, 2)`,
      ]),
  },
  {
    id: 'spark/identity-column',
    feature: 'identityColumns (a column with delta.identity.*)',
    make: (s) =>
      spark(s, 'spark-ident', (t) => [
        `CREATE TABLE ${t} (id BIGINT GENERATED ALWAYS AS IDENTITY, qty INT) USING delta`,
        `INSERT INTO ${t} (qty) VALUES (1), (2)`,
      ]),
  },
  ...(
    [
      ['delta-rs/checkpoint-v2-table', 'identityColumns'],
      ['delta-kernel/catalog-owned-preview', 'catalogManaged'],
      ['delta-rs/spark-variant-stable-feature-checkpoint', 'variantType'],
      ['kernel-rs-data/unshredded-variant', 'variantType-preview'],
    ] as const
  ).map(([path, feature]): RefusedTarget => ({
    id: `fixture:${path}`,
    feature,
    make: () => Promise.resolve(copyFixture(join(FIXTURES_DIR, path), path.replace(/\W+/g, '-'))),
  })),
];
