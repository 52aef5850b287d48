/**
 * Choosing which log files reconstruct a version (PROTOCOL.md "Checkpoints", "Last Checkpoint
 * File"): the newest complete checkpoint not newer than the target, then every commit after it up
 * to the target. The commits must be contiguous: replaying across a gap would silently produce a
 * table state that never existed, so a gap is an error naming the missing version.
 */
import { DeltaError, isDeltaError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import {
  type CheckpointSet,
  type CommitFile,
  type CompactionFile,
  LAST_CHECKPOINT_KEY,
  LOG_DIR,
  type LogListing,
  commitKey,
  listLog,
  versionPrefix,
} from './listing.js';

/** The files that reconstruct one version. */
export interface LogSegment {
  /** The version the segment reconstructs. */
  readonly version: number;
  /** The checkpoint replay starts from, if any. */
  readonly checkpoint: CheckpointSet | undefined;
  /** Commits after the checkpoint up to and including `version`, contiguous and ascending. */
  readonly commits: readonly CommitFile[];
  /** Non-overlapping compaction files that may replace the commits they cover. */
  readonly compactions: readonly CompactionFile[];
  /** The commit file of `version` itself, when it still exists (its mtime and commitInfo matter). */
  readonly tip: CommitFile | undefined;
}

/** Options of {@link selectSegment}. */
export interface SegmentOptions {
  /** Never start from a checkpoint (tests compare this with checkpoint-based replay). */
  readonly ignoreCheckpoints?: boolean;
  /** Checkpoints already found unreadable, to skip, by the key of their first file. */
  readonly exclude?: ReadonlySet<string>;
  /** Use log compaction files (default true). */
  readonly useCompactions?: boolean;
}

/** The versions a listing can reconstruct: `latest`, and `earliest` unless nothing is replayable. */
export interface VersionRange {
  readonly earliest: number | undefined;
  readonly latest: number;
}

/**
 * The version range of a listing.
 *
 * @throws DeltaError `TableNotFound` when the log holds no commit and no checkpoint.
 */
export function versionRange(listing: LogListing, url: string, options: SegmentOptions = {}): VersionRange {
  const checkpoints = usableCheckpoints(listing, options);
  const lastCommit = listing.commits.at(-1)?.version;
  const lastCheckpoint = checkpoints.at(-1)?.version;
  if (lastCommit === undefined && lastCheckpoint === undefined) {
    throw new DeltaError(
      'TableNotFound',
      `no Delta table at ${url}: _delta_log/ holds no commit and no checkpoint`,
      {
        help: 'check the path; a Delta table has a _delta_log/ folder with 00000000000000000000.json or a checkpoint',
        context: { url },
      },
    );
  }
  const latest = Math.max(lastCommit ?? -1, lastCheckpoint ?? -1);
  const starts = checkpoints.map((c) => c.version);
  if (listing.commits[0]?.version === 0) starts.push(0);
  return { earliest: starts.length > 0 ? Math.min(...starts) : undefined, latest };
}

/** "versions A..B" for messages. */
export function describeRange(range: VersionRange): string {
  return range.earliest === undefined
    ? `no version can be reconstructed (latest file is version ${range.latest})`
    : `available versions are ${range.earliest}..${range.latest}`;
}

/**
 * Selects the segment reconstructing `target` (default: the latest version).
 *
 * @throws DeltaError `TableNotFound` for an empty log; `VersionNotFound` stating the available range
 *   when `target` is outside it; `InvalidLog` naming the first missing commit when the commits after
 *   the chosen checkpoint are not contiguous.
 */
export function selectSegment(
  listing: LogListing,
  url: string,
  target?: number,
  options: SegmentOptions = {},
): LogSegment {
  const range = versionRange(listing, url, options);
  const version = target ?? range.latest;
  if (!Number.isSafeInteger(version) || version < 0 || version > range.latest) {
    throw new DeltaError(
      'VersionNotFound',
      `version ${version} of ${url} does not exist; ${describeRange(range)}`,
      {
        context: { version, earliest: range.earliest, latest: range.latest },
      },
    );
  }
  const checkpoint = usableCheckpoints(listing, options)
    .filter((c) => c.version <= version)
    .at(-1);
  if (!checkpoint && listing.commits[0]?.version !== 0) {
    if (range.earliest !== undefined && version < range.earliest) {
      throw new DeltaError(
        'VersionNotFound',
        `version ${version} of ${url} can no longer be reconstructed (its commits were cleaned up); ${describeRange(range)}`,
        { context: { version, earliest: range.earliest, latest: range.latest } },
      );
    }
    throw new DeltaError(
      'InvalidLog',
      `the log of ${url} has no checkpoint at or before version ${version} and its commit 0 is missing`,
      { context: { version, missing: 0 } },
    );
  }
  const first = checkpoint ? checkpoint.version + 1 : 0;
  const commits = listing.commits.filter((c) => c.version >= first && c.version <= version);
  let expected = first;
  for (const commit of commits) {
    if (commit.version !== expected) throw gap(url, expected, commit.version, checkpoint);
    expected++;
  }
  if (expected !== version + 1) throw gap(url, expected, undefined, checkpoint);
  const tip = listing.commits.find((c) => c.version === version);
  const compactions =
    options.useCompactions === false ? [] : chooseCompactions(listing.compactions, first, version);
  return { version, checkpoint, commits, compactions, tip };
}

function usableCheckpoints(listing: LogListing, options: SegmentOptions): CheckpointSet[] {
  if (options.ignoreCheckpoints === true) return [];
  const exclude = options.exclude;
  return exclude
    ? listing.checkpoints.filter((c) => !exclude.has(checkpointId(c)))
    : [...listing.checkpoints];
}

/** A checkpoint's identity across listings: the key of its first file. */
export function checkpointId(checkpoint: CheckpointSet): string {
  return checkpoint.files[0]?.key ?? `checkpoint ${checkpoint.version}`;
}

function gap(
  url: string,
  missing: number,
  next: number | undefined,
  checkpoint: CheckpointSet | undefined,
): DeltaError {
  const from = checkpoint ? `checkpoint ${checkpoint.version}` : 'the first commit';
  const where = next === undefined ? 'the log ends before it' : `the next commit present is ${next}`;
  return new DeltaError(
    'InvalidLog',
    `the log of ${url} is not contiguous: commit version ${missing} is missing (${where}; replay starts from ${from})`,
    { context: { missing, next } },
  );
}

/**
 * Greedily picks compaction files inside `[first, version - 1]`, the widest at each start. The
 * target's own commit is always read from its JSON file: its `commitInfo` (and in-commit timestamp)
 * is part of the snapshot and compaction drops it.
 */
function chooseCompactions(all: readonly CompactionFile[], first: number, version: number): CompactionFile[] {
  const chosen: CompactionFile[] = [];
  if (all.length === 0) return chosen;
  let next = first;
  for (;;) {
    const candidates = all.filter((c) => c.start === next && c.end < version);
    const widest = candidates.reduce<CompactionFile | undefined>(
      (a, c) => (a && a.end >= c.end ? a : c),
      undefined,
    );
    if (!widest) {
      if (next >= version) return chosen;
      next++;
      continue;
    }
    chosen.push(widest);
    next = widest.end + 1;
  }
}

/**
 * The checkpoint version `_last_checkpoint` points at, or `undefined` when the file is missing,
 * empty, not JSON, or has no valid version: it is only a hint, and a corrupt hint must not make a
 * table unreadable.
 */
export async function readLastCheckpointHint(storage: Storage): Promise<number | undefined> {
  return (await readLastCheckpoint(storage))?.version;
}

/** What `_last_checkpoint` says, as far as it is valid (see {@link readLastCheckpointHint}). */
interface LastCheckpoint {
  readonly version: number;
  /** Whether it describes a single classic Parquet file (no `parts`, no `v2Checkpoint`). */
  readonly singleFile: boolean;
}

async function readLastCheckpoint(storage: Storage): Promise<LastCheckpoint | undefined> {
  let text: string;
  try {
    // One read, no stat first: this runs on every open and every latest-version load.
    text = new TextDecoder().decode(await storage.get(LAST_CHECKPOINT_KEY));
  } catch (err) {
    // Absent (or deleted by a concurrent cleanup): behave as if there were no hint.
    if (isDeltaError(err, 'FileNotFound')) return undefined;
    throw err;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const fields = parsed as Record<string, unknown>;
    const version = fields['version'];
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) return undefined;
    const parts = fields['parts'];
    const singleFile =
      (parts === undefined || parts === null || parts === 1) && fields['v2Checkpoint'] == null;
    return { version, singleFile };
  } catch {
    return undefined;
  }
}

