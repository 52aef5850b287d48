/**
 * Reconstructing one version of the log: list, select a segment, read the checkpoint, apply the
 * commits, and fall back to an older checkpoint when the chosen one cannot be read.
 *
 * The fallback exists because checkpoints are written after their commit and non-atomically (a
 * writer may die half-way, a multi-part set may be torn). It is only taken when the older route is
 * complete: if the commits before an unreadable checkpoint were cleaned up, the error names the
 * unreadable file instead of replaying a truncated log.
 */
import { DeltaError, isDeltaError } from '../errors.js';
import type { Action, CommitInfo } from '../protocol/actions.js';
import type { Storage } from '../storage/storage.js';
import { readCheckpoint } from './checkpoint.js';
import { type CheckpointSet, type LogListing, listLog } from './listing.js';
import { FILE_ACTION_LINE, parseActions } from './ndjson.js';
import { LogReplayer } from './replay.js';
import {
  type LogSegment,
  checkpointId,
  classicCheckpointKey,
  listForLatest,
  selectSegment,
} from './segment.js';

/** Options of {@link reconstruct}. */
export interface ReconstructOptions {
  /** Track file actions (false: protocol, metadata, txns and domains only). */
  readonly files: boolean;
  /** Keep `remove` tombstones too (see `ReplayOptions.tombstones`). */
  readonly tombstones?: boolean;
  /** Replay from commits only, ignoring every checkpoint (for tests comparing both routes). */
  readonly ignoreCheckpoints?: boolean;
  /** Use log compaction files where they fit (default true). */
  readonly useCompactions?: boolean;
  /** A listing already made (from the start) by the caller, to avoid listing twice. */
  readonly listing?: LogListing;
}

/** A replayed segment. */
export interface Reconstructed {
  readonly segment: LogSegment;
  readonly replayer: LogReplayer;
  /** The `commitInfo` of the segment's version, when its commit file has one. */
  readonly commitInfo: CommitInfo | undefined;
}

/** How many log files are fetched ahead of the one being applied (hides object-store latency). */
const PREFETCH = 8;

/**
 * Replays the log up to `version` (default: latest).
 *
 * @throws DeltaError as {@link selectSegment} does; `CorruptLog` for an unparsable commit;
 *   `InvalidLog` naming the unreadable checkpoint when no complete older route exists.
 */
export async function reconstruct(
  storage: Storage,
  version: number | undefined,
  options: ReconstructOptions,
): Promise<Reconstructed> {
  let listing: LogListing;
  let partial = false;
  let early: EarlyCheckpoint | undefined;
  if (options.listing) listing = options.listing;
  else if (version === undefined && options.ignoreCheckpoints !== true)
    ({ listing, partial } = await listForLatest(storage, async (hint) => {
      early = readEarly(storage, hint, options);
      await early.fetched;
    }));
  else listing = await listLog(storage);
  const exclude = new Set<string>();
  for (;;) {
    const segment = selectSegment(listing, storage.url, version, { ...options, exclude });
    const result = await replaySegment(storage, segment, options, early);
    early = undefined;
    if (result.ok) return result.value;
    const failed = segment.checkpoint ? checkpointId(segment.checkpoint) : '';
    if (partial) {
      listing = await listLog(storage);
      partial = false;
    }
    exclude.add(failed);
    try {
      selectSegment(listing, storage.url, version, { ...options, exclude });
    } catch (err) {
      throw new DeltaError(
        'InvalidLog',
        `checkpoint ${failed} of version ${segment.checkpoint?.version ?? '?'} cannot be read and the log cannot be replayed without it: ${result.error.message}`,
        {
          cause: result.error,
          context: { file: failed, version: segment.checkpoint?.version },
          help: `restore ${failed}, or the commits it replaced; the other route failed with: ${err instanceof Error ? err.message : String(err)}`,
        },
      );
    }
  }
}

type ReplayResult = { ok: true; value: Reconstructed } | { ok: false; error: DeltaError };

/**
 * The classic checkpoint `_last_checkpoint` names, read before the log is listed and decoded while
 * the listing waits on the store: listing a log of thousands of commits takes several milliseconds
 * in which the main thread would otherwise sit idle, and fetching the file before the listing
 * starts keeps its reads from queueing behind the directory scan. The actions are only used when
 * the listing then selects exactly that file; any failure here is dropped, and the regular read
 * reports it.
 */
interface EarlyCheckpoint {
  readonly key: string;
  /** Settles once the file is fetched (or failed to be), before decoding starts. */
  readonly fetched: Promise<unknown>;
  readonly actions: Promise<Action[] | undefined>;
}

