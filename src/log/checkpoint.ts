/**
 * Reading checkpoints (PROTOCOL.md "Checkpoints"): classic single-file Parquet, multi-part Parquet,
 * and V2 checkpoints (UUID-named JSON or Parquet, or classic-named Parquet following the V2 spec)
 * whose `sidecar` actions point at Parquet files under `_delta_log/_sidecars/` holding the file
 * actions.
 *
 * A checkpoint is already reconciled: its `add`s are exactly the live files at its version. Its
 * `remove`s are tombstones kept for VACUUM and never cancel anything in a snapshot read, so only the
 * columns replay needs are decoded (Parquet projection), which roughly halves the work.
 */
import { DeltaError, describeError, isDeltaError } from '../errors.js';
import type { Action, Sidecar } from '../protocol/actions.js';
import { resolveDataPath } from '../protocol/paths.js';
import { LiteUnsupported, type ParquetValues, readParquetValues } from '../parquet/lite.js';
import { openParquetFile } from '../parquet/read.js';
import type { Storage } from '../storage/storage.js';
import { ACTION_COLUMNS, batchToActions } from './arrow-actions.js';
import { type CheckpointSet, SIDECAR_DIR } from './listing.js';
import { parseActions } from './ndjson.js';

/** What to read from a checkpoint. */
export interface CheckpointReadOptions {
  /** Read `add` actions (false when only protocol/metadata/txn/domains are needed). */
  readonly files: boolean;
  /** Also pass on `remove` tombstones (checkpoint writing and VACUUM need them; reads do not). */
  readonly removes?: boolean;
  /** Contents of checkpoint files already fetched, by key (read from storage otherwise). */
  readonly preloaded?: ReadonlyMap<string, Uint8Array>;
}

/** Columns read from the main checkpoint file when file actions are wanted. */
const MAIN_COLUMNS = [
  'add',
  'metaData',
  'protocol',
  'txn',
  'domainMetadata',
  'checkpointMetadata',
  'sidecar',
];
const NON_FILE_COLUMNS = ['metaData', 'protocol', 'txn', 'domainMetadata', 'checkpointMetadata', 'sidecar'];

/**
 * Streams the actions of a complete checkpoint into `onAction`: the main file(s) first, then the
 * sidecars they reference. Checkpoint-only actions (`checkpointMetadata`, `sidecar`) are consumed
 * here and not passed on.
 *
 * @throws DeltaError `CorruptLog` naming the checkpoint file (or sidecar) that cannot be read or
 *   decoded, with the underlying error as `cause`; `InvalidLog` when a `checkpointMetadata` names
 *   another version than the file, or a sidecar path leaves the table.
 */
export async function readCheckpoint(
  storage: Storage,
  checkpoint: CheckpointSet,
  options: CheckpointReadOptions,
  onAction: (action: Action) => void,
): Promise<void> {
  const sidecars: Sidecar[] = [];
  const removes = options.files && options.removes === true;
  const route = (file: string) => (action: Action) => {
    if (action.sidecar) sidecars.push(action.sidecar);
    else if (action.checkpointMetadata) {
      if (action.checkpointMetadata.version !== checkpoint.version) {
        throw new DeltaError(
          'InvalidLog',
          `${file} is the checkpoint of version ${checkpoint.version} but its checkpointMetadata says version ${action.checkpointMetadata.version}`,
          { context: { file, version: checkpoint.version } },
        );
      }
    } else if (!action.remove || removes) onAction(action);
  };
  for (const file of checkpoint.files) {
    await withCheckpointErrors(file.key, checkpoint.version, async () => {
      const bytes = options.preloaded?.get(file.key) ?? (await storage.get(file.key));
      if (file.key.endsWith('.json')) {
        parseActions(bytes, { file: file.key }, route(file.key));
      } else {
        await readParquetActions(
          bytes,
          file.key,
          options.files ? (removes ? [...MAIN_COLUMNS, 'remove'] : MAIN_COLUMNS) : NON_FILE_COLUMNS,
          route(file.key),
        );
      }
    });
  }
  if (!options.files) return;
  if (sidecars.length > 0 && checkpoint.format === 'multipart') {
    throw new DeltaError(
      'InvalidLog',
      `multi-part checkpoint ${checkpoint.files[0]?.key ?? ''} holds sidecar actions, which only V2 checkpoints may`,
      { context: { version: checkpoint.version } },
    );
  }
  for (const sidecar of sidecars) {
    const key = sidecarKey(storage, sidecar.path);
    await withCheckpointErrors(key, checkpoint.version, async () => {
      const bytes = await storage.get(key);
      await readParquetActions(bytes, key, removes ? ['add', 'remove'] : ['add'], (action) => {
        if (action.add || (removes && action.remove)) onAction(action);
      });
    });
  }
}

/** The storage key of a sidecar: relative paths live in `_delta_log/_sidecars/`. */
export function sidecarKey(storage: Storage, path: string): string {
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(path) || path.startsWith('/');
  return resolveDataPath(absolute ? path : `${SIDECAR_DIR}${path}`, { tableUrl: storage.url });
}

/**
 * Streams the actions stored in the `wanted` top-level columns of a Parquet checkpoint (or sidecar)
 * file, in row order. Exported for log cleanup, which reads only the `sidecar` column.
 */
export async function readParquetActions(
  bytes: Uint8Array,
  source: string,
  wanted: readonly string[],
  onAction: (action: Action) => void,
): Promise<void> {
  // The JavaScript reader first: it needs no WebAssembly compile or warm-up, which cost several
  // times more than the whole rest of a checkpointed snapshot load. Files it cannot read exactly
  // (codecs, encodings or types outside its subset) go to the WebAssembly decoder below.
  let values: ParquetValues | undefined;
  try {
    values = readParquetValues(bytes, wanted);
  } catch (err) {
    if (!(err instanceof LiteUnsupported)) throw err;
  }
  if (values !== undefined) {
    const columns = ACTION_COLUMNS.flatMap((name) => values.columns.filter(([c]) => c === name));
    for (let row = 0; row < values.numRows; row++)
      for (const [name, column] of columns) {
        const value = column[row];
        if (value !== null && value !== undefined) onAction({ [name]: value } as Action);
      }
    return;
  }
  // One open serves the schema and the rows: handing the bytes to the decoder twice (once for the
  // schema alone) cost a fifth of a checkpointed snapshot load.
  const reader = await openParquetFile(bytes, source);
  try {
    const present = new Set(reader.schema.fields.map((f) => f.name));
    const columns = wanted.filter((c) => present.has(c));
    if (columns.length === 0) return;
    for await (const batch of reader.batches({ columns })) batchToActions(batch, onAction);
  } finally {
    reader.close();
  }
}

/** Re-labels any failure while reading a checkpoint file as `CorruptLog` naming that file. */
async function withCheckpointErrors(file: string, version: number, read: () => Promise<void>): Promise<void> {
  try {
    await read();
  } catch (err) {
    if (isDeltaError(err) && (err.code === 'InvalidLog' || err.code === 'PathOutsideTable')) throw err;
    if (isDeltaError(err) && err.retriable) throw err;
    const missing = isDeltaError(err, 'FileNotFound');
    throw new DeltaError(
      'CorruptLog',
      `${missing ? 'missing' : 'unreadable'} checkpoint file ${file} (checkpoint of version ${version}): ${describeError(err)}`,
      { cause: err, context: { file, version } },
    );
  }
}
