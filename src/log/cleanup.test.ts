import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../storage/memory.js';
import { writeCheckpoint } from './checkpoint-write.js';
import { cleanupExpiredLogs } from './cleanup.js';
import { commitKey, listLog, versionPrefix } from './listing.js';
import { loadSnapshot } from './snapshot.js';
import { addAction, metadataAction, protocolAction, writeCommit } from './testing.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 5, 1, 15);
const V2_PROTOCOL = protocolAction({
  minReaderVersion: 3,
  minWriterVersion: 7,
  readerFeatures: ['v2Checkpoint'],
  writerFeatures: ['v2Checkpoint'],
});

/**
 * Ten commits, commit v written `age(v)` days before NOW, with checkpoints at the given versions
 * (their files as old as their commit).
 */
async function aged(
  checkpoints: number[],
  age: (v: number) => number,
  configuration: Record<string, string> = {},
  v2 = false,
): Promise<MemoryStorage> {
  const s = new MemoryStorage('cleanup');
  for (let v = 0; v < 10; v++) {
    const actions =
      v === 0
        ? [v2 ? V2_PROTOCOL : protocolAction(), metadataAction({ configuration })]
        : [addAction(`f${v}.parquet`)];
    await writeCommit(s, v, actions);
    s.setLastModified(commitKey(v), NOW - age(v) * DAY);
    await s.put(`_delta_log/${versionPrefix(v)}.crc`, new Uint8Array([1]));
    s.setLastModified(`_delta_log/${versionPrefix(v)}.crc`, NOW - age(v) * DAY);
    if (checkpoints.includes(v)) {
      const r = await writeCheckpoint(s, v, {
        now: NOW,
        ...(v2 ? { format: 'v2', actionsPerSidecar: 2 } : {}),
      });
      for (const key of [r.key, ...r.sidecars]) s.setLastModified(key, NOW - age(v) * DAY);
    }
  }
  return s;
}

async function keys(s: MemoryStorage): Promise<string[]> {
  const out: string[] = [];
  for await (const m of s.list('_delta_log/')) out.push(m.key.slice('_delta_log/'.length));
  return out;
}

describe('cleanupExpiredLogs', () => {
  it('deletes everything before the newest checkpoint not newer than the cutoff commit, and no more', async () => {
    // Commits 0..6 are 40..34 days old, 7..9 one day old; checkpoints at 3, 5 and 8.
    const s = await aged([3, 5, 8], (v) => (v <= 6 ? 40 - v : 1));
    const before = await loadSnapshot(s, { ignoreCheckpoints: true });
    const result = await cleanupExpiredLogs(s, { now: NOW });
    expect(result.checkpointVersion).toBe(5);
    expect(result.cutoff).toBe(Date.UTC(2024, 4, 2));
    const left = await keys(s);
    for (let v = 0; v < 5; v++) {
      expect(left).not.toContain(`${versionPrefix(v)}.json`);
      expect(left).not.toContain(`${versionPrefix(v)}.crc`);
    }
    expect(left).not.toContain(`${versionPrefix(3)}.checkpoint.parquet`);
    for (let v = 5; v < 10; v++) expect(left).toContain(`${versionPrefix(v)}.json`);
    expect(left).toContain(`${versionPrefix(5)}.checkpoint.parquet`);
    expect(left).toContain(`${versionPrefix(8)}.checkpoint.parquet`);
    expect(result.deleted[0]).toBe(`_delta_log/${versionPrefix(0)}.crc`);
    // Every retained version still reconstructs, the latest exactly as before.
    for (let v = 5; v < 10; v++) await expect(loadSnapshot(s, { version: v })).resolves.toBeDefined();
    expect((await loadSnapshot(s)).files.map((f) => f.path).sort()).toEqual(
      before.files.map((f) => f.path).sort(),
    );
    await expect(loadSnapshot(s, { version: 4 })).rejects.toMatchObject({ code: 'VersionNotFound' });
  });

  it('deletes nothing without a checkpoint at or before the cutoff commit', async () => {
    const s = await aged([8], (v) => 40 - v);
    const result = await cleanupExpiredLogs(s, { now: NOW, retention: 35 * DAY });
    expect(result).toMatchObject({ checkpointVersion: undefined, deleted: [] });
    expect((await listLog(s)).commits).toHaveLength(10);
  });

  it('honours a retention override, dry runs and delta.enableExpiredLogCleanup', async () => {
    const s = await aged([4], (v) => 20 - v);
    const dry = await cleanupExpiredLogs(s, { now: NOW, retention: 10 * DAY, dryRun: true });
    expect(dry.checkpointVersion).toBe(4);
    expect(dry.deleted).toHaveLength(8);
    expect((await listLog(s)).commits).toHaveLength(10);
    // The default (30 days) keeps everything: no commit is that old.
    expect((await cleanupExpiredLogs(s, { now: NOW })).deleted).toEqual([]);
    const off = await aged([4], (v) => 20 - v, { 'delta.enableExpiredLogCleanup': 'false' });
    expect(await cleanupExpiredLogs(off, { now: NOW, retention: DAY })).toMatchObject({
      enabled: false,
      deleted: [],
    });
  });

  it('removes old unreferenced sidecars and keeps those of retained checkpoints', async () => {
    const s = await aged([2, 6], (v) => 40 - v, {}, true);
    await s.put('_delta_log/_sidecars/young-orphan.parquet', new Uint8Array([1]));
    const sidecarsBefore = (await keys(s)).filter((k) => k.startsWith('_sidecars/'));
    const result = await cleanupExpiredLogs(s, { now: NOW });
    expect(result.checkpointVersion).toBe(6);
    const sidecarsAfter = (await keys(s)).filter((k) => k.startsWith('_sidecars/'));
    // Checkpoint 2's sidecars went, checkpoint 6's stayed, the fresh orphan stayed.
    expect(sidecarsAfter.length).toBeLessThan(sidecarsBefore.length);
    expect(sidecarsAfter).toContain('_sidecars/young-orphan.parquet');
    const latest = await loadSnapshot(s);
    expect(latest.files).toHaveLength(9);
    expect(result.deleted.filter((k) => k.includes('_sidecars/'))).toHaveLength(
      sidecarsBefore.length - sidecarsAfter.length,
    );
  });
});
