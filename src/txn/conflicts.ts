/**
 * Conflict detection between a transaction and the commits that won the race for its version.
 *
 * Optimistic concurrency: a transaction reads a snapshot, decides what to write, and only when its
 * put-if-absent loses does it look at what happened in between. If the winning commits could not
 * have changed what it read or wrote, it is rebased on top of them and tried again; otherwise it
 * fails with a `CommitConflict` that says which rule broke and what to do. The checks run in the
 * order the Delta reference implementation uses, so the reported conflict is the same one a Spark
 * user would see for the same interleaving.
 */
import { DeltaError } from '../errors.js';
import type { Expr } from '../expr/ast.js';
import { mayMatchFile, parseFileStats } from '../expr/skipping.js';
import { dvUniqueId } from '../log/replay.js';
import type { Action, Add, Remove } from '../protocol/actions.js';
import { canonicalPathKey } from '../protocol/paths.js';
import { typedPartitionValues } from '../table/scan.js';
import { physicalPath, type Snapshot } from '../table/snapshot.js';

/**
 * Isolation levels (PROTOCOL.md leaves them to writers; these are Delta's):
 * - `Serializable`: every concurrent add that matches what this transaction read is a conflict.
 * - `WriteSerializable` (default): concurrent blind appends are ordered before this transaction,
 *   so only adds from commits that also read the table conflict. Appends never block DML.
 */
export type IsolationLevel = 'Serializable' | 'WriteSerializable';

/** Which rule a conflict broke; part of the error's context so programs can branch on it. */
export type ConflictKind =
  | 'ProtocolChanged'
  | 'MetadataChanged'
  | 'ConcurrentDomainMetadata'
  | 'ConcurrentAppend'
  | 'ConcurrentDeleteRead'
  | 'ConcurrentDeleteDelete'
  | 'ConcurrentTransaction'
  | 'TableCreatedConcurrently';

/** What a transaction read and intends to write, as the conflict checker needs it. */
export interface TransactionFootprint {
  /** The snapshot read; `undefined` when the transaction creates the table. */
  readonly snapshot: Snapshot | undefined;
  readonly isolationLevel: IsolationLevel;
  /** Predicates of the reads; `true` stands for "read the whole table". */
  readonly readPredicates: readonly (Expr | true)[];
  /** Keys (see {@link fileKey}) of the files the transaction read. */
  readonly readFiles: ReadonlySet<string>;
  /** The actions the transaction commits (commitInfo excluded). */
  readonly actions: readonly Action[];
  /** Application ids whose `txn` version the transaction read or writes. */
  readonly appIds: ReadonlySet<string>;
}

/** Identity of a logical file: its canonical path plus the deletion vector, as replay keys it. */
export function fileKey(file: Add | Remove, tableUrl: string): string {
  return `${canonicalPathKey(file.path, tableUrl)}\u0000${dvUniqueId(file.deletionVector)}`;
}

/**
 * Checks one winning commit against the transaction; returns the conflict, or `undefined` when the
 * transaction can be rebased past it.
 */
