/**
 * Action reconciliation (PROTOCOL.md "Action Reconciliation"), applied oldest first.
 *
 * Replay starts from a checkpoint's state (or nothing) and applies each commit in version order:
 * the latest `protocol` and `metaData` win, `txn`s are kept per `appId`, `domainMetadata` per domain
 * with tombstones deleting, and logical files are keyed by (path, deletion-vector unique id) where an
 * `add` inserts and a `remove` deletes. Oldest-first lets a `remove` simply delete its key, so the
 * state never holds more than the live files: memory is O(active files) however long the log is.
 *
 * Paths are URIs that different writers spell differently (`/a/b`, `file:/a/b`, `file:///a/b`,
 * `%20` or a space), so the key uses the canonical form from `canonicalPathKey`; the `Add` keeps the
 * path exactly as written.
 */
import { DeltaError } from '../errors.js';
import type {
  Action,
  Add,
  DeletionVectorDescriptor,
  DomainMetadata,
  Metadata,
  Protocol,
  Remove,
  Txn,
} from '../protocol/actions.js';
import { canonicalPathKey } from '../protocol/paths.js';

/**
 * The deletion vector's unique id (PROTOCOL.md "Derived Fields"): `<storageType><pathOrInlineDv>`,
 * plus `@<offset>` when an offset is present. Empty for a file without a deletion vector.
 */
export function dvUniqueId(dv: DeletionVectorDescriptor | null | undefined): string {
  if (dv === null || dv === undefined) return '';
  const base = `${dv.storageType}${dv.pathOrInlineDv}`;
  return dv.offset === null || dv.offset === undefined ? base : `${base}@${dv.offset}`;
}

/**
 * Whether `path` is a relative path of plain characters (letters, digits, `_-=+,.`) with non-empty,
 * non-dot segments: such a path canonicalises to itself, and skipping the URI machinery for it keeps
 * a 300k-file replay fast. Anything with `%`, `:`, a leading or doubled `/`, or dot segments takes
 * the full route. A character loop, because a regular expression costs several times more here.
 */
export function isPlainPath(path: string): boolean {
  let segmentStart = 0;
  let dots = 0;
  for (let i = 0; i <= path.length; i++) {
    const c = i === path.length ? 47 : path.charCodeAt(i);
    if (c === 47) {
      const length = i - segmentStart;
      if (length === 0 || dots === length) return false;
      segmentStart = i + 1;
      dots = 0;
    } else if (c === 46) dots++;
    else if (!(
      (c >= 97 && c <= 122) ||
      (c >= 65 && c <= 90) ||
      (c >= 48 && c <= 57) ||
      c === 95 ||
      c === 45 ||
      c === 61 ||
      c === 43 ||
      c === 44
    )) {
      return false;
    }
  }
  return true;
}

/** Canonicalises paths against one table URL, with the plain-path fast route. */
export class PathKeyer {
  constructor(private readonly tableUrl: string) {}

  /** The canonical key of `path`; see `canonicalPathKey`. */
  pathKey(path: string): string {
    return isPlainPath(path) ? path : canonicalPathKey(path, this.tableUrl);
  }

  /** The reconciliation key of a logical file: canonical path and DV unique id. */
  fileKey(path: string, dv: DeletionVectorDescriptor | null | undefined): string {
    const id = dvUniqueId(dv);
    const key = this.pathKey(path);
    return id === '' ? key : `${key}\u0000${id}`;
  }
}

/** A winning action together with the version it came from, for error messages. */
export interface Versioned<T> {
  readonly value: T;
  readonly version: number;
}

/** Options of {@link LogReplayer}. */
export interface ReplayOptions {
  /** Table URL (`Storage.url`) used to canonicalise paths. */
  readonly tableUrl: string;
  /** Track file actions; false for a metadata-only replay (time travel by timestamp, history). */
  readonly files: boolean;
  /**
   * Also keep `remove` tombstones (PROTOCOL.md "Action Reconciliation": the newest reference of
   * each logical file, add or remove, wins). Only checkpoint writing and VACUUM need them; a
   * snapshot read does not, so they cost nothing unless asked for. Implies nothing without `files`.
   */
  readonly tombstones?: boolean;
}

/** The reconciled state of a log prefix. */
export class LogReplayer {
  protocol: Versioned<Protocol> | undefined;
  metadata: Versioned<Metadata> | undefined;
  readonly files = new Map<string, Add>();
  readonly txns = new Map<string, Txn>();
  readonly domains = new Map<string, DomainMetadata>();
  /** Tombstones by logical-file key, only filled when `tombstones` was asked for. */
  readonly tombstones = new Map<string, Remove>();
  private readonly keyer: PathKeyer;
  private readonly trackFiles: boolean;
  private readonly trackTombstones: boolean;

  constructor(options: ReplayOptions) {
    this.keyer = new PathKeyer(options.tableUrl);
    this.trackFiles = options.files;
    this.trackTombstones = options.files && options.tombstones === true;
  }

