/**
 * Listing `_delta_log/` and classifying its file names (PROTOCOL.md "Delta Table Specification").
 *
 * The log directory holds commits, three kinds of checkpoints, log compaction files, the
 * `_last_checkpoint` hint, `.crc` version checksums and whatever temp files writers leave behind.
 * Only the first four matter for replay; everything else is ignored here so that a stray file can
 * never be mistaken for a commit. Names are matched exactly (20-digit versions, 10-digit part
 * numbers), because a near-miss like `0001.json` is not part of the protocol.
 */
import type { ObjectMeta, Storage } from '../storage/storage.js';

/** The log directory, relative to the table root. */
export const LOG_DIR = '_delta_log/';
/** Where V2 checkpoints keep their sidecar files. */
export const SIDECAR_DIR = '_delta_log/_sidecars/';
/** The `_last_checkpoint` hint file. */
export const LAST_CHECKPOINT_KEY = '_delta_log/_last_checkpoint';

/** Zero-pads a version to the 20 digits the log uses in file names. */
export function versionPrefix(version: number): string {
  return String(version).padStart(20, '0');
}

/** The key of the commit file of `version`. */
export function commitKey(version: number): string {
  return `${LOG_DIR}${versionPrefix(version)}.json`;
}

/** What a file name in `_delta_log/` means. */
export type LogFileName =
  | { readonly type: 'commit'; readonly version: number }
  | { readonly type: 'checkpoint'; readonly version: number; readonly format: 'classic' }
  | {
      readonly type: 'checkpoint';
      readonly version: number;
      readonly format: 'multipart';
      readonly part: number;
      readonly parts: number;
    }
  | {
      readonly type: 'checkpoint';
      readonly version: number;
      readonly format: 'v2';
      readonly uuid: string;
      readonly ext: 'json' | 'parquet';
    }
  | { readonly type: 'compaction'; readonly start: number; readonly end: number }
  | { readonly type: 'lastCheckpoint' };