export function findConflict(
  footprint: TransactionFootprint,
  winner: { version: number; actions: readonly Action[] },
  tableUrl: string,
): DeltaError<'CommitConflict'> | undefined {
  const snap = footprint.snapshot;
  const conflict = (kind: ConflictKind, message: string, help: string): DeltaError<'CommitConflict'> =>
    new DeltaError('CommitConflict', `${kind}: ${message} (concurrent commit at version ${winner.version})`, {
      help,
      context: { conflict: kind, winningVersion: winner.version, readVersion: snap?.version ?? -1 },
    });
  const win = summarise(winner.actions);
  if (!snap) {
    return conflict(
      'TableCreatedConcurrently',
      'another writer created the table first',
      'open the table again and append to it, or write to another location',
    );
  }
  if (win.protocol) {
    return conflict(
      'ProtocolChanged',
      'the table protocol was upgraded concurrently',
      'retry the operation: it will be checked against the new protocol',
    );
  }
  if (win.metadata) {
    return conflict(
      'MetadataChanged',
      'the table metadata (schema, partitioning or properties) changed concurrently',
      'retry the operation against the new schema and properties',
    );
  }
  const ownDomains = new Set(
    footprint.actions.flatMap((a) => (a.domainMetadata ? [a.domainMetadata.domain] : [])),
  );
  for (const domain of win.domains) {
    if (ownDomains.has(domain)) {
      return conflict(
        'ConcurrentDomainMetadata',
        `domain ${domain} was changed concurrently`,
        'retry the operation; it must see the other writer’s domain configuration',
      );
    }
  }
  const addsToCheck =
    footprint.isolationLevel === 'Serializable' || !win.blindAppend
      ? win.adds.filter((a) => a.dataChange)
      : [];
  for (const predicate of footprint.readPredicates) {
    for (const add of addsToCheck) {
      if (predicate === true || addMayMatch(snap, add, predicate)) {
        return conflict(
          'ConcurrentAppend',
          `files were added to the part of the table this transaction read (${add.path})`,
          'retry the operation; to let concurrent writes to other partitions through, make the ' +
            'predicate name the partition columns explicitly',
        );
      }
    }
  }
  const readWhole = footprint.readPredicates.some((p) => p === true);
  const ownRemoves = new Set(
    footprint.actions.flatMap((a) => (a.remove ? [fileKey(a.remove, tableUrl)] : [])),
  );
  for (const remove of win.removes) {
    const key = fileKey(remove, tableUrl);
    if (remove.dataChange && (readWhole || footprint.readFiles.has(key))) {
      return conflict(
        'ConcurrentDeleteRead',
        `a file this transaction read was removed concurrently (${remove.path})`,
        'retry the operation: it has to read the rows the other commit rewrote',
      );
    }
    if (ownRemoves.has(key)) {
      return conflict(
        'ConcurrentDeleteDelete',
        `a file this transaction removes was removed concurrently (${remove.path})`,
        'retry the operation: the rows it deletes or rewrites may have changed',
      );
    }
  }
  for (const appId of win.appIds) {
    if (footprint.appIds.has(appId)) {
      return conflict(
        'ConcurrentTransaction',
        `application ${appId} committed concurrently`,
        'two writers use the same application id; give each its own, or run one at a time',
      );
    }
  }
  return undefined;
}

/** What a winning commit did, pre-digested for the checks. */
interface WinnerSummary {
  readonly protocol: boolean;
  readonly metadata: boolean;
  readonly domains: string[];
  readonly adds: Add[];
  readonly removes: Remove[];
  readonly appIds: string[];
  /** The winner declared itself a blind append (it read nothing). */
  readonly blindAppend: boolean;
}

function summarise(actions: readonly Action[]): WinnerSummary {
  const out = {
    protocol: false,
    metadata: false,
    domains: [] as string[],
    adds: [] as Add[],
    removes: [] as Remove[],
    appIds: [] as string[],
    blindAppend: false,
  };
  for (const a of actions) {
    if (a.protocol) out.protocol = true;
    if (a.metaData) out.metadata = true;
    if (a.domainMetadata) out.domains.push(a.domainMetadata.domain);
    if (a.add) out.adds.push(a.add);
    if (a.remove) out.removes.push(a.remove);
    if (a.txn) out.appIds.push(a.txn.appId);
    if (a.commitInfo?.isBlindAppend === true) out.blindAppend = true;
  }
  return out;
}

/** Whether a file may hold rows matching `predicate`, judged from its partition values and stats. */
export function addMayMatch(snap: Snapshot, add: Add, predicate: Expr): boolean {
  const partitionValues = typedPartitionValues(snap, add);
  const stats = parseFileStats(add.stats, snap.schema, (path) =>
    physicalPath(snap.schema, path, snap.columnMappingMode),
  );
  return mayMatchFile(predicate, { partitionValues, stats }, snap.schema);
}

/**
 * Whether a winning commit already applied this transaction's `txn(appId, version)`: then this
 * transaction is a duplicate and must not be committed again.
 */
export function appliedTxn(
  winner: readonly Action[],
  txn: { appId: string; version: number } | undefined,
): boolean {
  if (!txn) return false;
  return winner.some((a) => a.txn?.appId === txn.appId && a.txn.version >= txn.version);
}
