import { describe, expect, it } from 'vitest';
import type { Action } from '../protocol/actions.js';
import { MemoryStorage } from '../storage/memory.js';
import type { ObjectMeta, Storage } from '../storage/storage.js';
import { writeCheckpoint } from './checkpoint-write.js';
import { commitKey, versionPrefix } from './listing.js';
import { listVersions, loadSnapshot, readCommit, readHistory } from './index.js';
import { addAction, metadataAction, ndjson, protocolAction, removeAction, writeCommit } from './testing.js';
import { rejection } from '../test-errors.js';

async function table(commits: Action[][]): Promise<MemoryStorage> {
  const s = new MemoryStorage('t');
  for (const [i, actions] of commits.entries()) await writeCommit(s, i, actions);
  return s;
}

const base = [protocolAction(), metadataAction()];
const paths = (files: readonly { path: string }[]) => files.map((f) => f.path).sort();

describe('loadSnapshot: reconciliation', () => {
  it('applies adds and removes in version order and keeps the latest protocol and metadata', async () => {
    const s = await table([
      [...base, addAction('a'), addAction('b')],
      [removeAction('a'), addAction('c'), metadataAction({ description: 'v1' })],
      [protocolAction({ minWriterVersion: 3 }), addAction('a')],
    ]);
    const state = await loadSnapshot(s);
    expect(state.version).toBe(2);
    expect(paths(state.files)).toEqual(['a', 'b', 'c']);
    expect(state.metadata.description).toBe('v1');
    expect(state.protocol.minWriterVersion).toBe(3);
    expect(state.schema.fields.map((f) => f.name)).toEqual(['id']);
    expect(paths((await loadSnapshot(s, { version: 1 })).files)).toEqual(['b', 'c']);
  });

  it('keys files by path and deletion vector id, so a DV update replaces the file', async () => {
    const dv1 = {
      storageType: 'u',
      pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^',
      offset: 4,
      sizeInBytes: 40,
      cardinality: 6,
    };
    const dv2 = { ...dv1, offset: 90 };
    const s = await table([
      [...base, addAction('f')],
      [removeAction('f'), addAction('f', { deletionVector: dv1 })],
      [removeAction('f', { deletionVector: dv1 }), addAction('f', { deletionVector: dv2 })],
    ]);
    const state = await loadSnapshot(s);
    expect(state.files).toHaveLength(1);
    expect(state.files[0]?.deletionVector?.offset).toBe(90);
    // A remove with the wrong DV id does not cancel the add.
    await writeCommit(s, 3, [removeAction('f', { deletionVector: dv1 })]);
    expect((await loadSnapshot(s)).files).toHaveLength(1);
  });

  it('matches equivalent spellings of a path but keeps the original string', async () => {
    const s = await table([
      [...base, addAction('a%20b/c.parquet'), addAction('x=1/y.parquet'), addAction('/abs/file')],
      [removeAction('a b/c.parquet'), removeAction('./x%3D1/y.parquet'), removeAction('memory://t/abs/file')],
      [addAction('p%3Aq.parquet')],
    ]);
    const state = await loadSnapshot(s);
    expect(paths(state.files)).toEqual(['p%3Aq.parquet']);
  });

  it('keeps the latest txn per appId and drops removed domains', async () => {
    const s = await table([
      [
        ...base,
        { txn: { appId: 'a', version: 1 } },
        { domainMetadata: { domain: 'd1', configuration: '{}', removed: false } },
      ],
      [
        { txn: { appId: 'a', version: 0 } },
        { txn: { appId: 'b', version: 5 } },
        { domainMetadata: { domain: 'd2', configuration: 'x', removed: false } },
      ],
      [{ domainMetadata: { domain: 'd1', configuration: '{}', removed: true } }],
    ]);
    const state = await loadSnapshot(s);
    expect(state.txns.get('a')?.version).toBe(0);
    expect(state.txns.get('b')?.version).toBe(5);
    expect([...state.domainMetadata.keys()]).toEqual(['d2']);
    expect(state.domainMetadata.get('d2')?.configuration).toBe('x');
  });

  it('returns the commitInfo of the snapshot version only', async () => {
    const s = await table([[{ commitInfo: { operation: 'CREATE' } }, ...base], [addAction('a')]]);
    expect((await loadSnapshot(s)).commitInfo).toBeUndefined();
    expect((await loadSnapshot(s, { version: 0 })).commitInfo?.operation).toBe('CREATE');
  });

  it('names what is missing when protocol or metadata never appear', async () => {
    const noMeta = await table([[protocolAction(), addAction('a')]]);
    const err = await rejection(loadSnapshot(noMeta));
    expect(err.code).toBe('InvalidLog');
    expect(err.message).toContain('metaData');
    const noProto = await table([[metadataAction()]]);
    expect((await rejection(loadSnapshot(noProto))).message).toContain('protocol');
  });

  it('refuses tables with unsupported reader features', async () => {
    const s = await table([
      [
        protocolAction({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['variantType'] }),
        metadataAction(),
      ],
    ]);
    expect((await rejection(loadSnapshot(s))).code).toBe('UnsupportedFeature');
  });

  it('reports a corrupt commit with its version and line', async () => {
    const s = await table([[...base]]);
    await s.put(
      commitKey(1),
      new TextEncoder().encode('{"add":{"path":"a","partitionValues":{},"size":1}}\nnot json\n'),
    );
    const err = await rejection(loadSnapshot(s));
    expect(err.code).toBe('CorruptLog');
    expect(err.message).toMatch(/version 1\) line 2/);
  });
});

