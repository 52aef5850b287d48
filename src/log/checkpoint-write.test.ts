import { describe, expect, it } from 'vitest';
import type { Action, Remove } from '../protocol/actions.js';
import { MemoryStorage } from '../storage/memory.js';
import { readParquetActions } from './checkpoint.js';
import { writeCheckpoint } from './checkpoint-write.js';
import { LAST_CHECKPOINT_KEY, listLog, versionPrefix } from './listing.js';
import { reconstruct } from './reconstruct.js';
import { loadSnapshot } from './snapshot.js';
import { addAction, metadataAction, protocolAction, removeAction, writeCommit } from './testing.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 5, 1);

const SCHEMA = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'd', type: 'date', nullable: true, metadata: {} },
    { name: 'p', type: 'string', nullable: true, metadata: {} },
  ],
});

function partitioned(configuration: Record<string, string> = {}): Action {
  return metadataAction({ schemaString: SCHEMA, partitionColumns: ['p'], configuration });
}

const V2_PROTOCOL = protocolAction({
  minReaderVersion: 3,
  minWriterVersion: 7,
  readerFeatures: ['v2Checkpoint'],
  writerFeatures: ['v2Checkpoint', 'domainMetadata'],
});

/** A log with live files, a fresh and an expired tombstone, txns and domains (one removed). */
async function table(
  meta: Action = partitioned(),
  protocol: Action = protocolAction(),
): Promise<MemoryStorage> {
  const s = new MemoryStorage('cp');
  const stats = JSON.stringify({
    numRecords: 3,
    minValues: { id: 1, d: '2020-01-02' },
    maxValues: { id: 9, d: '2021-03-04' },
    nullCount: { id: 0, d: 1 },
  });
  await writeCommit(s, 0, [protocol, meta]);
  await writeCommit(s, 1, [
    addAction('p=a/1.parquet', { partitionValues: { p: 'a' }, stats, tags: { k: 'v' } }),
    addAction('p=b/2.parquet', { partitionValues: { p: 'b' }, size: 20 }),
    addAction('p=a%20b/3.parquet', { partitionValues: { p: 'a b' } }),
    { txn: { appId: 'app', version: 3, lastUpdated: 5 } },
  ]);
  await writeCommit(s, 2, [
    removeAction('p=b/2.parquet', { deletionTimestamp: NOW - DAY, partitionValues: { p: 'b' }, size: 20 }),
    removeAction('gone.parquet', { deletionTimestamp: NOW - 30 * DAY }),
    { domainMetadata: { domain: 'keep', configuration: '{}', removed: false } },
    { domainMetadata: { domain: 'drop', configuration: '{}', removed: false } },
  ]);
  await writeCommit(s, 3, [
    { domainMetadata: { domain: 'drop', configuration: '{}', removed: true } },
    { txn: { appId: 'app', version: 4 } },
  ]);
  return s;
}

async function tombstones(s: MemoryStorage, ignoreCheckpoints: boolean): Promise<string[]> {
  const r = await reconstruct(s, undefined, { files: true, tombstones: true, ignoreCheckpoints });
  return [...r.replayer.tombstones.values()].map((t) => t.path).sort();
}

async function rowsOf(s: MemoryStorage, key: string, columns: string[]): Promise<Action[]> {
  const out: Action[] = [];
  await readParquetActions(await s.get(key), key, columns, (a) => out.push(a));
  return out;
}

