import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Action, Add, DeletionVectorDescriptor, DomainMetadata, Txn } from '../protocol/actions.js';
import { MemoryStorage } from '../storage/memory.js';
import { canonicalPathKey } from '../protocol/paths.js';
import { versionPrefix } from './listing.js';
import { isPlainPath } from './replay.js';
import { type LogState, loadSnapshot } from './snapshot.js';
import { addAction, metadataAction, ndjson, protocolAction, removeAction, writeCommit } from './testing.js';

/** The obviously-correct model: a Map per reconciled collection, applied in log order. */
interface Model {
  files: Map<string, Add>;
  txns: Map<string, Txn>;
  domains: Map<string, DomainMetadata>;
  protocol: Action['protocol'];
  metadata: Action['metaData'];
}

const dvs: Array<DeletionVectorDescriptor | undefined> = [
  undefined,
  { storageType: 'u', pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^', offset: 1, sizeInBytes: 10, cardinality: 1 },
  { storageType: 'u', pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^', offset: 9, sizeInBytes: 10, cardinality: 2 },
  {
    storageType: 'i',
    pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L',
    sizeInBytes: 40,
    cardinality: 6,
  },
];
const pathArb = fc.constantFrom('a.parquet', 'b.parquet', 'p=1/c.parquet', 'p=2/c.parquet', 'd');
const dvArb = fc.integer({ min: 0, max: dvs.length - 1 }).map((i) => dvs[i]);
const extra = (dv: DeletionVectorDescriptor | undefined) => (dv ? { deletionVector: dv } : {});

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(pathArb, dvArb, fc.nat(1000))
      .map(([p, dv, size]) => addAction(p, { size, ...extra(dv) })),
  },
  { weight: 4, arbitrary: fc.tuple(pathArb, dvArb).map(([p, dv]) => removeAction(p, extra(dv))) },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }).map((d) => metadataAction({ description: d })) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 2, max: 6 }).map((w) => protocolAction({ minWriterVersion: w })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('app1', 'app2'), fc.nat(50))
      .map(([appId, version]) => ({ txn: { appId, version } })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('d1', 'd2', 'd3'), fc.string({ maxLength: 4 }), fc.boolean())
      .map(([domain, configuration, removed]) => ({ domainMetadata: { domain, configuration, removed } })),
  },
);
const logArb = fc.array(fc.array(actionArb, { maxLength: 6 }), { minLength: 1, maxLength: 8 });

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
