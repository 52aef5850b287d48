/**
 * Writing checkpoints (PROTOCOL.md "Checkpoints", "Checkpoint Specs", "Last Checkpoint File").
 *
 * A checkpoint is the reconciled state of one committed version: protocol, metadata, one `txn` per
 * appId, the domains not removed, every live `add` and the `remove` tombstones that have not expired
 * yet (VACUUM needs them to know which files are still referenced by recent history). Writers of
 * this library produce
 *
 * - a classic single-file Parquet checkpoint `<v>.checkpoint.parquet` (V1 spec, or V2 spec with a
 *   `checkpointMetadata` row when the table supports the `v2Checkpoint` feature), or
 * - a UUID-named V2 checkpoint `<v>.checkpoint.<uuid>.parquet|json`, when the table supports
 *   `v2Checkpoint` and `delta.checkpointPolicy` is `v2`, optionally with the file actions in
 *   sidecar files under `_delta_log/_sidecars/`.
 *
 * Multi-part checkpoints are never written: PROTOCOL.md deprecates them.
 *
 * Concurrency: the classic file is written put-if-absent and a lost race counts as success, since
 * two checkpoints of one version hold the same state. `_last_checkpoint` is a hint that is simply
 * overwritten, but never with an older version than the one it names, so a slow writer cannot send
 * readers back to an old checkpoint (the check and the write are not atomic; the worst case is a
 * hint older than the newest checkpoint, which readers tolerate because they list from it).
 */
import { randomUUID } from 'node:crypto';
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import { DeltaError, isDeltaError } from '../errors.js';
import type { Action, Add, Remove } from '../protocol/actions.js';
import { columnMappingMode } from '../protocol/features.js';
import { parseSchema, type StructType } from '../protocol/schema.js';
import { writeParquetBatches } from '../parquet/write.js';
import type { Storage } from '../storage/storage.js';
import { physicalArrowSchema } from '../write/physical.js';
import { checkWriteSupported } from '../write/protocol.js';
import { type ColumnSource, checkpointBatch, fileActionColumn } from './checkpoint-arrow.js';
import {
  type AddLayout,
  checkpointSchema,
  parsedAddFields,
  partitionValuesParsedType,
  sidecarSchema,
  statsParsedType,
} from './checkpoint-schema.js';
import { LAST_CHECKPOINT_KEY, LOG_DIR, SIDECAR_DIR, versionPrefix } from './listing.js';
import { reconstruct } from './reconstruct.js';
import { booleanProperty, deletedFileRetentionMs } from './retention.js';
import { readLastCheckpointHint } from './segment.js';

/** Options of {@link writeCheckpoint}. */
export interface CheckpointOptions {
  /** Current time in ms, for tombstone expiry (default `Date.now()`). */
  readonly now?: number;
  /**
   * `classic`: `<v>.checkpoint.parquet`; `v2`: UUID-named (needs the `v2Checkpoint` feature).
   * Default: `v2` when the table supports `v2Checkpoint` and `delta.checkpointPolicy` is `v2`.
   */
  readonly format?: 'classic' | 'v2';
  /** File format of a UUID-named V2 checkpoint (default `parquet`). */
  readonly v2FileFormat?: 'parquet' | 'json';
  /**
   * V2 only: put the file actions in sidecar files of at most this many actions each, instead of
   * in the checkpoint itself. Worth it for large tables (sidecars can be read in parallel and
   * reused); default: no sidecars.
   */
  readonly actionsPerSidecar?: number;
  /** Update `_last_checkpoint` (default true). */
  readonly updateLastCheckpoint?: boolean;
}

/** What {@link writeCheckpoint} wrote. */
export interface CheckpointResult {
  readonly version: number;
  /** `classic` (classic name, V1 or V2 spec) or `v2` (UUID-named). */
  readonly format: 'classic' | 'v2';
  /** Whether the content follows the V2 spec (`checkpointMetadata` row, maybe sidecars). */
  readonly v2Spec: boolean;
  /** Key of the checkpoint file. */
  readonly key: string;
  /** Keys of the sidecar files written. */
  readonly sidecars: readonly string[];
  /** Number of actions (rows) in the checkpoint and its sidecars, as `_last_checkpoint.size`. */
  readonly size: number;
  /** Bytes of the checkpoint and its sidecars. */
  readonly sizeInBytes: number;
  readonly numOfAddFiles: number;
  /** Unexpired tombstones kept. */
  readonly numOfRemoveFiles: number;
  /** False when another writer had already written the same classic checkpoint. */
  readonly written: boolean;
  /** Whether `_last_checkpoint` now names this checkpoint. */
  readonly lastCheckpointUpdated: boolean;
}