describe('writeCheckpoint (classic)', () => {
  it('holds the reconciled state, unexpired tombstones only, and replays like the JSON log', async () => {
    const s = await table();
    const result = await writeCheckpoint(s, undefined, { now: NOW });
    expect(result).toMatchObject({
      version: 3,
      format: 'classic',
      v2Spec: false,
      key: `_delta_log/${versionPrefix(3)}.checkpoint.parquet`,
      numOfAddFiles: 2,
      numOfRemoveFiles: 1,
      size: 2 + 1 + 1 + 2 + 1,
      written: true,
      lastCheckpointUpdated: true,
    });
    const viaCheckpoint = await loadSnapshot(s);
    const jsonOnly = await loadSnapshot(s, { ignoreCheckpoints: true });
    expect(viaCheckpoint.files.map((f) => f.path).sort()).toEqual(jsonOnly.files.map((f) => f.path).sort());
    expect([...viaCheckpoint.txns.entries()]).toEqual([['app', { appId: 'app', version: 4 }]]);
    expect([...viaCheckpoint.domainMetadata.keys()]).toEqual(['keep']);
    expect(viaCheckpoint.metadata.partitionColumns).toEqual(['p']);
    // The expired tombstone (30 days old, retention one week) is dropped; the fresh one kept.
    expect(await tombstones(s, false)).toEqual(['p=b/2.parquet']);
    expect(await tombstones(s, true)).toEqual(['gone.parquet', 'p=b/2.parquet']);
    const rows = await rowsOf(s, result.key, ['add', 'remove']);
    const a1 = rows.find((a) => a.add?.path === 'p=a/1.parquet')?.add;
    expect(a1).toMatchObject({ dataChange: false, partitionValues: { p: 'a' }, tags: { k: 'v' } });
    expect(rows.find((a) => a.remove)?.remove).toMatchObject({
      path: 'p=b/2.parquet',
      dataChange: false,
      size: 20,
    });
    const last = JSON.parse(new TextDecoder().decode(await s.get(LAST_CHECKPOINT_KEY))) as Record<
      string,
      unknown
    >;
    expect(last).toEqual({ version: 3, size: 7, sizeInBytes: result.sizeInBytes, numOfAddFiles: 2 });
    expect(result.sizeInBytes).toBe((await s.get(result.key)).length);
  });

  it('treats an existing checkpoint as success and never moves _last_checkpoint back', async () => {
    const s = await table();
    await writeCheckpoint(s, 3, { now: NOW });
    const again = await writeCheckpoint(s, 3, { now: NOW });
    expect(again.written).toBe(false);
    const older = await writeCheckpoint(s, 1, { now: NOW });
    expect(older).toMatchObject({ version: 1, written: true, lastCheckpointUpdated: false });
    const last = JSON.parse(new TextDecoder().decode(await s.get(LAST_CHECKPOINT_KEY))) as {
      version: number;
    };
    expect(last.version).toBe(3);
    // Time travel to the older version now starts from its checkpoint and still replays correctly.
    const v1 = await loadSnapshot(s, { version: 1 });
    expect(v1.files.map((f) => f.path).sort()).toEqual([
      'p=a%20b/3.parquet',
      'p=a/1.parquet',
      'p=b/2.parquet',
    ]);
  });

  it('refuses a version whose commit does not exist', async () => {
    const s = await table();
    await expect(writeCheckpoint(s, 9)).rejects.toMatchObject({ code: 'VersionNotFound' });
    await writeCheckpoint(s, 3, { now: NOW });
    await s.delete(`_delta_log/${versionPrefix(3)}.json`);
    await s.delete(`_delta_log/${versionPrefix(2)}.json`);
    await expect(writeCheckpoint(s, 3)).rejects.toMatchObject({ code: 'VersionNotFound' });
  });

  it('writes stats_parsed and partitionValues_parsed when writeStatsAsStruct is set, and can drop JSON stats', async () => {
    const meta = partitioned({
      'delta.checkpoint.writeStatsAsStruct': 'true',
      'delta.checkpoint.writeStatsAsJson': 'false',
    });
    const s = await table(meta);
    const result = await writeCheckpoint(s, undefined, { now: NOW });
    const adds = (await rowsOf(s, result.key, ['add'])).flatMap((a) => (a.add ? [a.add] : []));
    const a1 = adds.find((a) => a.path === 'p=a/1.parquet');
    expect(a1?.stats).toBeUndefined();
    expect(a1?.stats_parsed).toEqual({
      numRecords: 3,
      minValues: { id: 1, d: '2020-01-02' },
      maxValues: { id: 9, d: '2021-03-04' },
      nullCount: { id: 0, d: 1 },
    });
    expect((a1 as Record<string, unknown> | undefined)?.['partitionValues_parsed']).toEqual({ p: 'a' });
    const snapshot = await loadSnapshot(s);
    expect(snapshot.files).toHaveLength(2);
  });
});