  /**
   * Applies one action of `version` (a checkpoint's actions carry the checkpoint version). Actions
   * must arrive in log order. `commitInfo`, `cdc` and unknown actions do not change the state.
   */
  apply(action: Action, version: number): void {
    if (action.add) {
      if (this.trackFiles) {
        const key = this.keyer.fileKey(action.add.path, action.add.deletionVector);
        this.files.set(key, action.add);
        if (this.trackTombstones) this.tombstones.delete(key);
      }
    } else if (action.remove) {
      if (this.trackFiles) this.removeFile(action.remove);
    } else if (action.metaData) {
      this.metadata = { value: action.metaData, version };
    } else if (action.protocol) {
      this.protocol = { value: action.protocol, version };
    } else if (action.txn) {
      this.txns.set(action.txn.appId, action.txn);
    } else if (action.domainMetadata) {
      const dm = action.domainMetadata;
      if (dm.removed === true) this.domains.delete(dm.domain);
      else this.domains.set(dm.domain, { ...dm, removed: false });
    } else if (action.checkpointMetadata || action.sidecar) {
      throw new DeltaError(
        'InvalidLog',
        `version ${version} holds a ${action.sidecar ? 'sidecar' : 'checkpointMetadata'} action, which only V2 checkpoints may hold`,
        { context: { version } },
      );
    }
  }

  /**
   * Applies a log compaction file covering versions up to `version` as one unit.
   *
   * PROTOCOL.md makes a compaction file the reconciled actions of its range, so each key (logical
   * file, appId, domain, protocol, metaData) appears once and line order carries no meaning. Some
   * writers instead store the range's actions newest first, repeating keys. Letting the first
   * occurrence of each key decide is right for both shapes; applying lines in order is not.
   */
  applyCompaction(actions: readonly Action[], version: number): void {
    const seen = new Set<string>();
    const first = (key: string): boolean => {
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    };
    for (const action of actions) {
      let key: string | undefined;
      if (action.add) key = `f:${this.keyer.fileKey(action.add.path, action.add.deletionVector)}`;
      else if (action.remove)
        key = `f:${this.keyer.fileKey(action.remove.path, action.remove.deletionVector)}`;
      else if (action.metaData) key = 'metaData';
      else if (action.protocol) key = 'protocol';
      else if (action.txn) key = `t:${action.txn.appId}`;
      else if (action.domainMetadata) key = `d:${action.domainMetadata.domain}`;
      if (key === undefined || first(key)) this.apply(action, version);
    }
  }

  private removeFile(remove: Remove): void {
    const key = this.keyer.fileKey(remove.path, remove.deletionVector);
    this.files.delete(key);
    if (this.trackTombstones) this.tombstones.set(key, remove);
  }

  /**
   * The winning protocol and metadata, validated.
   *
   * @throws DeltaError `InvalidLog` naming what is missing (no `protocol`, no `metaData`) or which
   *   field of the winning `metaData` is malformed, with the version it came from.
   */
  requireProtocolAndMetadata(upTo: number): { protocol: Protocol; metadata: Metadata } {
    const missing = [this.protocol ? undefined : 'protocol', this.metadata ? undefined : 'metaData'].filter(
      (m): m is string => m !== undefined,
    );
    if (!this.protocol || !this.metadata) {
      throw new DeltaError(
        'InvalidLog',
        `the log up to version ${upTo} holds no ${missing.join(' and no ')} action; a table needs both`,
        { context: { version: upTo, missing: missing.join(',') } },
      );
    }
    return { protocol: checkProtocol(this.protocol), metadata: checkMetadata(this.metadata) };
  }
}

function checkProtocol({ value, version }: Versioned<Protocol>): Protocol {
  if (typeof value.minReaderVersion !== 'number' || typeof value.minWriterVersion !== 'number') {
    throw new DeltaError(
      'InvalidLog',
      `the protocol action of version ${version} lacks minReaderVersion or minWriterVersion`,
      { context: { version, field: 'protocol' } },
    );
  }
  return value;
}

function checkMetadata({ value, version }: Versioned<Metadata>): Metadata {
  const fail = (field: string, what: string): never => {
    throw new DeltaError('InvalidLog', `metaData.${field} of version ${version} ${what}`, {
      context: { version, field: `metaData.${field}` },
    });
  };
  const raw = value as unknown as Record<string, unknown>;
  if (typeof raw['id'] !== 'string') fail('id', 'must be a string');
  if (typeof raw['schemaString'] !== 'string')
    fail('schemaString', 'must be a string holding the table schema');
  const partitionColumns = raw['partitionColumns'] ?? [];
  if (!Array.isArray(partitionColumns) || partitionColumns.some((c) => typeof c !== 'string')) {
    fail('partitionColumns', 'must be a list of strings');
  }
  const configuration = raw['configuration'] ?? {};
  if (typeof configuration !== 'object' || Array.isArray(configuration))
    fail('configuration', 'must be an object');
  const format = raw['format'] ?? { provider: 'parquet' };
  if (typeof format !== 'object' || Array.isArray(format)) fail('format', 'must be an object');
  // Old writers omit empty collections; the rest of the library may rely on them being present.
  return {
    ...value,
    format: format as Metadata['format'],
    partitionColumns: partitionColumns as string[],
    configuration: configuration as Record<string, string>,
  };
}