/** The state a checkpoint of one version holds, split into its parts. */
export interface CheckpointState {
  readonly version: number;
  readonly nonFileActions: readonly Action[];
  /** The live files as the log wrote them; the checkpoint stores them with `dataChange` false. */
  readonly adds: readonly Add[];
  readonly removes: readonly Remove[];
  readonly layout: AddLayout;
  readonly v2Supported: boolean;
  readonly v2Policy: boolean;
}

/**
 * Replays `version` (default latest) with tombstones and returns what a checkpoint of it holds.
 * Tombstones whose `deletionTimestamp` is not newer than `now − delta.deletedFileRetentionDuration`
 * are expired and dropped (a missing timestamp counts as expired, as it is older than any cutoff).
 *
 * @throws DeltaError `VersionNotFound` when the commit file of the version does not exist (a
 *   checkpoint is only written after its commit); `UnsupportedFeature` when this build may not
 *   write the table; whatever replay throws.
 */
export async function checkpointState(
  storage: Storage,
  version?: number,
  now = Date.now(),
): Promise<CheckpointState> {
  const { segment, replayer } = await reconstruct(storage, version, { files: true, tombstones: true });
  if (segment.tip === undefined) {
    throw new DeltaError(
      'VersionNotFound',
      `cannot checkpoint version ${segment.version} of ${storage.url}: its commit file ${LOG_DIR}${versionPrefix(segment.version)}.json does not exist`,
      {
        context: { version: segment.version },
        help: 'a checkpoint is written only for a version whose commit exists',
      },
    );
  }
  const { protocol, metadata } = replayer.requireProtocolAndMetadata(segment.version);
  checkWriteSupported(protocol, metadata);
  const cutoff = now - deletedFileRetentionMs(metadata);
  const removes = [...replayer.tombstones.values()]
    .filter((r) => (r.deletionTimestamp ?? 0) > cutoff)
    .map((r): Remove => {
      // Tombstones in a checkpoint carry no stats or tags (PROTOCOL.md "Checkpoints").
      const { stats: _stats, tags: _tags, ...rest } = r;
      return { ...rest, dataChange: false };
    });
  // Not copied to set dataChange: the writer does that per column, and a copy of 300k objects
  // costs more than the rest of the state.
  const adds = [...replayer.files.values()];
  const schema = parseSchema(metadata.schemaString);
  const mode = columnMappingMode(metadata, protocol);
  const asStruct = booleanProperty(metadata, 'delta.checkpoint.writeStatsAsStruct', false);
  const layout: AddLayout = {
    statsAsJson: booleanProperty(metadata, 'delta.checkpoint.writeStatsAsJson', true),
    statsParsed: asStruct ? statsParsedType(schema, metadata, mode) : undefined,
    partitionValuesParsed: asStruct ? partitionValuesParsedType(schema, metadata, mode) : undefined,
  };
  const nonFileActions: Action[] = [
    { protocol },
    { metaData: metadata },
    ...[...replayer.txns.values()].map((txn) => ({ txn })),
    ...[...replayer.domains.values()].map((domainMetadata) => ({ domainMetadata })),
  ];
  const v2Supported = (protocol.writerFeatures ?? []).includes('v2Checkpoint');
  const v2Policy = metadata.configuration['delta.checkpointPolicy']?.toLowerCase() === 'v2';
  return { version: segment.version, nonFileActions, adds, removes, layout, v2Supported, v2Policy };
}

/**
 * Writes a checkpoint of `version` (default: the latest) and points `_last_checkpoint` at it.
 *
 * @throws DeltaError `InvalidArgument` for a V2 checkpoint on a table without the `v2Checkpoint`
 *   feature or a bad `actionsPerSidecar`; as {@link checkpointState}; storage errors.
 */
