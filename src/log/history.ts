/**
 * Per-commit access to the log: one commit's actions (change data feed), the list of commits with
 * their provenance (history), and the range of versions that can be reconstructed (time travel).
 */
import { DeltaError } from '../errors.js';
import type { Action, CommitInfo } from '../protocol/actions.js';
import { checkReadSupported } from '../protocol/features.js';
import type { Storage } from '../storage/storage.js';
import { type CommitFile, commitKey, listLog } from './listing.js';
import { parseActionList } from './ndjson.js';
import { prefetch, reconstruct } from './reconstruct.js';
import { describeRange, versionRange } from './segment.js';
import { commitTimestamp, readCommitInfo } from './timestamps.js';

/** One commit, as read by {@link readCommit}. */
export interface CommitRecord {
  readonly version: number;
  /** In-commit timestamp when the commit has one, else the file's mtime. */
  readonly timestamp: number;
  /** Every action in file order, `commitInfo` included. */
  readonly actions: Action[];
}

/** One entry of {@link readHistory}. */
export interface HistoryEntry {
  readonly version: number;
  readonly timestamp: number;
  readonly commitInfo: CommitInfo | undefined;
}

/**
 * Reads the actions of the commit file of `version`.
 *
 * Any `protocol` action inside the commit is checked with `checkReadSupported`: a change data feed
 * must not read past an upgrade to features this build does not implement. (The table's protocol
 * as of earlier versions is checked when the caller loads its snapshot.)
 *
 * @throws DeltaError `VersionNotFound` with the range of commit files present when there is no
 *   commit file for `version`; `CorruptLog` naming the line of a bad action.
 */
export async function readCommit(storage: Storage, version: number): Promise<CommitRecord> {
  const key = commitKey(version);
  const meta = Number.isSafeInteger(version) && version >= 0 ? await storage.head(key) : undefined;
  if (!meta) {
    const listing = await listLog(storage);
    const range = versionRange(listing, storage.url);
    const first = listing.commits[0]?.version;
    const last = listing.commits.at(-1)?.version;
    const present =
      first === undefined || last === undefined
        ? 'no commit files remain'
        : `commit files exist for versions ${first}..${last}`;
    throw new DeltaError(
      'VersionNotFound',
      `${storage.url} has no commit file for version ${version}: ${present}; ${describeRange(range)}`,
      {
        context: { version, earliest: first, latest: last },
      },
    );
  }
  const actions = parseActionList(await storage.get(key), { file: key, version });
  let info: CommitInfo | undefined;
  for (const action of actions) {
    if (action.protocol) checkReadSupported(action.protocol);
    if (action.commitInfo && info === undefined) info = action.commitInfo;
  }
  return { version, timestamp: commitTimestamp({ version, meta }, info), actions };
}

/**
 * The commits whose files still exist, newest first, with their `commitInfo` and timestamp.
 * The table's current protocol is checked first, so history of an unreadable table is refused with
 * the same error as a read.
 *
 * @param options.limit at most this many entries (a positive integer).
 * @throws DeltaError `TableNotFound`, `InvalidArgument` for a bad limit, `UnsupportedFeature`.
 */
export async function readHistory(
  storage: Storage,
  options: { limit?: number } = {},
): Promise<HistoryEntry[]> {
  const limit = options.limit;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw new DeltaError('InvalidArgument', `history limit must be a positive integer, got ${limit}`);
  }
  const listing = await listLog(storage);
  await checkLatestProtocol(storage, listing);
  const commits = [...listing.commits].reverse().slice(0, limit);
  const out: HistoryEntry[] = [];
  for await (const entry of prefetch(commits, 8, async (c: CommitFile) => {
    const commitInfo = await readCommitInfo(storage, c);
    return { version: c.version, timestamp: commitTimestamp(c, commitInfo), commitInfo };
  })) {
    out.push(entry);
  }
  return out;
}

/**
 * The range of versions that can be reconstructed: `earliest` is the oldest checkpoint or commit 0
 * replay can start from, `latest` the newest version present.
 *
 * @throws DeltaError `TableNotFound`; `InvalidLog` when no version can be reconstructed at all;
 *   `UnsupportedFeature` when the table's current protocol is not supported.
 */
export async function listVersions(storage: Storage): Promise<{ earliest: number; latest: number }> {
  const listing = await listLog(storage);
  const range = versionRange(listing, storage.url);
  if (range.earliest === undefined) {
    throw new DeltaError(
      'InvalidLog',
      `${storage.url}: ${describeRange(range)}: commit 0 and every checkpoint are missing`,
      {
        context: { latest: range.latest },
      },
    );
  }
  await checkLatestProtocol(storage, listing);
  return { earliest: range.earliest, latest: range.latest };
}

async function checkLatestProtocol(
  storage: Storage,
  listing: Awaited<ReturnType<typeof listLog>>,
): Promise<void> {
  // Only the protocol gates reading; a malformed metaData must not hide the history that explains it.
  const latest = await reconstruct(storage, undefined, { files: false, listing });
  const protocol = latest.replayer.protocol;
  if (!protocol) {
    throw new DeltaError(
      'InvalidLog',
      `the log up to version ${latest.segment.version} holds no protocol action`,
      {
        context: { version: latest.segment.version, missing: 'protocol' },
      },
    );
  }
  checkReadSupported(protocol.value);
}
