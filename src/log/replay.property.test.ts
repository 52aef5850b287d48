import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Action, Add, DeletionVectorDescriptor, DomainMetadata, Txn } from '../protocol/actions.js';
import { MemoryStorage } from '../storage/memory.js';
import { canonicalPathKey } from '../protocol/paths.js';
import { versionPrefix } from './listing.js';
import { isPlainPath } from './replay.js';
import { type LogState, loadSnapshot } from './snapshot.js';
import { logArb } from './testing-arbitraries.js';
import { metadataAction, ndjson, protocolAction, writeCommit } from './testing.js';

/** The obviously-correct model: a Map per reconciled collection, applied in log order. */
interface Model {
  files: Map<string, Add>;
  txns: Map<string, Txn>;
  domains: Map<string, DomainMetadata>;
  protocol: Action['protocol'];
  metadata: Action['metaData'];
}

function dvKey(dv: DeletionVectorDescriptor | null | undefined): string {
  return dv
    ? `${dv.storageType}${dv.pathOrInlineDv}${dv.offset === undefined || dv.offset === null ? '' : `@${dv.offset}`}`
    : '';
}

function replayModel(commits: Action[][]): Model {
  const m: Model = {
    files: new Map(),
    txns: new Map(),
    domains: new Map(),
    protocol: undefined,
    metadata: undefined,
  };
  for (const commit of commits) {
    for (const a of commit) {
      if (a.add) m.files.set(`${a.add.path}|${dvKey(a.add.deletionVector)}`, a.add);
      if (a.remove) m.files.delete(`${a.remove.path}|${dvKey(a.remove.deletionVector)}`);
      if (a.txn) m.txns.set(a.txn.appId, a.txn);
      if (a.domainMetadata) {
        if (a.domainMetadata.removed) m.domains.delete(a.domainMetadata.domain);
        else m.domains.set(a.domainMetadata.domain, a.domainMetadata);
      }
      if (a.protocol) m.protocol = a.protocol;
      if (a.metaData) m.metadata = a.metaData;
    }
  }
  return m;
}

/** Everything of a LogState that replay decides, in a comparable, order-free form. */
function observe(s: LogState | Model) {
  const files = 'version' in s ? s.files : [...s.files.values()];
  return {
    files: files.map((f) => `${f.path}|${dvKey(f.deletionVector)}|${f.size}`).sort(),
    txns: [...s.txns.entries()].sort(),
    domains: [...('version' in s ? s.domainMetadata : s.domains).entries()].sort(),
    protocol: s.protocol,
    metadata: 'version' in s ? s.metadata : s.metadata,
  };
}

async function writeLog(commits: Action[][]): Promise<MemoryStorage> {
  const s = new MemoryStorage('prop');
  await writeCommit(s, 0, [protocolAction(), metadataAction()]);
  for (const [i, c] of commits.entries()) await writeCommit(s, i + 1, c);
  return s;
}

describe('replay equals a simple model', () => {
  it('for random add/remove/metadata/protocol/txn/domainMetadata commits', async () => {
    await fc.assert(
      fc.asyncProperty(logArb, async (commits) => {
        const s = await writeLog(commits);
        const all = [[protocolAction(), metadataAction()], ...commits];
        const state = await loadSnapshot(s);
        expect(state.version).toBe(commits.length);
        expect(observe(state)).toEqual(observe(replayModel(all)));
        // Every intermediate version too (time travel uses the same path).
        const v = Math.floor(commits.length / 2);
        expect(observe(await loadSnapshot(s, { version: v }))).toEqual(
          observe(replayModel(all.slice(0, v + 1))),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('from a JSON V2 checkpoint holding the model state equals JSON-only replay', async () => {
    await fc.assert(
      fc.asyncProperty(logArb, fc.nat(), async (commits, pick) => {
        const s = await writeLog(commits);
        const all = [[protocolAction(), metadataAction()], ...commits];
        const at = pick % all.length;
        const m = replayModel(all.slice(0, at + 1));
        const checkpoint: Action[] = [
          { checkpointMetadata: { version: at } },
          ...(m.protocol ? [{ protocol: m.protocol }] : []),
          ...(m.metadata ? [{ metaData: m.metadata }] : []),
          ...[...m.txns.values()].map((txn) => ({ txn })),
          ...[...m.domains.values()].map((domainMetadata) => ({ domainMetadata })),
          ...[...m.files.values()].map((add) => ({ add })),
        ];
        await s.put(
          `_delta_log/${versionPrefix(at)}.checkpoint.3f2504e0-4f89-41d3-9a0c-0305e82c3301.json`,
          ndjson(checkpoint),
        );
        const fromCheckpoint = await loadSnapshot(s);
        const jsonOnly = await loadSnapshot(s, { ignoreCheckpoints: true });
        expect(observe(fromCheckpoint)).toEqual(observe(jsonOnly));
      }),
      { numRuns: 100 },
    );
  });
});

describe('isPlainPath', () => {
  it('only accepts paths that canonicalPathKey maps to themselves', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_\-=+,.%: ]{0,6}$/);
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (segments, leadingSlash) => {
          const path = (leadingSlash ? '/' : '') + segments.join('/');
          if (isPlainPath(path)) expect(canonicalPathKey(path, 'file:///table/root')).toBe(path);
        },
      ),
      { numRuns: 2000 },
    );
    expect(isPlainPath('a=1/b.parquet')).toBe(true);
    for (const p of ['', '/a', 'a//b', './a', 'a/../b', 'a%20b', 's3:x', 'a/'])
      expect(isPlainPath(p), p).toBe(false);
  });
});
