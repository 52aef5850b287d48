/**
 * Log replay against real tables written by Spark, Delta Kernel and delta-rs. Expected file counts
 * come from the tables' own `.crc` version checksums where present, else from delta-rs (checked
 * with `.venv-ref`), noted per row.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeltaError, type DeltaErrorCode } from '../errors.js';
import type { Add } from '../protocol/actions.js';
import { LocalStorage } from '../storage/local.js';
import { listLog } from './listing.js';
import { listVersions, readHistory } from './history.js';
import { type LogState, loadSnapshot } from './snapshot.js';
import { rejection as failure } from '../test-errors.js';

const ROOT = join(import.meta.dirname, '../../../shared/delta-fixtures');
const HAVE_FIXTURES = existsSync(ROOT);

/** The table root of a fixture: kernel-rs golden tables keep it in `delta/`. */
function tableDir(rel: string): string {
  const dir = join(ROOT, rel);
  return existsSync(join(dir, 'delta')) ? join(dir, 'delta') : dir;
}

const open = (rel: string) => new LocalStorage(tableDir(rel));

/** [table, version, live files] — counts confirmed with delta-rs (`DeltaTable(p).file_uris()`). */
const LOADS: Array<[string, number, number]> = [
  ['kernel-rs-golden/checkpoint', 14, 1],
  ['kernel-rs-golden/multi-part-checkpoint', 1, 10],
  ['kernel-rs-golden/v2-checkpoint-json', 2, 4],
  ['kernel-rs-golden/v2-checkpoint-parquet', 2, 4],
  ['kernel-rs-golden/corrupted-last-checkpoint-kernel', 11, 2],
  ['kernel-rs-golden/only-checkpoint-files', 2, 7],
  ['kernel-rs-golden/log-replay-dv-key-cases', 3, 1],
  ['kernel-rs-golden/log-replay-latest-metadata-protocol', 2, 4],
  ['kernel-rs-golden/log-replay-special-characters', 1, 0],
  ['kernel-rs-golden/log-replay-special-characters-a', 1, 0],
  ['kernel-rs-golden/log-replay-special-characters-b', 0, 1],
  ['kernel-rs-golden/dv-partitioned-with-checkpoint', 15, 15],
  ['kernel-rs-data/v2-checkpoints-json-with-sidecars', 6, 101],
  ['kernel-rs-data/v2-checkpoints-parquet-with-sidecars', 6, 101],
  ['kernel-rs-data/v2-checkpoints-json-without-sidecars', 2, 3],
  ['kernel-rs-data/v2-checkpoints-parquet-without-sidecars', 2, 3],
  ['kernel-rs-data/v2-checkpoints-json-with-last-checkpoint', 0, 2],
  ['kernel-rs-data/v2-classic-checkpoint-json', 1, 4],
  ['kernel-rs-data/v2-classic-checkpoint-parquet', 1, 4],
  ['kernel-rs-data/compacted-log-files-table', 25, 2],
  ['delta-rs/checkpoints', 12, 12],
  ['delta-rs/checkpoints_vacuumed', 12, 12],
  ['delta-rs/checkpoint-v2-table', 9, 8],
  ['delta-rs/with_checkpoint_no_last_checkpoint', 3, 1],
  ['delta-rs/table_failed_last_checkpoint_update', 3, 4],
  ['delta-rs/latest_not_checkpointed', 3, 1],
  ['delta-rs/simple_table_with_checkpoint', 10, 11],
  ['delta-rs/table-with-domain-metadata', 108, 109],
  ['delta-rs/delta-0.2.0', 3, 3],
  ['delta-rs-err-logs/table_a', 13, 130],
  ['delta-rs-err-logs/table_b', 13, 130],
  ['delta-rs-err-logs/table_g', 9999, 100],
];

/** The canonicalized-paths tables remove with another spelling of the added path: nothing is left. */
const CANONICALIZED = ['normal-a', 'normal-b', 'special-a', 'special-b'].map(
  (s) => `kernel-rs-golden/canonicalized-paths-${s}`,
);