describe('loadSnapshot: segments', () => {
  it('fails on an empty log with TableNotFound and on a gap with InvalidLog naming the version', async () => {
    expect((await rejection(loadSnapshot(new MemoryStorage()))).code).toBe('TableNotFound');
    const s = await table([[...base], [addAction('a')]]);
    await writeCommit(s, 3, [addAction('b')]);
    const err = await rejection(loadSnapshot(s));
    expect(err.code).toBe('InvalidLog');
    expect(err.message).toContain('commit version 2 is missing');
  });

  it('states the available range for a version that does not exist', async () => {
    const s = await table([[...base], [addAction('a')]]);
    const err = await rejection(loadSnapshot(s, { version: 5 }));
    expect(err.code).toBe('VersionNotFound');
    expect(err.message).toContain('0..1');
    expect((await rejection(loadSnapshot(s, { version: -1 }))).code).toBe('VersionNotFound');
  });

  it('starts from a V2 JSON checkpoint and ignores corrupt or stale _last_checkpoint hints', async () => {
    const s = await table([
      [...base, addAction('a')],
      [addAction('b')],
      [removeAction('a')],
      [addAction('c')],
    ]);
    // A checkpoint at version 2 that (deliberately) differs from the commits proves it was used.
    const key = `_delta_log/${versionPrefix(2)}.checkpoint.0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9.json`;
    await s.put(key, ndjson([{ checkpointMetadata: { version: 2 } }, ...base, addAction('from-checkpoint')]));
    expect(paths((await loadSnapshot(s)).files)).toEqual(['c', 'from-checkpoint']);
    for (const hint of ['', '{"version": 99}', '{"version": 1}', 'garbage{', '{"version": "2"}']) {
      await s.put('_delta_log/_last_checkpoint', new TextEncoder().encode(hint));
      expect(paths((await loadSnapshot(s)).files), hint).toEqual(['c', 'from-checkpoint']);
    }
    expect(paths((await loadSnapshot(s, { ignoreCheckpoints: true })).files)).toEqual(['b', 'c']);
    expect(paths((await loadSnapshot(s, { version: 1 })).files)).toEqual(['a', 'b']);
  });

  it('lists from the _last_checkpoint version when the hint is valid', async () => {
    const s = await table([[...base, addAction('a')], [addAction('b')], [addAction('c')]]);
    await s.put(
      `_delta_log/${versionPrefix(1)}.checkpoint.0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9.json`,
      ndjson([...base, addAction('a'), addAction('b')]),
    );
    await s.put('_delta_log/_last_checkpoint', new TextEncoder().encode('{"version":1,"size":4}'));
    const starts: Array<string | undefined> = [];
    const spy: Storage = {
      url: s.url,
      list: (prefix: string, startAfter?: string): AsyncIterable<ObjectMeta> => {
        starts.push(startAfter);
        return s.list(prefix, startAfter);
      },
      get: (k) => s.get(k),
      getRange: (k, r) => s.getRange(k, r),
      head: (k) => s.head(k),
      put: (k, d, o) => s.put(k, d, o),
      delete: (k) => s.delete(k),
    };
    expect(paths((await loadSnapshot(spy)).files)).toEqual(['a', 'b', 'c']);
    expect(starts).toEqual([`_delta_log/${versionPrefix(0)}.~`]);
  });

  it('reads the hinted checkpoint once, ahead of the listing, and only uses it when the listing selects it', async () => {
    const s = await table([[...base, addAction('a')], [addAction('b')], [removeAction('a')]]);
    await writeCheckpoint(s, 1);
    const gets: string[] = [];
    const spy: Storage = {
      url: s.url,
      list: (prefix, startAfter) => s.list(prefix, startAfter),
      get: (k) => {
        gets.push(k);
        return s.get(k);
      },
      getRange: (k, r) => s.getRange(k, r),
      head: (k) => s.head(k),
      put: (k, d, o) => s.put(k, d, o),
      delete: (k) => s.delete(k),
    };
    const classic = `_delta_log/${versionPrefix(1)}.checkpoint.parquet`;
    const viaHint = await loadSnapshot(spy);
    expect(paths(viaHint.files)).toEqual(['b']);
    expect(gets.filter((k) => k === classic)).toHaveLength(1);
    expect(paths((await loadSnapshot(s, { ignoreCheckpoints: true })).files)).toEqual(['b']);
    // A stale hint: the listing finds a newer checkpoint, whose contents win over the early read.
    await writeCommit(s, 3, [addAction('c')]);
    await writeCheckpoint(s, 3);
    await s.put('_delta_log/_last_checkpoint', new TextEncoder().encode('{"version":1}'));
    gets.length = 0;
    expect(paths((await loadSnapshot(spy)).files)).toEqual(['b', 'c']);
    expect(gets).toContain(`_delta_log/${versionPrefix(3)}.checkpoint.parquet`);
    // A hint for a multi-part or V2 checkpoint cannot be fetched by one name: no early read (a
    // single-file hint for a version without a checkpoint shows what such a read would request).
    const classic2 = `_delta_log/${versionPrefix(2)}.checkpoint.parquet`;
    for (const [hint, early] of [
      ['{"version":2}', true],
      ['{"version":2,"parts":2}', false],
      ['{"version":2,"v2Checkpoint":{"path":"x.json"}}', false],
    ] as const) {
      await s.put('_delta_log/_last_checkpoint', new TextEncoder().encode(hint));
      gets.length = 0;
      expect(paths((await loadSnapshot(spy)).files)).toEqual(['b', 'c']);
      expect(gets.includes(classic2), hint).toBe(early);
    }
  });

  it('falls back to an older route when a checkpoint is unreadable, and fails naming it when none exists', async () => {
    const s = await table([[...base, addAction('a')], [addAction('b')], [addAction('c')]]);
    const bad = `_delta_log/${versionPrefix(1)}.checkpoint.parquet`;
    await s.put(bad, new TextEncoder().encode('not parquet'));
    await s.put('_delta_log/_last_checkpoint', new TextEncoder().encode('{"version":1}'));
    expect(paths((await loadSnapshot(s)).files)).toEqual(['a', 'b', 'c']);
    await s.delete(commitKey(0));
    const err = await rejection(loadSnapshot(s));
    expect(err.code).toBe('InvalidLog');
    expect(err.message).toContain(bad);
  });

  it('ignores an incomplete multi-part checkpoint', async () => {
    const s = await table([[...base, addAction('a')], [addAction('b')]]);
    await s.put(
      `_delta_log/${versionPrefix(1)}.checkpoint.0000000001.0000000002.parquet`,
      new TextEncoder().encode('x'),
    );
    expect(paths((await loadSnapshot(s)).files)).toEqual(['a', 'b']);
  });

  it('uses log compaction files whichever order their lines are in', async () => {
    const s = await table([
      [...base, addAction('a')],
      [removeAction('a'), addAction('b')],
      [addAction('c')],
      [removeAction('c')],
      [addAction('d')],
    ]);
    // Newest-first concatenation of commits 1..3 (the shape some writers produce).
    await s.put(
      `_delta_log/${versionPrefix(1)}.${versionPrefix(3)}.compacted.json`,
      ndjson([removeAction('c'), addAction('c'), removeAction('a'), addAction('b')]),
    );
    expect(paths((await loadSnapshot(s)).files)).toEqual(['b', 'd']);
    expect(paths((await loadSnapshot(s, { useCompactions: false })).files)).toEqual(['b', 'd']);
  });
});

