/**
 * The put-if-absent probe: before the first commit to a store that does not guarantee atomic
 * create-if-absent by construction, check that it honours the condition.
 *
 * S3-compatible servers that predate conditional writes accept `If-None-Match: *` and overwrite
 * anyway. Two writers would then both "win" the same version and one commit would vanish without
 * an error. The probe creates a scratch object twice with `ifAbsent`; the second put must fail.
 */
import { randomUUID } from 'node:crypto';
import { DeltaError, isDeltaError } from '../errors.js';
import { LOG_DIR } from '../log/listing.js';
import type { Storage } from '../storage/storage.js';

/** Stores already probed in this process, with the answer (a pending probe is shared). */
const probed = new WeakMap<Storage, Promise<void>>();

/** Options of {@link ensureSafeCommits}. */
export interface ProbeOptions {
  /**
   * The caller promises that no other process writes this table. Skips the probe, so stores
   * without conditional writes can still be used by one writer.
   */
  readonly singleWriter?: boolean;
}

/**
 * Resolves when commits to `storage` are safe; fails with `UnsafeStorage` when the store
 * ignores put-if-absent. Probes at most once per store object.
 */
export function ensureSafeCommits(storage: Storage, options: ProbeOptions = {}): Promise<void> {
  if (options.singleWriter === true || storage.ifAbsentGuaranteed === true) return Promise.resolve();
  let pending = probed.get(storage);
  if (!pending) {
    pending = probe(storage);
    probed.set(storage, pending);
    // A transient failure must not be cached: the next writer probes again.
    pending.catch(() => probed.delete(storage));
  }
  return pending;
}

async function probe(storage: Storage): Promise<void> {
  // A dot-file in the log directory: no Delta reader lists it as a commit, and it is deleted at once.
  const key = `${LOG_DIR}.delta-ts-probe-${randomUUID()}`;
  const first = new TextEncoder().encode('first');
  await storage.put(key, first, { ifAbsent: true });
  try {
    let honoured = false;
    try {
      await storage.put(key, new TextEncoder().encode('second'), { ifAbsent: true });
    } catch (err) {
      if (!isDeltaError(err, 'AlreadyExists')) throw err;
      honoured = true;
    }
    if (!honoured) {
      throw new DeltaError(
        'UnsafeStorage',
        `${storage.url} ignores put-if-absent (a second conditional put of ${key} succeeded): concurrent commits could silently overwrite each other`,
        {
          help:
            'use an object store that supports conditional writes (S3 If-None-Match: *), ' +
            'or declare a single writer (singleWriter: true / --single-writer) if no other process writes this table',
          context: { key },
        },
      );
    }
  } finally {
    // A scratch dot-file left behind is invisible to every Delta reader; failing the write over it
    // would be worse than leaving it.
    await storage.delete(key).catch(() => undefined);
  }
}
