import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readParquetBatches } from '../parquet/read.js';
import { parseSchema, type StructType } from '../protocol/schema.js';
import { readDataFile, type FileReadPlan } from './file-reader.js';
import type { ColumnMappingMode } from './column-mapping.js';
import { sortedRows } from './test-rows.js';

/**
 * Golden tests: every data file of a kernel-rs golden table decoded by `readDataFile` must equal,
 * row for row (order-insensitive), the table's `expected/*.parquet` decoded independently. The log
 * reader is not used: schema and files come straight from the commit JSON of single-snapshot
 * tables (no `remove` actions), which is all this module needs to be checked against.
 */

const GOLDEN = join(import.meta.dirname, '../../../shared/delta-fixtures/kernel-rs-golden');

interface FixtureAdd {
  readonly path: string;
  readonly partitionValues: Record<string, string | null>;
}

interface FixtureTable {
  readonly plan: FileReadPlan;
  readonly adds: readonly FixtureAdd[];
}

/** Schema (from the last metaData line) and added files of a table, straight from its commits. */
function loadFixture(tableDir: string): FixtureTable {
  const logDir = join(tableDir, '_delta_log');
  let metadata:
    { schemaString: string; partitionColumns: string[]; configuration?: Record<string, string> } | undefined;
  const adds: FixtureAdd[] = [];
  for (const name of readdirSync(logDir)
    .filter((f) => /^\d{20}\.json$/.test(f))
    .sort()) {
    for (const line of readFileSync(join(logDir, name), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const action = JSON.parse(line) as Record<string, unknown>;
      if (action.remove !== undefined) throw new Error(`${tableDir} has removes; pick a table without`);
      if (action.metaData !== undefined) metadata = action.metaData as typeof metadata;
      if (action.add !== undefined) adds.push(action.add as FixtureAdd);
    }
  }
  if (metadata === undefined) throw new Error(`${tableDir} has no metaData`);
  const schema: StructType = parseSchema(metadata.schemaString);
  const mode = (metadata.configuration?.['delta.columnMapping.mode'] ?? 'none') as ColumnMappingMode;
  return { plan: { schema, partitionColumns: metadata.partitionColumns, columnMappingMode: mode }, adds };
}

async function* readAll(tableDir: string, fixture: FixtureTable, plan: FileReadPlan) {
  for (const add of fixture.adds) {
    const bytes = new Uint8Array(readFileSync(join(tableDir, decodeURIComponent(add.path))));
    yield* readDataFile(bytes, { path: add.path, partitionValues: add.partitionValues }, plan);
  }
}

async function* readExpected(dir: string) {
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.parquet') && !f.startsWith('.'))
    .sort())
    yield* readParquetBatches(new Uint8Array(readFileSync(join(dir, name))), { source: name });
}

const TABLES = [
  'data-reader-primitives',
  'data-reader-array-primitives',
  'data-reader-array-complex-objects',
  'data-reader-map',
  'data-reader-nested-struct',
  'data-reader-partition-values',
  'data-reader-timestamp_ntz',
  'data-reader-timestamp_ntz-id-mode',
  'data-reader-timestamp_ntz-name-mode',
  'decimal-various-scale-precision',
  'parquet-all-types',
  'parquet-all-types-legacy-format',
  'parquet-decimal-dictionaries',
  'parquet-decimal-dictionaries-v2',
  'parquet-decimal-type',
  'kernel-timestamp-int96',
  'kernel-timestamp-pst',
  'kernel-timestamp-timestamp_micros',
  'kernel-timestamp-timestamp_millis',
  'table-with-columnmapping-mode-id',
  'table-with-columnmapping-mode-name',
  'basic-decimal-table',
  'basic-decimal-table-legacy',
  'data-reader-date-types-America',
  'data-reader-date-types-Asia',
  'data-reader-date-types-Etc',
  'data-reader-date-types-Iceland',
  'data-reader-date-types-Jst',
  'data-reader-date-types-Pst',
  'data-reader-date-types-utc',
];

/**
 * Known, explained differences. `data-reader-partition-values` stores the partition timestamp
 * `2021-09-08 11:11:11` without a zone; its expected data was produced by a Spark session in
 * America/Los_Angeles, so it reads 18:11:11Z. PROTOCOL.md says such values are in "the time zone of
 * the system which wrote to the table", which the log does not record; we read them as UTC (as
 * the kernels do), so that column is off by exactly the writer's offset.
 */
const WRITER_ZONE_OFFSET_US: Readonly<Record<string, { column: string; offsetUs: bigint }>> = {
  'data-reader-partition-values': { column: 'as_timestamp', offsetUs: 7n * 3600n * 1_000_000n },
};

function splitColumn(rows: readonly string[], column: string): { rest: string[]; values: unknown[] } {
  const parsed = rows.map((r) => JSON.parse(r) as Record<string, unknown>);
  const values = parsed.map((r) => r[column]);
  for (const r of parsed) delete r[column];
  return { rest: parsed.map((r) => JSON.stringify(r)), values };
}

describe.skipIf(!existsSync(GOLDEN))('readDataFile on kernel-rs golden tables', () => {
  for (const table of TABLES) {
    it(`${table}: all rows equal expected/`, async () => {
      const tableDir = join(GOLDEN, table, 'delta');
      const fixture = loadFixture(tableDir);
      const actual = await sortedRows(readAll(tableDir, fixture, fixture.plan));
      const expected = await sortedRows(readExpected(join(GOLDEN, table, 'expected')));
      expect(actual.length).toBeGreaterThan(0);
      const known = WRITER_ZONE_OFFSET_US[table];
      if (known === undefined) {
        expect(actual).toEqual(expected);
        return;
      }
      const a = splitColumn(actual, known.column);
      const e = splitColumn(expected, known.column);
      expect(a.rest).toEqual(e.rest);
      const micros = (v: unknown) => (v === null ? null : BigInt(String(v).replace(/us.*$/, '')));
      // Rows sort by their other columns identically, so the timestamp lists line up pairwise.
      expect(a.values.map(micros)).toEqual(
        e.values.map((v) => (v === null ? null : (micros(v) ?? 0n) - known.offsetUs)),
      );
    });
  }
});