describe('timestamps and time travel', () => {
  async function timed(): Promise<MemoryStorage> {
    const s = await table([[...base, addAction('a')], [addAction('b')], [addAction('c')]]);
    for (const [v, t] of [
      [0, 1000],
      [1, 2000],
      [2, 3000],
    ] as const)
      s.setLastModified(commitKey(v), t);
    return s;
  }

  it('uses commit file times without in-commit timestamps', async () => {
    const s = await timed();
    expect((await loadSnapshot(s)).timestamp).toBe(3000);
    expect((await loadSnapshot(s, { timestamp: 2500 })).version).toBe(1);
    expect((await loadSnapshot(s, { timestamp: new Date(2000) })).version).toBe(1);
    expect((await loadSnapshot(s, { timestamp: 99999 })).version).toBe(2);
    const err = await rejection(loadSnapshot(s, { timestamp: 500 }));
    expect(err.code).toBe('VersionNotFound');
    expect(err.message).toContain(new Date(1000).toISOString());
    expect((await rejection(loadSnapshot(s, { version: 1, timestamp: 1 }))).code).toBe('InvalidArgument');
  });

  it('uses inCommitTimestamp from the enablement version on', async () => {
    const s = await timed();
    const ict = metadataAction({
      configuration: {
        'delta.enableInCommitTimestamps': 'true',
        'delta.inCommitTimestampEnablementVersion': '3',
      },
    });
    await writeCommit(s, 3, [{ commitInfo: { inCommitTimestamp: 10_000 } }, ict]);
    await writeCommit(s, 4, [{ commitInfo: { inCommitTimestamp: 20_000 } }, addAction('d')]);
    // File times that disagree with the ICTs prove which one is used.
    s.setLastModified(commitKey(3), 1);
    s.setLastModified(commitKey(4), 1);
    expect((await loadSnapshot(s)).timestamp).toBe(20_000);
    expect((await loadSnapshot(s, { version: 2 })).timestamp).toBe(3000);
    expect((await loadSnapshot(s, { timestamp: 15_000 })).version).toBe(3);
    expect((await loadSnapshot(s, { timestamp: 20_000 })).version).toBe(4);
    expect((await loadSnapshot(s, { timestamp: 9_999 })).version).toBe(2);
    expect((await loadSnapshot(s, { timestamp: 1_500 })).version).toBe(0);
    const history = await readHistory(s);
    expect(history.map((h) => [h.version, h.timestamp])).toEqual([
      [4, 20_000],
      [3, 10_000],
      [2, 3000],
      [1, 2000],
      [0, 1000],
    ]);
  });

  it('fails when in-commit timestamps are enabled but the commit lacks one', async () => {
    const s = await table([
      [...base],
      [metadataAction({ configuration: { 'delta.enableInCommitTimestamps': 'true' } })],
    ]);
    const err = await rejection(loadSnapshot(s));
    expect(err.code).toBe('InvalidLog');
    expect(err.message).toContain('inCommitTimestamp');
  });
});