describe('writeCheckpoint (V2)', () => {
  const v2Meta = metadataAction({ configuration: { 'delta.checkpointPolicy': 'v2' } });

  it('writes a UUID-named Parquet checkpoint with checkpointMetadata by the table policy', async () => {
    const s = await table(v2Meta, V2_PROTOCOL);
    const result = await writeCheckpoint(s, undefined, { now: NOW });
    expect(result.format).toBe('v2');
    expect(result.key).toMatch(/^_delta_log\/0{19}3\.checkpoint\.[0-9a-f-]{36}\.parquet$/);
    const listing = await listLog(s);
    expect(listing.checkpoints.map((c) => [c.version, c.format])).toEqual([[3, 'v2']]);
    const meta = await rowsOf(s, result.key, ['checkpointMetadata']);
    expect(meta).toEqual([{ checkpointMetadata: { version: 3 } }]);
    const snap = await loadSnapshot(s);
    expect(snap.files.map((f) => f.path).sort()).toEqual(
      (await loadSnapshot(s, { ignoreCheckpoints: true })).files.map((f) => f.path).sort(),
    );
    expect(await tombstones(s, false)).toEqual(['p=b/2.parquet']);
  });

  it('puts file actions in sidecars and counts them in size and sizeInBytes', async () => {
    const s = await table(v2Meta, V2_PROTOCOL);
    const result = await writeCheckpoint(s, undefined, {
      now: NOW,
      actionsPerSidecar: 2,
      v2FileFormat: 'json',
    });
    expect(result.key).toMatch(/\.json$/);
    expect(result.sidecars).toHaveLength(2);
    const text = new TextDecoder().decode(await s.get(result.key));
    expect(text).not.toContain('"add"');
    expect(text).toContain('"sidecar"');
    const sidecarBytes = await Promise.all(result.sidecars.map((k) => s.get(k)));
    expect(result.sizeInBytes).toBe(text.length + sidecarBytes.reduce((n, b) => n + b.length, 0));
    expect(result.size).toBe(1 + 2 + 1 + 1 + 2 + 2 + 1);
    const snap = await loadSnapshot(s);
    expect(snap.files.map((f) => f.path).sort()).toEqual(['p=a%20b/3.parquet', 'p=a/1.parquet']);
    expect(await tombstones(s, false)).toEqual(['p=b/2.parquet']);
  });

  it('refuses V2 on a table without the feature, and writes V2-spec content in a classic name when supported', async () => {
    const plain = await table();
    await expect(writeCheckpoint(plain, undefined, { format: 'v2' })).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
    const s = await table(metadataAction(), V2_PROTOCOL);
    const result = await writeCheckpoint(s, undefined, { now: NOW });
    expect(result).toMatchObject({ format: 'classic', v2Spec: true });
    expect(await rowsOf(s, result.key, ['checkpointMetadata'])).toEqual([
      { checkpointMetadata: { version: 3 } },
    ]);
  });
});

describe('tombstone reconciliation', () => {
  it('drops a tombstone when the same logical file is added again', async () => {
    const s = new MemoryStorage('re-add');
    await writeCommit(s, 0, [protocolAction(), metadataAction(), addAction('a')]);
    await writeCommit(s, 1, [removeAction('a', { deletionTimestamp: NOW })]);
    await writeCommit(s, 2, [addAction('a')]);
    await writeCheckpoint(s, 2, { now: NOW });
    const r = await reconstruct(s, undefined, { files: true, tombstones: true });
    expect(r.replayer.tombstones.size).toBe(0);
    const removed: Remove[] = [];
    await readParquetActions(
      await s.get(`_delta_log/${versionPrefix(2)}.checkpoint.parquet`),
      'cp',
      ['remove'],
      (a) => {
        if (a.remove) removed.push(a.remove);
      },
    );
    expect(removed).toEqual([]);
  });
});
