import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CheckpointOptions,
  type CheckpointResult,
  writeCheckpoint,
} from '../src/log/checkpoint-write.js';
import { commitKey, listLog, versionPrefix } from '../src/log/listing.js';
import { reconstruct } from '../src/log/reconstruct.js';
import { type LogState, loadSnapshot } from '../src/log/snapshot.js';
import { typeToJson } from '../src/protocol/schema.js';
import { LocalStorage } from '../src/storage/local.js';
import { describeDiff } from './compare.js';
import { FIXTURES_DIR } from './fixtures.js';
import { copyFixture, diffRows, type Engine, ourRows, removeTemp, useRefServer } from './interop.js';

/**
 * Checkpoints written by delta-ts are read by delta-ts, delta-rs and Spark.
 *
 * For each fixture table (copied to a temp directory first): delta-ts writes a checkpoint of the
 * latest version, then every other checkpoint and every commit before that version is deleted
 * (so no engine can avoid our checkpoint), and
 *
 * (a) delta-ts' snapshot and rows from the checkpoint equal its JSON-only replay and its rows before;
 * (b) delta-rs reads the same rows as delta-ts did before the checkpoint;
 * (c) Spark (one session for all cases) reads the same rows too.
 *
 * Tombstones in the fixtures are years old and would all be expired, so the checkpoint is written
 * with `now` just after the newest tombstone: the checkpoints then carry `remove` rows, and the
 * engines must read past them.
 */

interface Case {
  readonly name: string;
  /** Table root relative to the fixtures directory. */
  readonly fixture: string;
  /** Commit a metaData change turning on `delta.checkpoint.writeStatsAsStruct` first. */
  readonly statsAsStruct?: boolean;
  readonly options?: CheckpointOptions;
  readonly expect: { readonly format: 'classic' | 'v2'; readonly v2Spec: boolean };
}

const CLASSIC = { format: 'classic', v2Spec: false } as const;

const CASES: readonly Case[] = [
  { name: 'partitioned (dat)', fixture: 'dat/basic_partitioned/delta', expect: CLASSIC },
  { name: 'partition value types', fixture: 'delta-golden/data-reader-partition-values', expect: CLASSIC },
  {
    name: 'partition value types, stats as struct',
    fixture: 'delta-golden/data-reader-partition-values',
    statsAsStruct: true,
    expect: CLASSIC,
  },
  {
    name: 'stats of all types as struct',
    fixture: 'delta-golden/data-skipping-basic-stats-all-types',
    statsAsStruct: true,
    expect: CLASSIC,
  },
  { name: 'escaped partition paths', fixture: 'delta-rs/delta-0.8.0-special-partition', expect: CLASSIC },
  { name: 'deletion vectors', fixture: 'delta-kernel/basic-dv-no-checkpoint', expect: CLASSIC },
  {
    name: 'deletion vectors, partitioned',
    fixture: 'delta-golden/dv-partitioned-with-checkpoint',
    expect: CLASSIC,
  },
  { name: 'deletion vectors, many commits', fixture: 'delta-rs/table_with_deletion_logs', expect: CLASSIC },
  {
    name: 'column mapping name',
    fixture: 'delta-golden/table-with-columnmapping-mode-name',
    expect: CLASSIC,
  },
  { name: 'column mapping id', fixture: 'delta-kernel/column-mapping-id', expect: CLASSIC },
  {
    name: 'column mapping + deletion vectors',
    fixture: 'delta-golden/dv-with-columnmapping',
    expect: CLASSIC,
  },
  {
    name: 'V2 checkpoint (UUID-named Parquet)',
    fixture: 'kernel-rs-data/v2-checkpoints-json-without-sidecars',
    expect: { format: 'v2', v2Spec: true },
  },
  {
    name: 'V2 checkpoint (UUID-named JSON with sidecars)',
    fixture: 'kernel-rs-data/v2-checkpoints-parquet-with-sidecars',
    options: { v2FileFormat: 'json', actionsPerSidecar: 40 },
    expect: { format: 'v2', v2Spec: true },
  },
  {
    name: 'V2-spec classic-named checkpoint',
    fixture: 'kernel-rs-data/v2-classic-checkpoint-parquet',
    options: { format: 'classic' },
    expect: { format: 'classic', v2Spec: true },
  },
];

const ENGINES: readonly Engine[] = ['delta-rs', 'spark'];

interface Prepared {
  readonly root: string;
  /** The snapshot replayed from our checkpoint and from the JSON commits, before these were deleted. */
  readonly viaCheckpoint: Observed;
  readonly jsonOnly: Observed;
  readonly before: Record<string, unknown>[];
  readonly result: CheckpointResult;
}

const requireServer = useRefServer();
const prepared = new Map<string, Promise<Prepared>>();
const roots: string[] = [];

afterAll(() => {
  for (const root of roots) removeTemp(join(root, '..'));
});

/** Commits a copy of the latest metaData with `delta.checkpoint.writeStatsAsStruct = true`. */
async function enableStatsAsStruct(storage: LocalStorage): Promise<void> {
  const state = await loadSnapshot(storage);
  const metaData = {
    ...state.metadata,
    configuration: { ...state.metadata.configuration, 'delta.checkpoint.writeStatsAsStruct': 'true' },
  };
  const line = JSON.stringify({ metaData });
  await storage.put(commitKey(state.version + 1), new TextEncoder().encode(`${line}\n`), { ifAbsent: true });
}