const COMMIT = /^(\d{20})\.json$/;
const CLASSIC = /^(\d{20})\.checkpoint\.parquet$/;
const MULTIPART = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const V2 =
  /^(\d{20})\.checkpoint\.([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\.(json|parquet)$/;
const COMPACTION = /^(\d{20})\.(\d{20})\.compacted\.json$/;

/**
 * Classifies a file name (the part after `_delta_log/`), or returns `undefined` for files replay
 * ignores (`.crc`, temp files, unknown names, anything in a subdirectory). A multi-part name with
 * part 0, part > parts, or a single "part" is not a valid part name and is ignored too, as is a
 * compaction whose end is not after its start (the protocol requires `y > x`).
 */
export function parseLogFileName(name: string): LogFileName | undefined {
  if (name === '_last_checkpoint') return { type: 'lastCheckpoint' };
  let m = COMMIT.exec(name);
  if (m?.[1] !== undefined) return { type: 'commit', version: Number(m[1]) };
  m = CLASSIC.exec(name);
  if (m?.[1] !== undefined) return { type: 'checkpoint', version: Number(m[1]), format: 'classic' };
  m = MULTIPART.exec(name);
  if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined) {
    const part = Number(m[2]);
    const parts = Number(m[3]);
    if (part < 1 || part > parts || parts < 2) return undefined;
    return { type: 'checkpoint', version: Number(m[1]), format: 'multipart', part, parts };
  }
  m = V2.exec(name);
  if (m?.[1] !== undefined && m[2] !== undefined && (m[3] === 'json' || m[3] === 'parquet')) {
    return { type: 'checkpoint', version: Number(m[1]), format: 'v2', uuid: m[2], ext: m[3] };
  }
  m = COMPACTION.exec(name);
  if (m?.[1] !== undefined && m[2] !== undefined) {
    const start = Number(m[1]);
    const end = Number(m[2]);
    return end > start ? { type: 'compaction', start, end } : undefined;
  }
  return undefined;
}

/** A commit file. */
export interface CommitFile {
  readonly version: number;
  readonly meta: ObjectMeta;
}

/**
 * A complete checkpoint: one classic or V2 file, or every part of a multi-part set. `files` are in
 * part order.
 */
export interface CheckpointSet {
  readonly version: number;
  readonly format: 'classic' | 'multipart' | 'v2';
  readonly files: readonly ObjectMeta[];
}

/** A log compaction file covering commits `start..end` inclusive. */
export interface CompactionFile {
  readonly start: number;
  readonly end: number;
  readonly meta: ObjectMeta;
}

/** What a listing of `_delta_log/` found, each list sorted by version ascending. */
export interface LogListing {
  readonly commits: readonly CommitFile[];
  /** Complete checkpoints only; incomplete multi-part sets are dropped. */
  readonly checkpoints: readonly CheckpointSet[];
  readonly compactions: readonly CompactionFile[];
  /** Whether `_last_checkpoint` was seen (only meaningful for a listing from the start). */
  readonly hasLastCheckpoint: boolean;
}

/**
 * Lists `_delta_log/` through `Storage.list` and classifies what it finds.
 *
 * @param startAfterVersion list only files of versions >= this one (used with the
 *   `_last_checkpoint` hint so a log of many thousands of commits is not listed from the start).
 */
export async function listLog(storage: Storage, startAfterVersion?: number): Promise<LogListing> {
  // Every name of version v - 1 sorts before `<v - 1>.~` ('~' is above every character used after
  // the dot), and every name of version v after it.
  const startAfter =
    startAfterVersion === undefined || startAfterVersion <= 0
      ? undefined
      : `${LOG_DIR}${versionPrefix(startAfterVersion - 1)}.~`;
  const commits: CommitFile[] = [];
  const compactions: CompactionFile[] = [];
  const multipart = new Map<string, { version: number; parts: number; files: Map<number, ObjectMeta> }>();
  const singles: CheckpointSet[] = [];
  let hasLastCheckpoint = false;
  for await (const meta of storage.list(LOG_DIR, startAfter)) {
    const name = meta.key.slice(LOG_DIR.length);
    if (name.includes('/')) continue;
    const parsed = parseLogFileName(name);
    if (parsed === undefined) continue;
    switch (parsed.type) {
      case 'commit':
        commits.push({ version: parsed.version, meta });
        break;
      case 'compaction':
        compactions.push({ start: parsed.start, end: parsed.end, meta });
        break;
      case 'lastCheckpoint':
        hasLastCheckpoint = true;
        break;
      case 'checkpoint':
        if (parsed.format === 'multipart') {
          // Two writers may race to write sets with different part counts for one version; each
          // set is judged on its own.
          const id = `${parsed.version}/${parsed.parts}`;
          let set = multipart.get(id);
          if (!set) {
            set = { version: parsed.version, parts: parsed.parts, files: new Map() };
            multipart.set(id, set);
          }
          set.files.set(parsed.part, meta);
        } else {
          singles.push({ version: parsed.version, format: parsed.format, files: [meta] });
        }
        break;
    }
  }
  const checkpoints = [...singles];
  for (const set of multipart.values()) {
    const files: ObjectMeta[] = [];
    for (let p = 1; p <= set.parts; p++) {
      const file = set.files.get(p);
      if (file) files.push(file);
    }
    if (files.length === set.parts) checkpoints.push({ version: set.version, format: 'multipart', files });
  }
  commits.sort((a, b) => a.version - b.version);
  checkpoints.sort((a, b) => a.version - b.version || formatRank(a.format) - formatRank(b.format));
  compactions.sort((a, b) => a.start - b.start || a.end - b.end);
  return { commits, checkpoints, compactions, hasLastCheckpoint };
}

/**
 * Order of preference among checkpoints of the same version, most preferred last (the segment
 * takes the last one). V2 first, since its sidecars load in parallel; multi-part last, since it is
 * deprecated and the most likely to be half-written.
 */
function formatRank(format: CheckpointSet['format']): number {
  return format === 'multipart' ? 0 : format === 'classic' ? 1 : 2;
}
