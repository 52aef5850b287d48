import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Add, Remove } from '../protocol/actions.js';
import { MemoryStorage } from '../storage/memory.js';
import { writeCheckpoint } from './checkpoint-write.js';
import { reconstruct } from './reconstruct.js';
import { dvUniqueId } from './replay.js';
import { deletedFileRetentionMs } from './retention.js';
import { type LogState, loadSnapshot } from './snapshot.js';
import { logArb } from './testing-arbitraries.js';
import { metadataAction, protocolAction, writeCommit } from './testing.js';

const WEEK = 7 * 86_400_000;

const V2_PROTOCOL = protocolAction({
  minReaderVersion: 3,
  minWriterVersion: 7,
  readerFeatures: ['v2Checkpoint', 'deletionVectors'],
  writerFeatures: ['v2Checkpoint', 'deletionVectors', 'domainMetadata'],
});

function fileKey(f: Add | Remove): string {
  return `${f.path}|${dvUniqueId(f.deletionVector)}`;
}

/** Everything replay decides, order-free; file actions compared field by field except dataChange. */
function observe(s: LogState) {
  return {
    files: s.files
      .map((f) => JSON.stringify([fileKey(f), f.size, f.partitionValues, f.deletionVector ?? null]))
      .sort(),
    txns: [...s.txns.entries()].sort(),
    domains: [...s.domainMetadata.entries()].sort(),
    protocol: s.protocol,
    metadata: s.metadata,
  };
}

async function liveTombstones(
  s: MemoryStorage,
  cutoff: number,
  ignoreCheckpoints: boolean,
): Promise<string[]> {
  const r = await reconstruct(s, undefined, { files: true, tombstones: true, ignoreCheckpoints });
  return [...r.replayer.tombstones.values()]
    .filter((t) => (t.deletionTimestamp ?? 0) > cutoff)
    .map(fileKey)
    .sort();
}

const formatArb = fc.constantFrom(
  {},
  { format: 'classic' as const },
  { actionsPerSidecar: 2 },
  { v2FileFormat: 'json' as const },
  { v2FileFormat: 'json' as const, actionsPerSidecar: 1 },
);

describe('checkpoint replay equals JSON-only replay', () => {
  it('for random logs, checkpoint versions, formats and tombstone cutoffs', async () => {
    await fc.assert(
      fc.asyncProperty(
        logArb,
        fc.nat(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1100 }),
        formatArb,
        async (commits, pick, v2, offset, format) => {
          const s = new MemoryStorage('prop-cp');
          const configuration: Record<string, string> = v2 ? { 'delta.checkpointPolicy': 'v2' } : {};
          await writeCommit(s, 0, [v2 ? V2_PROTOCOL : protocolAction(), metadataAction({ configuration })]);
          for (const [i, c] of commits.entries()) await writeCommit(s, i + 1, c);
          const at = pick % (commits.length + 1);
          const now = WEEK + offset;
          const written = await writeCheckpoint(s, at, { now, ...format });
          expect(written.version).toBe(at);
          const fromCheckpoint = await loadSnapshot(s);
          const jsonOnly = await loadSnapshot(s, { ignoreCheckpoints: true });
          expect(observe(fromCheckpoint)).toEqual(observe(jsonOnly));
          const atCheckpoint = await loadSnapshot(s, { version: at });
          expect(observe(atCheckpoint)).toEqual(
            observe(await loadSnapshot(s, { version: at, ignoreCheckpoints: true })),
          );
          const cutoff = now - deletedFileRetentionMs(atCheckpoint.metadata);
          expect(await liveTombstones(s, cutoff, false)).toEqual(await liveTombstones(s, cutoff, true));
          expect(written.numOfAddFiles).toBe(atCheckpoint.files.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});
