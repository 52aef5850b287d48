/**
 * fast-check generators of Delta logs for property tests of replay and checkpointing: commits of
 * random add/remove (over a few paths, with and without deletion vectors), metadata, protocol, txn
 * and domainMetadata actions. Few distinct keys, so that actions often reconcile with each other.
 */
import fc from 'fast-check';
import type { Action, DeletionVectorDescriptor } from '../protocol/actions.js';
import { addAction, metadataAction, protocolAction, removeAction } from './testing.js';

/** Deletion vectors used by the generated file actions (`undefined`: none). */
export const dvs: Array<DeletionVectorDescriptor | undefined> = [
  undefined,
  { storageType: 'u', pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^', offset: 1, sizeInBytes: 10, cardinality: 1 },
  { storageType: 'u', pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^', offset: 9, sizeInBytes: 10, cardinality: 2 },
  {
    storageType: 'i',
    pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L',
    sizeInBytes: 40,
    cardinality: 6,
  },
];
const pathArb = fc.constantFrom('a.parquet', 'b.parquet', 'p=1/c.parquet', 'p=2/c.parquet', 'd');
const dvArb = fc.integer({ min: 0, max: dvs.length - 1 }).map((i) => dvs[i]);
const extra = (dv: DeletionVectorDescriptor | undefined) => (dv ? { deletionVector: dv } : {});

/** One action of a commit. */
export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(pathArb, dvArb, fc.nat(1000))
      .map(([p, dv, size]) => addAction(p, { size, ...extra(dv) })),
  },
  {
    weight: 4,
    // Deletion times 0..1000 ms, so tests can put a tombstone-expiry cutoff among them.
    arbitrary: fc
      .tuple(pathArb, dvArb, fc.integer({ min: 0, max: 1000 }))
      .map(([p, dv, deletionTimestamp]) => removeAction(p, { ...extra(dv), deletionTimestamp })),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }).map((d) => metadataAction({ description: d })) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 2, max: 6 }).map((w) => protocolAction({ minWriterVersion: w })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('app1', 'app2'), fc.nat(50))
      .map(([appId, version]) => ({ txn: { appId, version } })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('d1', 'd2', 'd3'), fc.string({ maxLength: 4 }), fc.boolean())
      .map(([domain, configuration, removed]) => ({ domainMetadata: { domain, configuration, removed } })),
  },
);
/** One to eight commits of up to six actions each (commit 0 with protocol and metadata not included). */
export const logArb = fc.array(fc.array(actionArb, { maxLength: 6 }), { minLength: 1, maxLength: 8 });
