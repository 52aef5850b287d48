import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDemoTable } from '../cli/demo-table.js';
import { isDeltaError } from '../errors.js';
import { MemoryStorage } from '../storage/memory.js';
import { DeltaTable, parseTimestamp } from './table.js';

const FIXTURES = join(import.meta.dirname, '../../../shared/delta-fixtures');

async function demo(): Promise<{ storage: MemoryStorage; table: DeltaTable }> {
  const storage = new MemoryStorage();
  await writeDemoTable(storage);
  return { storage, table: await DeltaTable.open(storage) };
}

async function rowsOf(iter: AsyncIterable<Record<string, unknown>>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const row of iter) out.push(row);
  return out;
}

function expectCode(code: string, match?: RegExp) {
  return (err: unknown): boolean =>
    isDeltaError(err) && err.code === code && (match === undefined || match.test(err.message));
}

describe('DeltaTable', () => {
  it('fails to open a location without a Delta log with TableNotFound', async () => {
    await expect(DeltaTable.open(new MemoryStorage('empty'))).rejects.toSatisfy(expectCode('TableNotFound'));
  });

  it('names the missing data file', async () => {
    const { storage, table } = await demo();
    await storage.delete('country=US/part-00000-demo-us.snappy.parquet');
    await expect(rowsOf(table.scan().rows())).rejects.toSatisfy(
      expectCode('FileNotFound', /part-00000-demo-us/),
    );
  });

  it('refuses an add path outside the table root unless allowed', async () => {
    const storage = new MemoryStorage('escape');
    await writeDemoTable(storage);
    const add = {
      path: '../other-table/secret.parquet',
      partitionValues: { country: 'XX' },
      size: 1,
      modificationTime: 0,
      dataChange: true,
    };
    const commitInfo = { timestamp: 1, inCommitTimestamp: Date.parse('2026-11-23T00:00:00Z') };
    const body = `${JSON.stringify({ commitInfo })}\n${JSON.stringify({ add })}\n`;
    await storage.put('_delta_log/00000000000000000003.json', new TextEncoder().encode(body));
    const table = await DeltaTable.open(storage);
    await expect(rowsOf(table.scan().rows())).rejects.toSatisfy(
      expectCode('PathOutsideTable', /other-table/),
    );
  });

  it('projects, filters and limits', async () => {
    const { table } = await demo();
    const rows = await rowsOf(table.scan({ columns: ['customer'], where: 'amount >= 64', limit: 2 }).rows());
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(Object.keys(row)).toEqual(['customer']);
    const all = await rowsOf(table.scan({ columns: ['customer'], where: 'amount >= 64' }).rows());
    expect(all.map((r) => r.customer).sort()).toEqual(['dave', 'erin', 'fleur']);
  });

  it('prunes files by partition values and statistics before reading them', async () => {
    const { table } = await demo();
    expect(
      (await table.scan({ where: "country = 'FR'" }).files()).map((f) => f.add.partitionValues.country),
    ).toEqual(['FR']);
    // order_id statistics are exact longs; the DE file keeps its bounds although a row is deleted.
    expect(
      (await table.scan({ where: 'order_id > 5' }).files()).map((f) => f.add.partitionValues.country),
    ).toEqual(['FR']);
    expect(await table.scan({ where: 'order_id > 1000' }).files()).toEqual([]);
  });

  it('time travels by version and by in-commit timestamp', async () => {
    const { table } = await demo();
    expect((await table.snapshot({ version: 1 })).files).toHaveLength(3);
    expect((await table.snapshot({ timestamp: '2026-11-21 12:00:00' })).version).toBe(1);
    expect((await table.snapshot({ timestamp: '2026-11-22T11:59:59.999Z' })).version).toBe(1);
    expect((await table.snapshot({ timestamp: Date.parse('2030-01-01T00:00:00Z') })).version).toBe(2);
    await expect(table.snapshot({ timestamp: '2020-01-01' })).rejects.toSatisfy(
      expectCode('VersionNotFound'),
    );
    await expect(table.snapshot({ version: 7 })).rejects.toSatisfy(expectCode('VersionNotFound'));
  });

  it('refuses the change feed over versions where it was not enabled', async () => {
    const table = await DeltaTable.open(join(FIXTURES, 'delta-rs/simple_table'));
    await expect(rowsOf(table.changes({ from: 0 }).rows())).rejects.toSatisfy(
      expectCode('InvalidArgument', /not enabled/),
    );
  });

  it('refuses tables that need a reader feature it does not implement, listing it', async () => {
    const table = await DeltaTable.open(
      join(FIXTURES, 'delta-kernel/spark-variant-stable-feature-checkpoint'),
    );
    await expect(table.snapshot()).rejects.toSatisfy(expectCode('UnsupportedFeature', /variantType/));
  });
});

describe('partition time zone', () => {
  it("reads zone-less timestamp partition values in the writer's zone when told", async () => {
    const root = join(FIXTURES, 'kernel-rs-golden/data-reader-partition-values/delta');
    const times = async (options: { partitionTimeZone?: string }): Promise<unknown[]> => {
      const table = await DeltaTable.open(root, options);
      return (await rowsOf(table.scan({ columns: ['as_timestamp'] }).rows()))
        .map((r) => r.as_timestamp)
        .sort();
    };
    // The log stores "2021-09-08 11:11:11"; Spark wrote it in America/Los_Angeles (UTC-7 in September).
    expect(await times({})).toEqual(['2021-09-08T11:11:11.000000Z', '2021-09-08T11:11:11.000000Z', null]);
    expect(await times({ partitionTimeZone: 'America/Los_Angeles' })).toEqual([
      '2021-09-08T18:11:11.000000Z',
      '2021-09-08T18:11:11.000000Z',
      null,
    ]);
    await expect(DeltaTable.open(root, { partitionTimeZone: 'Nowhere/Special' })).rejects.toSatisfy(
      expectCode('InvalidArgument', /unknown time zone/),
    );
  });
});

describe('parseTimestamp', () => {
  it('reads ISO-8601, SQL-style UTC times, dates and epoch milliseconds', () => {
    expect(parseTimestamp('2026-11-20T09:15:00Z')).toBe(Date.UTC(2026, 10, 20, 9, 15));
    expect(parseTimestamp('2026-11-20 09:15:00')).toBe(Date.UTC(2026, 10, 20, 9, 15));
    expect(parseTimestamp('2026-11-20T10:15:00+01:00')).toBe(Date.UTC(2026, 10, 20, 9, 15));
    expect(parseTimestamp('2026-11-20')).toBe(Date.UTC(2026, 10, 20));
    expect(parseTimestamp('1700000000000')).toBe(1700000000000);
    expect(() => parseTimestamp('yesterday')).toThrow(/cannot parse timestamp/);
  });
});
