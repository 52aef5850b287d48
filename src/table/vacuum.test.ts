import { describe, expect, it } from 'vitest';
import { writeCheckpoint } from '../log/checkpoint-write.js';
import { addAction, metadataAction, protocolAction, removeAction, writeCommit } from '../log/testing.js';
import { MemoryStorage } from '../storage/memory.js';
import { isHidden, vacuum } from './vacuum.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 5, 1);
const DV = {
  storageType: 'u',
  pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^',
  offset: 1,
  sizeInBytes: 10,
  cardinality: 1,
};
const DV_KEY = 'ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin';

async function file(s: MemoryStorage, key: string, ageDays: number): Promise<void> {
  await s.put(key, new Uint8Array(10));
  s.setLastModified(key, NOW - ageDays * DAY);
}

/**
 * A table whose files are all 30 days old: two live (one with a DV, one with a space in its
 * partition directory), one removed yesterday, one removed 20 days ago, one never committed,
 * change data, hidden files, and a fresh uncommitted file.
 */
async function table(protocol = protocolAction()): Promise<MemoryStorage> {
  const s = new MemoryStorage('vacuum');
  const meta = metadataAction({ partitionColumns: ['_p'] });
  await writeCommit(s, 0, [protocol, meta]);
  await writeCommit(s, 1, [
    addAction('_p=a%20b/live.parquet', { partitionValues: { _p: 'a b' } }),
    addAction('dv.parquet', { deletionVector: DV }),
    addAction('recent.parquet'),
    addAction('old.parquet'),
  ]);
  await writeCommit(s, 2, [
    removeAction('recent.parquet', { deletionTimestamp: NOW - DAY }),
    removeAction('old.parquet', { deletionTimestamp: NOW - 20 * DAY }),
  ]);
  for (const key of [
    '_p=a b/live.parquet',
    'dv.parquet',
    DV_KEY,
    'recent.parquet',
    'old.parquet',
    'orphan.parquet',
    'ab/deletion_vector_00000000-0000-0000-0000-000000000000.bin',
    '_change_data/cdc-1.parquet',
    '_SUCCESS',
    'x/.part.crc',
    '_other/file.parquet',
  ])
    await file(s, key, 30);
  await file(s, 'fresh-uncommitted.parquet', 0);
  return s;
}

describe('vacuum', () => {
  it('deletes unreferenced, old, non-hidden files only; dry run lists the same without deleting', async () => {
    const s = await table();
    const expected = [
      '_change_data/cdc-1.parquet',
      'ab/deletion_vector_00000000-0000-0000-0000-000000000000.bin',
      'old.parquet',
      'orphan.parquet',
    ];
    const dry = await vacuum(s, { now: NOW, dryRun: true });
    expect(dry.files).toEqual(expected);
    expect(dry).toMatchObject({ dryRun: true, version: 2, retentionMs: 7 * DAY, bytes: 40 });
    expect(await s.head('old.parquet')).toBeDefined();
    const progress: Array<[number, number]> = [];
    const real = await vacuum(s, { now: NOW, onProgress: (d, t) => progress.push([d, t]), concurrency: 2 });
    expect(real.files).toEqual(expected);
    for (const key of expected) expect(await s.head(key)).toBeUndefined();
    for (const key of [
      '_p=a b/live.parquet',
      'dv.parquet',
      DV_KEY,
      'recent.parquet',
      '_SUCCESS',
      'x/.part.crc',
    ])
      expect(await s.head(key), key).toBeDefined();
    expect(await s.head('_other/file.parquet')).toBeDefined();
    expect(await s.head('fresh-uncommitted.parquet')).toBeDefined();
    expect(progress[0]).toEqual([0, 4]);
    expect(progress.at(-1)).toEqual([4, 4]);
    expect((await vacuum(s, { now: NOW })).files).toEqual([]);
  });

  it('refuses a short retention unless forced, then also takes recently removed files', async () => {
    const s = await table();
    const err = await vacuum(s, { now: NOW, retentionHours: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'InvalidArgument' });
    expect((err as { help?: string }).help).toMatch(/force/);
    await expect(vacuum(s, { now: NOW, retentionHours: -1, force: true })).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
    const forced = await vacuum(s, { now: NOW, retentionHours: 1, force: true, dryRun: true });
    expect(forced.files).toContain('recent.parquet');
    expect(forced.files).not.toContain('fresh-uncommitted.parquet');
    // A longer retention than the table's needs no force and protects more.
    const longer = await vacuum(s, { now: NOW, retentionHours: 24 * 40, dryRun: true });
    expect(longer.files).toEqual([]);
  });

  it('protects tombstones read from a checkpoint the same way', async () => {
    const s = await table();
    await writeCheckpoint(s, 2, { now: NOW });
    await s.delete('_delta_log/00000000000000000001.json');
    await s.delete('_delta_log/00000000000000000000.json');
    const dry = await vacuum(s, { now: NOW, dryRun: true });
    expect(dry.files).not.toContain('recent.parquet');
    expect(dry.files).toContain('old.parquet');
  });

  it('checks the writer protocol first (vacuumProtocolCheck)', async () => {
    const s = await table(
      protocolAction({
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['vacuumProtocolCheck'],
        writerFeatures: ['vacuumProtocolCheck', 'someFutureWriterFeature'],
      }),
    );
    await expect(vacuum(s, { now: NOW, dryRun: true })).rejects.toMatchObject({ code: 'UnsupportedFeature' });
  });
});

describe('isHidden', () => {
  it('skips _ and . segments except _change_data and partition directories', () => {
    expect(isHidden('_delta_log/00000000000000000000.json')).toBe(true);
    expect(isHidden('_SUCCESS')).toBe(true);
    expect(isHidden('a/.x.crc')).toBe(true);
    expect(isHidden('.hidden/a.parquet')).toBe(true);
    expect(isHidden('_change_data/x.parquet')).toBe(false);
    expect(isHidden('_change_data')).toBe(true);
    expect(isHidden('a/_change_data/x.parquet')).toBe(true);
    expect(isHidden('_p=1/x.parquet', ['_p='])).toBe(false);
    expect(isHidden('_p=1', ['_p='])).toBe(true);
    expect(isHidden('p=1/part-0.parquet')).toBe(false);
  });
});
