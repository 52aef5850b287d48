import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStorageContract } from './contract.js';
import { openStorage } from './open.js';
import { S3Storage } from './s3.js';
import { collect } from './storage.js';
import { createTestBucket, deleteTestBucket } from './test-s3.js';

const FIXTURES = process.env.FIXTURES_DIR ?? path.join(import.meta.dirname, '../../../shared/delta-fixtures');

describeStorageContract('S3Storage on moto, bucket root', async () => {
  const bucket = await createTestBucket();
  return { storage: new S3Storage(bucket), cleanup: () => deleteTestBucket(bucket) };
});

describeStorageContract('S3Storage on moto, under a prefix with a space and %', async () => {
  const bucket = await createTestBucket();
  // A sibling of the root that shares its prefix must stay invisible to the store.
  await new S3Storage(bucket, 'tables').put('t 1%2/other', new Uint8Array([1]));
  return { storage: openStorage(`s3://${bucket}/tables/t 1%/`), cleanup: () => deleteTestBucket(bucket) };
});

/** Every file under `dir`, as `/`-separated keys relative to it. */
async function walk(dir: string, base = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

describe('S3Storage reads fixture Delta tables uploaded to moto byte for byte', () => {
  let bucket = '';
  beforeAll(async () => {
    bucket = await createTestBucket();
  });
  afterAll(async () => {
    if (bucket) await deleteTestBucket(bucket);
  });

  for (const table of ['delta-rs/simple_table', 'kernel-rs-data/cdf-table-backtick-column-names']) {
    it(table, async () => {
      const dir = path.join(FIXTURES, table);
      const files = (await walk(dir)).sort();
      expect(files.length).toBeGreaterThan(5);
      const uploader = new S3Storage(bucket);
      // Uploaded with the raw client, so reading back does not only check S3Storage against itself.
      for (const f of files) {
        await uploader.client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `tables/${table}/${f}`,
            Body: await fs.readFile(path.join(dir, f)),
          }),
        );
      }
      // A sibling whose name extends the root's must not show up in the root's listing.
      await uploader.put(`tables/${table}-sibling/x`, new Uint8Array([1]));
      const storage = openStorage(`s3a://${bucket}/tables/${table}`);
      expect(storage.url).toBe(`s3://${bucket}/tables/${table}`);
      const listed = await collect(storage.list(''));
      expect(listed.map((m) => m.key)).toEqual(files);
      for (const meta of listed) {
        const local = new Uint8Array(await fs.readFile(path.join(dir, meta.key)));
        expect(meta.size).toBe(local.byteLength);
        expect(await storage.get(meta.key)).toEqual(local);
        expect((await storage.head(meta.key))?.size).toBe(local.byteLength);
        // The Parquet footer read: the last 8 bytes, and a range running past the end.
        const tail = Math.max(0, local.byteLength - 8);
        expect(await storage.getRange(meta.key, { offset: tail, length: 8 })).toEqual(local.slice(tail));
        expect(await storage.getRange(meta.key, { offset: 3, length: local.byteLength })).toEqual(
          local.slice(3),
        );
      }
      const log = await collect(storage.list('_delta_log/', '_delta_log/00000000000000000000.json'));
      expect(log.map((m) => m.key)).toEqual(
        files.filter((f) => f.startsWith('_delta_log/') && f > '_delta_log/00000000000000000000.json'),
      );
    });
  }

  it('pages through listings longer than one ListObjectsV2 page (1000 keys)', async () => {
    const storage = new S3Storage(bucket, 'many');
    const keys = Array.from({ length: 1203 }, (_, i) => `_delta_log/${String(i).padStart(20, '0')}.json`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((k) => storage.put(k, new TextEncoder().encode(k))));
    }
    expect((await collect(storage.list('_delta_log/'))).map((m) => m.key)).toEqual(keys);
    const from = keys[1100] ?? '';
    expect((await collect(storage.list('_delta_log/', from))).map((m) => m.key)).toEqual(keys.slice(1101));
    // Lazy: taking the first entries does not need the whole listing.
    const first: string[] = [];
    for await (const m of storage.list('_delta_log/')) {
      first.push(m.key);
      if (first.length === 3) break;
    }
    expect(first).toEqual(keys.slice(0, 3));
  });
});