/** [table, error code, text the message must contain]. */
const FAILS: Array<[string, DeltaErrorCode, string]> = [
  ['kernel-rs-golden/no-delta-log-folder', 'TableNotFound', 'no commit'],
  ['kernel-rs-golden/versions-not-contiguous', 'InvalidLog', 'commit version 1 is missing'],
  ['kernel-rs-golden/deltalog-invalid-protocol-version', 'UnsupportedFeature', 'reader version 99'],
  ['kernel-rs-golden/deltalog-state-reconstruction-without-metadata', 'InvalidLog', 'metaData'],
  ['kernel-rs-golden/deltalog-state-reconstruction-without-protocol', 'InvalidLog', 'protocol'],
  [
    'kernel-rs-golden/deltalog-state-reconstruction-from-checkpoint-missing-metadata',
    'InvalidLog',
    'metaData',
  ],
  [
    'kernel-rs-golden/deltalog-state-reconstruction-from-checkpoint-missing-protocol',
    'InvalidLog',
    'protocol',
  ],
  ['delta-rs-err-logs/table_c', 'InvalidLog', 'commit version 12 is missing'],
  ['delta-rs-err-logs/table_d', 'UnsupportedFeature', 'catalogOwned'],
  ['delta-rs/simple_table_features', 'UnsupportedFeature', 'reader version 5'],
  ['kernel-rs-data/unshredded-variant', 'UnsupportedFeature', 'variantType-preview'],
];

/**
 * What replay must preserve of an Add. Nulls are dropped (a checkpoint omits what JSON spells
 * null). Statistics compare as parsed JSON, taken from `stats_parsed` when a checkpoint keeps only
 * that. Left out: `dataChange` (checkpoint writers legitimately store false) and
 * `partitionValues_parsed` (a checkpoint-only typed copy).
 */
function fileView(add: Add): unknown {
  const { partitionValues, stats, stats_parsed: statsParsed, dataChange: _dataChange, ...withParsed } = add;
  const {
    partitionValues_parsed: _pv,
    tags,
    ...rest
  } = withParsed as typeof withParsed & {
    partitionValues_parsed?: unknown;
  };
  // An empty tag map and no tags are the same thing; writers differ in which they store.
  if (tags && Object.keys(tags).length > 0) Object.assign(rest, { tags });
  const drop = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(drop)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([, x]) => x !== null)
              .map(([k, x]) => [k, drop(x)]),
          )
        : v;
  return {
    ...(drop(rest) as object),
    partitionValues,
    stats: typeof stats === 'string' ? JSON.parse(stats) : (drop(statsParsed) ?? undefined),
  };
}

function view(s: LogState) {
  return {
    version: s.version,
    files: s.files.map(fileView).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
    txns: [...s.txns.entries()].sort(),
    domains: [...s.domainMetadata.entries()].sort(),
    protocol: s.protocol,
    schema: s.schema,
    partitionColumns: s.metadata.partitionColumns,
    configuration: s.metadata.configuration,
  };
}

/** Every fixture table whose log still holds every commit from 0 on, and also a checkpoint. */
function tablesWithCheckpointAndAllCommits(): string[] {
  const out: string[] = [];
  for (const group of [
    'kernel-rs-golden',
    'kernel-rs-data',
    'delta-rs',
    'delta-kernel',
    'delta-rs-err-logs',
  ]) {
    for (const name of readdirSync(join(ROOT, group))) {
      const log = join(tableDir(`${group}/${name}`), '_delta_log');
      if (!existsSync(log)) continue;
      const files = readdirSync(log);
      const commits = files.filter((f) => /^\d{20}\.json$/.test(f)).map((f) => Number(f.slice(0, 20)));
      const contiguous = commits.length > 0 && Math.max(...commits) === commits.length - 1;
      if (contiguous && files.some((f) => f.includes('.checkpoint.'))) {
        out.push(`${group}/${name}`);
      }
    }
  }
  return out;
}

