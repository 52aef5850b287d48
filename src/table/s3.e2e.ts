import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage } from '../storage/s3.js';
import { createTestBucket, deleteTestBucket } from '../storage/test-s3.js';
import { main } from '../cli/main.js';
import { DeltaTable } from './table.js';

/**
 * Reads real Delta tables from the stack's S3 API server (moto) through `s3://` URIs and checks
 * that every answer equals the answer for the same table on local disk: the log replay, the
 * deletion vectors, time travel and the change feed must not depend on the backend.
 */

const FIXTURES = process.env.FIXTURES_DIR ?? path.join(import.meta.dirname, '../../../shared/delta-fixtures');

const TABLES = [
  'kernel-rs-golden/dv-partitioned-with-checkpoint/delta',
  'kernel-rs-golden/table-with-columnmapping-mode-name/delta',
  'kernel-rs-data/v2-checkpoints-parquet-with-sidecars',
  'kernel-rs-data/cdf-table-with-dv',
];

async function upload(storage: S3Storage, dir: string, base = ''): Promise<void> {
  for (const entry of await fs.readdir(path.join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await upload(storage, dir, rel);
    else if (entry.isFile()) await storage.put(rel, new Uint8Array(await fs.readFile(path.join(dir, rel))));
  }
}

async function sortedRows(iter: AsyncIterable<Record<string, unknown>>): Promise<string[]> {
  const rows: string[] = [];
  for await (const row of iter) rows.push(JSON.stringify(row));
  return rows.sort();
}

describe('DeltaTable on S3 (moto) equals DeltaTable on local disk', () => {
  let bucket = '';
  const tables = TABLES;
  beforeAll(async () => {
    bucket = await createTestBucket();
    for (const table of tables) await upload(new S3Storage(bucket, table), path.join(FIXTURES, table));
  });
  afterAll(async () => {
    if (bucket) await deleteTestBucket(bucket);
  });

  for (const table of tables) {
    it(`${table}: every version scans to the same rows`, async () => {
      const local = await DeltaTable.open(path.join(FIXTURES, table));
      const remote = await DeltaTable.open(`s3://${bucket}/${table}`);
      const { earliest, latest } = await local.versions();
      expect(await remote.versions()).toEqual({ earliest, latest });
      for (let version = earliest; version <= latest; version++) {
        const want = await sortedRows(local.scan({ version }).rows());
        expect(await sortedRows(remote.scan({ version }).rows())).toEqual(want);
      }
    });
  }

  it('reads the change feed with deletion vectors from S3 like from disk', async () => {
    // Without in-commit timestamps a commit's time is its log file's modification time, which the
    // upload changed: the rows must match except for that, and it must be the S3 object's time.
    const table = 'kernel-rs-data/cdf-table-with-dv';
    const local = await DeltaTable.open(path.join(FIXTURES, table));
    const remote = await DeltaTable.open(`s3://${bucket}/${table}`);
    const { latest } = await local.versions();
    const withoutTime = async (t: DeltaTable): Promise<string[]> => {
      const rows: string[] = [];
      for await (const { _commit_timestamp: _time, ...rest } of t.changes({ from: 0, to: latest }).rows()) {
        rows.push(JSON.stringify(rest));
      }
      return rows.sort();
    };
    const want = await withoutTime(local);
    expect(want.length).toBeGreaterThan(0);
    expect(await withoutTime(remote)).toEqual(want);
    const storage = new S3Storage(bucket, table);
    for await (const row of remote.changes({ from: 0, to: latest }).rows()) {
      const key = `_delta_log/${String(row._commit_version).padStart(20, '0')}.json`;
      const meta = await storage.head(key);
      expect(Date.parse(String(row._commit_timestamp))).toBe(meta?.lastModified);
    }
  });

  it('serves the CLI on s3:// URIs', async () => {
    let out = '';
    const code = await main(['describe', `s3://${bucket}/${tables[0] ?? ''}`, '--json'], {
      stdout: (t) => void (out += t),
      stderr: (t) => void (out += t),
    });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ partitionColumns: expect.any(Array) });
  });

  it('reports a missing table under an existing bucket as TableNotFound', async () => {
    await expect(DeltaTable.open(`s3://${bucket}/no/such/table`)).rejects.toMatchObject({
      code: 'TableNotFound',
    });
  });
});
