/**
 * Commit timestamps and time travel by time (PROTOCOL.md "In-Commit Timestamps").
 *
 * Without in-commit timestamps (ICT) a commit's time is its file's modification time, which copying
 * a table or clock skew can change; with ICT it is `commitInfo.inCommitTimestamp`, written by the
 * committer and monotonic from the enablement version on. A table may enable ICT late, so versions
 * before `delta.inCommitTimestampEnablementVersion` keep using file times.
 */
import { DeltaError } from '../errors.js';
import type { CommitInfo, Metadata } from '../protocol/actions.js';
import type { Storage } from '../storage/storage.js';
import type { CommitFile, LogListing } from './listing.js';
import { parseActions } from './ndjson.js';
import { reconstruct } from './reconstruct.js';
import { versionRange } from './segment.js';

/**
 * The first version whose timestamp is its in-commit timestamp, or `undefined` when ICT is off.
 * ICT enabled at table creation carries no enablement version: every version uses ICT.
 *
 * @throws DeltaError `InvalidLog` when the enablement version property is not an integer.
 */
export function ictEnablementVersion(metadata: Metadata): number | undefined {
  const config = metadata.configuration;
  if (config['delta.enableInCommitTimestamps']?.toLowerCase() !== 'true') return undefined;
  const raw = config['delta.inCommitTimestampEnablementVersion'];
  if (raw === undefined) return 0;
  const version = Number(raw);
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new DeltaError(
      'InvalidLog',
      `delta.inCommitTimestampEnablementVersion is not a version: ${JSON.stringify(raw)}`,
      {
        context: { field: 'metaData.configuration.delta.inCommitTimestampEnablementVersion' },
      },
    );
  }
  return version;
}

const COMMIT_INFO_LINE = /^\s*\{\s*"commitInfo"\s*:/;

/**
 * The `commitInfo` of a commit file, or `undefined`. Only lines that start with a `commitInfo` key
 * are parsed, so reading history does not decode every `add` of a large commit.
 *
 * @throws DeltaError `CorruptLog` naming the file, version and line when that line is not JSON.
 */
export async function readCommitInfo(storage: Storage, commit: CommitFile): Promise<CommitInfo | undefined> {
  let info: CommitInfo | undefined;
  const source = { file: commit.meta.key, version: commit.version };
  parseActions(
    await storage.get(commit.meta.key),
    source,
    (action) => {
      info ??= action.commitInfo;
    },
    undefined,
    COMMIT_INFO_LINE,
  );
  return info;
}

/** A commit's timestamp: its in-commit timestamp when it has one, else its file's mtime. */
export function commitTimestamp(commit: CommitFile, info: CommitInfo | undefined): number {
  return typeof info?.inCommitTimestamp === 'number' ? info.inCommitTimestamp : commit.meta.lastModified;
}

/**
 * The latest version whose commit timestamp is at or before `at` (ms since the epoch).
 *
 * ICT versions are searched by bisection (their timestamps are monotonic, and each probe reads a
 * commit file); earlier versions by their listed mtimes.
 *
 * @throws DeltaError `VersionNotFound` naming the earliest commit time when `at` precedes it.
 */
export async function versionAtTimestamp(storage: Storage, listing: LogListing, at: number): Promise<number> {
  versionRange(listing, storage.url);
  const latest = await reconstruct(storage, undefined, { files: false, listing });
  const { metadata } = latest.replayer.requireProtocolAndMetadata(latest.segment.version);
  const enabledFrom = ictEnablementVersion(metadata) ?? Number.POSITIVE_INFINITY;
  const commits = listing.commits;
  const ictCommits = commits.filter((c) => c.version >= enabledFrom);
  const ictOf = async (c: CommitFile): Promise<number> => {
    const info = await readCommitInfo(storage, c);
    if (typeof info?.inCommitTimestamp !== 'number') {
      throw new DeltaError(
        'InvalidLog',
        `in-commit timestamps are enabled since version ${enabledFrom} but ${c.meta.key} has no commitInfo.inCommitTimestamp`,
        { context: { file: c.meta.key, version: c.version } },
      );
    }
    return info.inCommitTimestamp;
  };
  const firstIct = ictCommits[0];
  if (firstIct && (await ictOf(firstIct)) <= at) {
    let lo = 0;
    let hi = ictCommits.length - 1;
    // Invariant: ictCommits[lo] is at or before `at`.
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const c = ictCommits[mid];
      if (c && (await ictOf(c)) <= at) lo = mid;
      else hi = mid - 1;
    }
    const found = ictCommits[lo];
    if (found) return found.version;
  }
  for (let i = commits.length - 1; i >= 0; i--) {
    const c = commits[i];
    if (c && c.version < enabledFrom && c.meta.lastModified <= at) return c.version;
  }
  const first = commits[0];
  if (!first) {
    throw new DeltaError(
      'VersionNotFound',
      `${storage.url} has no commit files left to resolve a timestamp against`,
    );
  }
  const earliest = first.version >= enabledFrom ? await ictOf(first) : first.meta.lastModified;
  throw new DeltaError(
    'VersionNotFound',
    `no version of ${storage.url} was committed at or before ${new Date(at).toISOString()}; the earliest commit (version ${first.version}) is at ${new Date(earliest).toISOString()}`,
    { context: { timestamp: at, earliestTimestamp: earliest, earliestVersion: first.version } },
  );
}