describe.skipIf(!HAVE_FIXTURES)('fixture tables', () => {
  it.each(LOADS)('%s loads version %i with %i files', async (rel, version, files) => {
    const state = await loadSnapshot(open(rel));
    expect(state.version).toBe(version);
    expect(state.files).toHaveLength(files);
    const crc = join(tableDir(rel), '_delta_log', `${String(version).padStart(20, '0')}.crc`);
    if (existsSync(crc))
      expect((JSON.parse(readFileSync(crc, 'utf8')) as { numFiles: number }).numFiles).toBe(files);
  });

  it.each(CANONICALIZED)('%s matches spellings of one path', async (rel) => {
    expect((await loadSnapshot(open(rel))).files).toEqual([]);
  });

  it.each(FAILS)('%s fails with %s', async (rel, code, text) => {
    const err = await failure(loadSnapshot(open(rel)));
    expect(err.code).toBe(code);
    expect(err.message).toContain(text);
  });

  it('agrees with every .crc numFiles at every version it can reconstruct', async () => {
    let checked = 0;
    for (const group of ['kernel-rs-golden', 'kernel-rs-data', 'delta-rs', 'delta-kernel']) {
      for (const name of readdirSync(join(ROOT, group))) {
        const log = join(tableDir(`${group}/${name}`), '_delta_log');
        if (!existsSync(log)) continue;
        for (const f of readdirSync(log).filter((n) => /^\d{20}\.crc$/.test(n))) {
          const numFiles = (JSON.parse(readFileSync(join(log, f), 'utf8')) as { numFiles?: number }).numFiles;
          if (numFiles === undefined) continue;
          const state = await loadSnapshot(open(`${group}/${name}`), {
            version: Number(f.slice(0, 20)),
          }).catch((err: unknown) => err);
          if (state instanceof DeltaError && state.code === 'UnsupportedFeature') continue;
          expect((state as LogState).files, `${group}/${name} ${f}`).toHaveLength(numFiles);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('replays every version the same from checkpoints and from JSON commits only', async () => {
    const tables = tablesWithCheckpointAndAllCommits();
    expect(tables.length).toBeGreaterThan(20);
    let compared = 0;
    for (const rel of tables) {
      const storage = open(rel);
      const listing = await listLog(storage);
      const first = listing.checkpoints[0]?.version ?? 0;
      const last = listing.commits.at(-1)?.version ?? 0;
      for (let v = first; v <= last; v++) {
        const withCp = await loadSnapshot(storage, { version: v }).catch((e: unknown) => e);
        const jsonOnly = await loadSnapshot(storage, { version: v, ignoreCheckpoints: true }).catch(
          (e: unknown) => e,
        );
        if (withCp instanceof DeltaError || jsonOnly instanceof DeltaError) {
          // Both routes must agree on refusing (unsupported features, missing metadata…).
          expect((withCp as DeltaError).code, `${rel}@${v}`).toBe((jsonOnly as DeltaError).code);
          continue;
        }
        expect(view(withCp as LogState), `${rel}@${v}`).toEqual(view(jsonOnly as LogState));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(30);
  });

  it('loads the 300k-file log in a few seconds with partition values intact', async () => {
    const start = performance.now();
    const state = await loadSnapshot(open('kernel-rs-data/300k-add-files-100-col-partitioned'));
    const seconds = (performance.now() - start) / 1000;
    expect(state.files).toHaveLength(300_000);
    expect(new Set(state.files.map((f) => f.path)).size).toBe(300_000);
    expect(
      state.files.every(
        (f) => Object.keys(f.partitionValues).length === state.metadata.partitionColumns.length,
      ),
    ).toBe(true);
    expect(seconds).toBeLessThan(8);
  }, 60_000);

  it('reports history and the reconstructable range of a checkpointed table', async () => {
    const storage = open('delta-rs/checkpoints_vacuumed');
    const range = await listVersions(storage);
    expect(range.latest).toBe(12);
    const history = await readHistory(storage);
    expect(history[0]?.version).toBe(12);
    expect(history.every((h, i) => i === 0 || (history[i - 1]?.version ?? 0) > h.version)).toBe(true);
    expect(range.earliest).toBeLessThanOrEqual(history.at(-1)?.version ?? Infinity);
  });
});