function readEarly(storage: Storage, version: number, options: ReconstructOptions): EarlyCheckpoint {
  const key = classicCheckpointKey(version);
  const set: CheckpointSet = { version, format: 'classic', files: [{ key, size: 0, lastModified: 0 }] };
  const bytes = storage.get(key);
  const fetched = bytes.catch(() => undefined);
  const decode = async (): Promise<Action[]> => {
    const preloaded = new Map([[key, await bytes]]);
    // A macrotask later, so the listing has issued its first request before decoding blocks.
    await new Promise((resolve) => setImmediate(resolve));
    const actions: Action[] = [];
    await readCheckpoint(
      storage,
      set,
      { files: options.files, removes: options.tombstones, preloaded },
      (a) => actions.push(a),
    );
    return actions;
  };
  return { key, fetched, actions: decode().catch(() => undefined) };
}

async function replaySegment(
  storage: Storage,
  segment: LogSegment,
  options: ReconstructOptions,
  early?: EarlyCheckpoint,
): Promise<ReplayResult> {
  const replayer = new LogReplayer({
    tableUrl: storage.url,
    files: options.files,
    tombstones: options.tombstones,
  });
  let commitInfo: CommitInfo | undefined;
  const skip = options.files ? undefined : FILE_ACTION_LINE;
  // The first commits are fetched while the checkpoint is applied, not after it.
  const fetches = prefetch(plan(segment), PREFETCH, async (s) => ({
    step: s,
    bytes: await fetch(storage, s.key, s.version),
  }));
  const head = fetches.next();
  head.catch(() => undefined); // awaited below, or abandoned with the segment
  try {
    const checkpoint = segment.checkpoint;
    const only = checkpoint?.files.length === 1 ? checkpoint.files[0] : undefined;
    const decoded = early !== undefined && only?.key === early.key ? await early.actions : undefined;
    if (checkpoint && decoded) {
      try {
        for (const a of decoded) replayer.apply(a, checkpoint.version);
      } catch {
        // The regular read wraps such a failure (and may choose another route): take that path.
        return await replaySegment(storage, segment, options);
      }
    } else if (checkpoint) {
      try {
        await readCheckpoint(
          storage,
          checkpoint,
          { files: options.files, removes: options.tombstones },
          (a) => replayer.apply(a, checkpoint.version),
        );
      } catch (err) {
        // Only a file that cannot be read or decoded is worth another route; a checkpoint that reads
        // fine but lacks protocol or metadata is an invalid table, reported as such below.
        if (isDeltaError(err, 'CorruptLog')) return { ok: false, error: err };
        throw err;
      }
    }
    for (let next = await head; next.done !== true; next = await fetches.next()) {
      const { step, bytes } = next.value;
      if (step.kind === 'compaction') {
        const actions: Action[] = [];
        parseActions(bytes, { file: step.key }, (a) => actions.push(a), skip);
        replayer.applyCompaction(actions, step.version);
        continue;
      }
      const atTip = step.version === segment.version;
      parseActions(
        bytes,
        { file: step.key, version: step.version },
        (a) => {
          if (a.commitInfo) {
            if (atTip && commitInfo === undefined) commitInfo = a.commitInfo;
          } else replayer.apply(a, step.version);
        },
        skip,
      );
    }
  } finally {
    // Early exits leave fetches in flight; closing waits for the one under way and drops the rest.
    await fetches.return(undefined).catch(() => undefined);
  }
  return { ok: true, value: { segment, replayer, commitInfo } };
}

interface Step {
  readonly kind: 'commit' | 'compaction';
  readonly key: string;
  /** The commit version, or the last version a compaction covers. */
  readonly version: number;
}

/** Commits in order, with runs covered by a chosen compaction file replaced by that file. */
function plan(segment: LogSegment): Step[] {
  const steps: Step[] = [];
  const byStart = new Map(segment.compactions.map((c) => [c.start, c]));
  let skipThrough = -1;
  for (const commit of segment.commits) {
    if (commit.version <= skipThrough) continue;
    const compaction = byStart.get(commit.version);
    if (compaction) {
      steps.push({ kind: 'compaction', key: compaction.meta.key, version: compaction.end });
      skipThrough = compaction.end;
    } else steps.push({ kind: 'commit', key: commit.meta.key, version: commit.version });
  }
  return steps;
}

async function fetch(storage: Storage, key: string, version: number): Promise<Uint8Array> {
  try {
    return await storage.get(key);
  } catch (err) {
    if (isDeltaError(err, 'FileNotFound')) {
      throw new DeltaError(
        'InvalidLog',
        `commit file ${key} (version ${version}) disappeared while the log was read`,
        {
          cause: err,
          retriable: true,
          context: { file: key, version },
        },
      );
    }
    throw err;
  }
}

/**
 * Maps `items` through `fn` with up to `limit` calls in flight, yielding results in input order.
 * Rejections of calls not yet awaited are held (not reported as unhandled) until their turn.
 */
export async function* prefetch<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const pending: Array<Promise<R>> = [];
  let next = 0;
  const launch = (): void => {
    // Callers only launch while next < items.length, so the element exists.
    const p = fn(items[next++] as T);
    p.catch(() => undefined);
    pending.push(p);
  };
  while (pending.length < limit && next < items.length) launch();
  for (;;) {
    const p = pending.shift();
    if (!p) return;
    const value = await p;
    if (next < items.length) launch();
    yield value;
  }
}