/**
 * Whether the `_last_checkpoint` hint names a version whose commit or single-file checkpoint
 * exists: proof that the log has an entry for the price of one small read and one stat, where a
 * listing of a log of thousands of files reads and sorts the whole directory (~15 ms for 10,000
 * commits on a local disk). `false` means "not proven", not "absent".
 */
export async function hintedLogEntryExists(storage: Storage): Promise<boolean> {
  const hint = await readLastCheckpointHint(storage);
  if (hint === undefined) return false;
  for (const key of [commitKey(hint), classicCheckpointKey(hint)])
    if ((await storage.head(key)) !== undefined) return true;
  return false;
}

/**
 * Lists the log for loading the latest version: from the `_last_checkpoint` hint when it points at a
 * complete checkpoint that the listing confirms, else from the start. Returns whether the listing
 * is partial (it then lacks versions before the hint). `onHint` is called with the hinted version
 * of a single-file checkpoint and awaited before listing starts, so the caller can fetch that
 * checkpoint first and decode it while the listing waits on the store.
 */
export async function listForLatest(
  storage: Storage,
  onHint?: (version: number) => Promise<void>,
): Promise<{ listing: LogListing; partial: boolean }> {
  const last = await readLastCheckpoint(storage);
  if (last !== undefined && last.version > 0) {
    const hint = last.version;
    // Only a single-file checkpoint can be fetched by name: for multi-part and V2 checkpoints an
    // early read would only cost a failed request.
    if (last.singleFile) await onHint?.(hint);
    const listing = await listLog(storage, hint);
    if (listing.checkpoints.some((c) => c.version === hint)) return { listing, partial: true };
  }
  return { listing: await listLog(storage), partial: false };
}

/** The key of the classic single-file checkpoint of `version`. */
export function classicCheckpointKey(version: number): string {
  return `${LOG_DIR}${versionPrefix(version)}.checkpoint.parquet`;
}