/** Deletes every checkpoint except `keep`, every commit before `version`, and `_sidecars/` files not ours. */
async function isolate(root: string, version: number, result: CheckpointResult): Promise<void> {
  const log = join(root, '_delta_log');
  const keep = new Set([result.key, ...result.sidecars].map((k) => k.slice('_delta_log/'.length)));
  for (const name of readdirSync(log)) {
    const m = /^(\d{20})\./.exec(name);
    const v = m?.[1] === undefined ? undefined : Number(m[1]);
    const isCheckpoint = name.includes('.checkpoint.');
    if (keep.has(name)) continue;
    if (v !== undefined && (v < version || isCheckpoint)) rmSync(join(log, name));
  }
  const sidecars = join(log, '_sidecars');
  if (!existsSync(sidecars)) return;
  for (const name of readdirSync(sidecars)) {
    if (!keep.has(`_sidecars/${name}`)) rmSync(join(sidecars, name));
  }
}

type Observed = ReturnType<typeof observe>;

/** What replay decides, order-free (file actions without `dataChange`, which checkpoints reset). */
function observe(state: LogState) {
  return {
    version: state.version,
    files: state.files
      .map((f) =>
        JSON.stringify([f.path, f.deletionVector ?? null, f.size, f.partitionValues, f.stats ?? null]),
      )
      .sort(),
    txns: [...state.txns.entries()].sort(),
    domains: [...state.domainMetadata.entries()].sort(),
    protocol: state.protocol,
    metadata: state.metadata,
  };
}

function prepare(c: Case): Promise<Prepared> {
  let p = prepared.get(c.name);
  if (p === undefined) {
    p = (async () => {
      const root = copyFixture(join(FIXTURES_DIR, c.fixture), c.name.replace(/[^a-z0-9]+/gi, '-'));
      roots.push(root);
      const storage = new LocalStorage(root);
      if (c.statsAsStruct === true) await enableStatsAsStruct(storage);
      const before = await ourRows(root);
      const { replayer, segment: state } = await reconstruct(storage, undefined, {
        files: true,
        tombstones: true,
      });
      const newest = Math.max(0, ...[...replayer.tombstones.values()].map((t) => t.deletionTimestamp ?? 0));
      // A classic checkpoint the fixture already has at this version would win the put-if-absent.
      rmSync(join(root, '_delta_log', `${versionPrefix(state.version)}.checkpoint.parquet`), { force: true });
      const result = await writeCheckpoint(storage, undefined, { now: newest + 3_600_000, ...c.options });
      const viaCheckpoint = observe(await loadSnapshot(storage));
      const jsonOnly = observe(await loadSnapshot(storage, { ignoreCheckpoints: true }));
      await isolate(root, result.version, result);
      return { root, before, result, viaCheckpoint, jsonOnly };
    })();
    prepared.set(c.name, p);
  }
  return p;
}

describe('checkpoints written by delta-ts', () => {
  it('carry remove tombstones in several cases (so the engines read past remove rows)', async () => {
    const withTombstones = [];
    for (const c of CASES) if ((await prepare(c)).result.numOfRemoveFiles > 0) withTombstones.push(c.name);
    expect(withTombstones.length, withTombstones.join(', ')).toBeGreaterThanOrEqual(3);
  });

  for (const c of CASES) {
    describe(c.name, () => {
      it('delta-ts reads the same from the checkpoint as from the JSON log and as before', async () => {
        const { root, before, result, viaCheckpoint: fromOurs, jsonOnly } = await prepare(c);
        expect(fromOurs).toEqual(jsonOnly);
        expect({ format: result.format, v2Spec: result.v2Spec, written: result.written }).toEqual({
          ...c.expect,
          written: true,
        });
        const storage = new LocalStorage(root);
        const listing = await listLog(storage);
        expect(listing.checkpoints.map((cp) => cp.version)).toEqual([result.version]);
        expect(listing.commits[0]?.version).toBe(result.version);
        const viaCheckpoint = await loadSnapshot(storage);
        expect(viaCheckpoint.version).toBe(result.version);
        expect(viaCheckpoint.files).toHaveLength(result.numOfAddFiles);
        const rows = await ourRows(root);
        expect(rows).toHaveLength(before.length);
        const d = diffRows(
          {
            engine: 'delta-ts before',
            fields: viaCheckpoint.schema.fields.map((f) => ({ name: f.name, type: typeToJson(f.type) })),
            rows: before,
          },
          rows,
        );
        expect(d.equal, describeDiff(d, 'delta-ts before the checkpoint')).toBe(true);
      });

      for (const engine of ENGINES) {
        it(`${engine} reads the same rows from the checkpoint alone`, async () => {
          const { root, before } = await prepare(c);
          const ref = await requireServer().read(engine, root);
          const d = diffRows(ref, before);
          expect(d.equal, describeDiff(d, `${ref.engine} reading the checkpoint`)).toBe(true);
        });
      }
    });
  }
});
