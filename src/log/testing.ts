/**
 * Helpers that write Delta logs into a {@link Storage}, for tests of the log and of the modules built
 * on it (table facade, change data feed). They write exactly the files a writer would, so the code
 * under test goes through the real listing and parsing paths.
 */
import type { Action, Metadata, Protocol } from '../protocol/actions.js';
import type { Storage } from '../storage/storage.js';
import { commitKey } from './listing.js';

const encoder = new TextEncoder();

/** Encodes actions as one NDJSON commit. */
export function ndjson(actions: readonly Action[]): Uint8Array {
  return encoder.encode(actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
}

/** Writes commit `version` (refusing to overwrite, as a real commit would). */
export async function writeCommit(
  storage: Storage,
  version: number,
  actions: readonly Action[],
): Promise<void> {
  await storage.put(commitKey(version), ndjson(actions), { ifAbsent: true });
}

/** A minimal `protocol` action (reader 1, writer 2 unless given). */
export function protocolAction(overrides: Partial<Protocol> = {}): Action {
  return { protocol: { minReaderVersion: 1, minWriterVersion: 2, ...overrides } };
}

/** A `metaData` action for a table with one `id: long` column unless a schema is given. */
export function metadataAction(overrides: Partial<Metadata> = {}): Action {
  return {
    metaData: {
      id: 'test-table',
      format: { provider: 'parquet', options: {} },
      schemaString: JSON.stringify({
        type: 'struct',
        fields: [{ name: 'id', type: 'long', nullable: true, metadata: {} }],
      }),
      partitionColumns: [],
      configuration: {},
      createdTime: 0,
      ...overrides,
    },
  };
}

/** An `add` of `path` with the given size and optional partition values. */
export function addAction(path: string, extra: Record<string, unknown> = {}): Action {
  return {
    add: { path, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true, ...extra },
  };
}

/** A `remove` of `path`. */
export function removeAction(path: string, extra: Record<string, unknown> = {}): Action {
  return { remove: { path, deletionTimestamp: 0, dataChange: true, ...extra } };
}