describe('readCommit, readHistory, listVersions', () => {
  it('reads one commit and reports missing ones with the range', async () => {
    const s = await table([
      [{ commitInfo: { operation: 'WRITE' } }, ...base, addAction('a')],
      [removeAction('a')],
    ]);
    const c = await readCommit(s, 0);
    expect(c.version).toBe(0);
    expect(c.actions).toHaveLength(4);
    const err = await rejection(readCommit(s, 7));
    expect(err.code).toBe('VersionNotFound');
    expect(err.message).toContain('0..1');
  });

  it('refuses a commit that upgrades to an unsupported protocol', async () => {
    const s = await table([
      [...base],
      [protocolAction({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['collations'] })],
    ]);
    expect((await rejection(readCommit(s, 1))).code).toBe('UnsupportedFeature');
  });

  it('lists history newest first with a limit, and the reconstructable range', async () => {
    const s = await table([
      [{ commitInfo: { operation: 'CREATE' } }, ...base],
      [{ commitInfo: { operation: 'WRITE' } }, addAction('a')],
      [addAction('b')],
    ]);
    const h = await readHistory(s, { limit: 2 });
    expect(h.map((e) => [e.version, e.commitInfo?.operation])).toEqual([
      [2, undefined],
      [1, 'WRITE'],
    ]);
    expect((await rejection(readHistory(s, { limit: 0 }))).code).toBe('InvalidArgument');
    expect(await listVersions(s)).toEqual({ earliest: 0, latest: 2 });
    await s.put(
      `_delta_log/${versionPrefix(1)}.checkpoint.0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9.json`,
      ndjson([...base, addAction('a')]),
    );
    await s.delete(commitKey(0));
    expect(await listVersions(s)).toEqual({ earliest: 1, latest: 2 });
    expect((await rejection(loadSnapshot(s, { version: 0 }))).code).toBe('VersionNotFound');
  });
});