export async function writeCheckpoint(
  storage: Storage,
  version?: number,
  options: CheckpointOptions = {},
): Promise<CheckpointResult> {
  const state = await checkpointState(storage, version, options.now ?? Date.now());
  const format = options.format ?? (state.v2Supported && state.v2Policy ? 'v2' : 'classic');
  if (format === 'v2' && !state.v2Supported) {
    throw new DeltaError(
      'InvalidArgument',
      `cannot write a V2 checkpoint of ${storage.url}: the table does not support the v2Checkpoint feature`,
      { help: 'write a classic checkpoint, or enable the feature (delta.checkpointPolicy = v2)' },
    );
  }
  const perSidecar = options.actionsPerSidecar;
  if (perSidecar !== undefined && (!Number.isSafeInteger(perSidecar) || perSidecar < 1)) {
    throw new DeltaError(
      'InvalidArgument',
      `actionsPerSidecar must be a positive integer, got ${perSidecar}`,
    );
  }
  // A classic-named checkpoint of a V2 table follows the V2 spec too: V2-aware readers then accept
  // it, and it must not hold sidecars only if a V1 reader could read it, which it cannot anyway.
  const v2Spec = state.v2Supported;
  const sidecars =
    v2Spec && perSidecar !== undefined ? await writeSidecars(storage, state, perSidecar) : undefined;
  const schema = checkpointSchema(state.layout, v2Spec);
  const actions: Action[] = [];
  if (v2Spec) actions.push({ checkpointMetadata: { version: state.version } });
  actions.push(...state.nonFileActions);
  if (sidecars) actions.push(...sidecars.actions);
  const json = format === 'v2' && options.v2FileFormat === 'json';
  const key =
    format === 'v2'
      ? `${LOG_DIR}${versionPrefix(state.version)}.checkpoint.${randomUUID()}.${json ? 'json' : 'parquet'}`
      : `${LOG_DIR}${versionPrefix(state.version)}.checkpoint.parquet`;
  const files = sidecars ? { adds: [], removes: [] } : state;
  const bytes = json
    ? ndjsonCheckpoint(actions, files, state.layout)
    : await parquetOf(schema, actions, files, state.layout);
  const written = await putIfAbsent(storage, key, bytes);
  const size = actions.length + state.adds.length + state.removes.length;
  const sizeInBytes = bytes.length + (sidecars?.bytes ?? 0);
  const numOfAddFiles = state.adds.length;
  let lastCheckpointUpdated = false;
  if (options.updateLastCheckpoint !== false) {
    lastCheckpointUpdated = await updateLastCheckpoint(storage, {
      version: state.version,
      size,
      sizeInBytes,
      numOfAddFiles,
    });
  }
  return {
    version: state.version,
    format,
    v2Spec,
    key,
    sidecars: sidecars?.keys ?? [],
    size,
    sizeInBytes,
    numOfAddFiles,
    numOfRemoveFiles: state.removes.length,
    written,
    lastCheckpointUpdated,
  };
}

/** The `_last_checkpoint` content this library writes (PROTOCOL.md "Last Checkpoint File Schema"). */
export interface LastCheckpointInfo {
  readonly version: number;
  readonly size: number;
  readonly sizeInBytes: number;
  readonly numOfAddFiles: number;
}

/**
 * Overwrites `_last_checkpoint` with `info` unless it already names a newer version. Returns
 * whether it was written.
 */
export async function updateLastCheckpoint(storage: Storage, info: LastCheckpointInfo): Promise<boolean> {
  const current = await readLastCheckpointHint(storage);
  if (current !== undefined && current > info.version) return false;
  await storage.put(LAST_CHECKPOINT_KEY, new TextEncoder().encode(JSON.stringify(info)));
  return true;
}

async function putIfAbsent(storage: Storage, key: string, bytes: Uint8Array): Promise<boolean> {
  try {
    await storage.put(key, bytes, { ifAbsent: true });
    return true;
  } catch (err) {
    if (isDeltaError(err, 'AlreadyExists')) return false;
    throw err;
  }
}

/** Rows per record batch: small enough that a batch's all-null columns stay a few MB. */
const BATCH_ROWS = 32_768;

