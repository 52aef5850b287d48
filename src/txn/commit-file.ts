/**
 * Writing one commit file: the atomic step of every Delta transaction.
 *
 * PROTOCOL.md makes a commit atomic by requiring that `_delta_log/<version>.json` is created only
 * if it does not exist yet; whoever creates it first owns the version. This module turns the
 * storage's `put(…, { ifAbsent })` into one of three answers and resolves the fourth, ambiguous
 * case (the request went out but no answer came back) by reading the file back and recognising
 * our own commit by its `txnId`, so a commit is never written twice and never reported lost when
 * it landed.
 */
import { DeltaError, describeError, isDeltaError } from '../errors.js';
import { commitKey } from '../log/listing.js';
import { parseActionList } from '../log/ndjson.js';
import type { Action } from '../protocol/actions.js';
import type { Storage } from '../storage/storage.js';

/** What one attempt to create a commit file achieved. */
export type CommitAttempt =
  /** The file is ours: the version is committed. */
  | { readonly kind: 'written' }
  /** Another writer owns the version; read its commit and rebase. */
  | { readonly kind: 'lost' }
  /** The store failed transiently before the file could exist; the same version may be tried again. */
  | { readonly kind: 'retry'; readonly error: DeltaError };

/** Serialises actions as a commit file body: one JSON object per line, newline-terminated. */
export function encodeCommit(actions: readonly Action[]): Uint8Array {
  let body = '';
  for (const action of actions) body += JSON.stringify(action) + '\n';
  return new TextEncoder().encode(body);
}

/**
 * Tries to create the commit file of `version`.
 *
 * A retriable storage failure is ambiguous: S3 may have stored the object and the answer may have
 * been lost, or a 409 may report a concurrent conditional write on the same key. Either way the
 * file is read back: ours (same `txnId`) → written; someone else's → lost; none → retry.
 */
export async function tryWriteCommit(
  storage: Storage,
  version: number,
  body: Uint8Array,
  txnId: string,
): Promise<CommitAttempt> {
  const key = commitKey(version);
  try {
    await storage.put(key, body, { ifAbsent: true });
    return { kind: 'written' };
  } catch (err) {
    if (isDeltaError(err, 'AlreadyExists')) {
      // A retry after an ambiguous failure can find our own file: the first request did land.
      return (await commitOwner(storage, version)) === txnId ? { kind: 'written' } : { kind: 'lost' };
    }
    if (!isDeltaError(err) || !err.retriable) throw err;
    const owner = await commitOwner(storage, version);
    if (owner === undefined) return { kind: 'retry', error: err };
    return owner === txnId ? { kind: 'written' } : { kind: 'lost' };
  }
}

/**
 * The `commitInfo.txnId` of the commit at `version`: `undefined` when there is no such file,
 * `null` when the file exists but carries no txnId (another engine wrote it).
 */
export async function commitOwner(storage: Storage, version: number): Promise<string | null | undefined> {
  const key = commitKey(version);
  let bytes: Uint8Array;
  try {
    bytes = await storage.get(key);
  } catch (err) {
    if (isDeltaError(err, 'FileNotFound')) return undefined;
    throw new DeltaError(
      'StorageError',
      `cannot read back ${key} to resolve an uncertain commit: ${describeError(err)}`,
      {
        cause: err,
        retriable: isDeltaError(err) && err.retriable,
        context: { version, file: key },
      },
    );
  }
  for (const action of parseActionList(bytes, { file: key, version })) {
    const id = action.commitInfo?.txnId;
    if (action.commitInfo) return typeof id === 'string' ? id : null;
  }
  return null;
}

/**
 * Reads the commits after `fromVersion` that other writers made, in order, until the first version
 * with no commit file. These are the "winning" commits a transaction must check for conflicts.
 */
export async function readWinningCommits(
  storage: Storage,
  fromVersion: number,
): Promise<{ version: number; actions: Action[] }[]> {
  const out: { version: number; actions: Action[] }[] = [];
  for (let version = fromVersion; ; version++) {
    const key = commitKey(version);
    let bytes: Uint8Array;
    try {
      bytes = await storage.get(key);
    } catch (err) {
      if (isDeltaError(err, 'FileNotFound')) return out;
      throw err;
    }
    out.push({ version, actions: parseActionList(bytes, { file: key, version }) });
  }
}
