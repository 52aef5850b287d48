import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../storage/memory.js';
import { listLog, parseLogFileName, versionPrefix } from './listing.js';

const v = versionPrefix;
const uuid = '80a083e8-7026-4e79-81be-64bd76c43a11';

describe('parseLogFileName', () => {
  it('classifies every protocol file name', () => {
    expect(parseLogFileName(`${v(12)}.json`)).toEqual({ type: 'commit', version: 12 });
    expect(parseLogFileName(`${v(10)}.checkpoint.parquet`)).toEqual({
      type: 'checkpoint',
      version: 10,
      format: 'classic',
    });
    expect(parseLogFileName(`${v(10)}.checkpoint.0000000002.0000000003.parquet`)).toEqual({
      type: 'checkpoint',
      version: 10,
      format: 'multipart',
      part: 2,
      parts: 3,
    });
    expect(parseLogFileName(`${v(10)}.checkpoint.${uuid}.json`)).toEqual({
      type: 'checkpoint',
      version: 10,
      format: 'v2',
      uuid,
      ext: 'json',
    });
    expect(parseLogFileName(`${v(10)}.checkpoint.${uuid}.parquet`)).toMatchObject({
      format: 'v2',
      ext: 'parquet',
    });
    expect(parseLogFileName(`${v(4)}.${v(6)}.compacted.json`)).toEqual({
      type: 'compaction',
      start: 4,
      end: 6,
    });
    expect(parseLogFileName('_last_checkpoint')).toEqual({ type: 'lastCheckpoint' });
  });

  it('ignores checksums, temp files, near-misses and invalid ranges', () => {
    for (const name of [
      `${v(1)}.crc`,
      `.${v(1)}.json.tmp`,
      `${v(1)}.json.tmp`,
      '0001.json',
      `${v(1)}.checkpoint.0000000000.0000000002.parquet`,
      `${v(1)}.checkpoint.0000000003.0000000002.parquet`,
      `${v(1)}.checkpoint.0000000001.0000000001.parquet`,
      `${v(6)}.${v(6)}.compacted.json`,
      `${v(1)}.checkpoint.not-a-uuid.json`,
      '_sidecars/x.parquet',
    ]) {
      expect(parseLogFileName(name), name).toBeUndefined();
    }
  });
});

async function storageWith(names: string[]): Promise<MemoryStorage> {
  const s = new MemoryStorage();
  for (const n of names) await s.put(`_delta_log/${n}`, new Uint8Array([1]));
  return s;
}

describe('listLog', () => {
  it('sorts commits and keeps only complete multi-part checkpoints', async () => {
    const s = await storageWith([
      `${v(2)}.json`,
      `${v(0)}.json`,
      `${v(1)}.json`,
      `${v(1)}.checkpoint.0000000001.0000000002.parquet`,
      `${v(1)}.checkpoint.0000000002.0000000002.parquet`,
      `${v(2)}.checkpoint.0000000001.0000000003.parquet`,
      `${v(2)}.checkpoint.0000000003.0000000003.parquet`,
      `${v(2)}.crc`,
      '_sidecars/abc.parquet',
      '_last_checkpoint',
    ]);
    const listing = await listLog(s);
    expect(listing.commits.map((c) => c.version)).toEqual([0, 1, 2]);
    expect(listing.checkpoints.map((c) => [c.version, c.format, c.files.length])).toEqual([
      [1, 'multipart', 2],
    ]);
    expect(listing.checkpoints[0]?.files.map((f) => f.key)).toEqual([
      `_delta_log/${v(1)}.checkpoint.0000000001.0000000002.parquet`,
      `_delta_log/${v(1)}.checkpoint.0000000002.0000000002.parquet`,
    ]);
    expect(listing.hasLastCheckpoint).toBe(true);
  });

  it('orders same-version checkpoints so the preferred one (V2, then classic) is last', async () => {
    const s = await storageWith([
      `${v(3)}.checkpoint.${uuid}.json`,
      `${v(3)}.checkpoint.parquet`,
      `${v(3)}.checkpoint.0000000001.0000000002.parquet`,
      `${v(3)}.checkpoint.0000000002.0000000002.parquet`,
    ]);
    const listing = await listLog(s);
    expect(listing.checkpoints.map((c) => c.format)).toEqual(['multipart', 'classic', 'v2']);
  });

  it('lists from a version on, including every file of that version', async () => {
    const s = await storageWith([
      `${v(9)}.json`,
      `${v(9)}.checkpoint.parquet`,
      `${v(10)}.json`,
      `${v(10)}.checkpoint.parquet`,
      `${v(11)}.json`,
    ]);
    const listing = await listLog(s, 10);
    expect(listing.commits.map((c) => c.version)).toEqual([10, 11]);
    expect(listing.checkpoints.map((c) => c.version)).toEqual([10]);
  });
});