/** The file actions a checkpoint or sidecar file holds. */
interface FileActions {
  readonly adds: readonly Add[];
  readonly removes: readonly Remove[];
}

/**
 * The record batches of a checkpoint file, made lazily: the non-file actions, then adds and
 * removes in batches of {@link BATCH_ROWS} of one action type each (most columns of each are then
 * all-null and cost nothing to build). At least one batch, so that an empty file has its schema.
 */
function* checkpointBatches(
  schema: StructType,
  arrow: Schema,
  head: readonly Action[],
  files: FileActions,
  layout: AddLayout,
): Generator<RecordBatch> {
  let any = false;
  const nulls = new Map<string, Data>();
  if (head.length > 0 || (files.adds.length === 0 && files.removes.length === 0)) {
    const columns = new Map<string, ColumnSource>(
      schema.fields.map((f) => [f.name, { values: head.map((a) => (a as Record<string, unknown>)[f.name]) }]),
    );
    any = true;
    yield checkpointBatch(schema, arrow, head.length, columns);
  }
  const parsed = parsedAddFields(layout);
  for (const [name, list] of [
    ['add', files.adds],
    ['remove', files.removes],
  ] as const) {
    const k = schema.fields.findIndex((f) => f.name === name);
    const type = schema.fields[k]?.type;
    const arrowType = arrow.fields[k]?.type;
    if (type?.type !== 'struct' || arrowType === undefined) {
      if (list.length === 0) continue;
      throw new TypeError(`checkpoint schema without a ${name} column`);
    }
    for (let start = 0; start < list.length; start += BATCH_ROWS) {
      const chunk: readonly (Add | Remove)[] = list.slice(start, start + BATCH_ROWS);
      const data = fileActionColumn(type, arrowType, chunk, name === 'add' ? parsed : new Map());
      any = true;
      yield checkpointBatch(schema, arrow, chunk.length, new Map([[name, { data }]]), nulls);
    }
  }
  if (!any) yield checkpointBatch(schema, arrow, 0, new Map());
}

/** Encodes a checkpoint or sidecar file of `schema` as Parquet. */
async function parquetOf(
  schema: StructType,
  head: readonly Action[],
  files: FileActions,
  layout: AddLayout,
): Promise<Uint8Array> {
  const arrow = physicalArrowSchema(schema, 'none', []);
  return writeParquetBatches(checkpointBatches(schema, arrow, head, files, layout), {
    compression: 'snappy',
  });
}

function ndjsonCheckpoint(actions: readonly Action[], files: FileActions, layout: AddLayout): Uint8Array {
  const lines = actions.map((a) => JSON.stringify(a));
  for (const add of files.adds) {
    const stats = layout.statsAsJson ? add.stats : undefined;
    lines.push(JSON.stringify({ add: { ...add, dataChange: false, stats } }));
  }
  for (const remove of files.removes) lines.push(JSON.stringify({ remove }));
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/** Writes the file actions into sidecars of at most `perSidecar` actions; returns their actions. */
async function writeSidecars(
  storage: Storage,
  state: CheckpointState,
  perSidecar: number,
): Promise<{ actions: Action[]; keys: string[]; bytes: number }> {
  const schema = sidecarSchema(state.layout);
  const actions: Action[] = [];
  const keys: string[] = [];
  let total = 0;
  const count = state.adds.length + state.removes.length;
  for (let start = 0; start < count; start += perSidecar) {
    const name = `${randomUUID()}.parquet`;
    const key = `${SIDECAR_DIR}${name}`;
    const end = start + perSidecar;
    const files: FileActions = {
      adds: state.adds.slice(start, end),
      removes: state.removes.slice(
        Math.max(0, start - state.adds.length),
        Math.max(0, end - state.adds.length),
      ),
    };
    const bytes = await parquetOf(schema, [], files, state.layout);
    await storage.put(key, bytes, { ifAbsent: true });
    const meta = await storage.head(key);
    actions.push({
      sidecar: { path: name, sizeInBytes: bytes.length, modificationTime: meta?.lastModified ?? Date.now() },
    });
    keys.push(key);
    total += bytes.length;
  }
  return { actions, keys, bytes: total };
}
