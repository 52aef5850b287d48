/**
 * Row tracking on write (PROTOCOL.md "Row Tracking"): every added file gets a `baseRowId` from the
 * table's high-water mark and a `defaultRowCommitVersion` equal to the commit version, and the new
 * high-water mark is stored in the `delta.rowTracking` domain.
 *
 * Both depend on the version the commit finally lands at and on what concurrent writers assigned,
 * so they are derived afresh on every attempt instead of being part of the transaction's actions;
 * that is also why the domain never counts as a domain-metadata conflict.
 */
import { DeltaError } from '../errors.js';
import type { Action, Add, DomainMetadata, Protocol } from '../protocol/actions.js';

/** The domain that holds the row-id high-water mark. */
export const ROW_TRACKING_DOMAIN = 'delta.rowTracking';

/** Whether the protocol makes writers assign row ids. */
export function rowTrackingSupported(protocol: Protocol | undefined): boolean {
  return protocol?.writerFeatures?.includes('rowTracking') === true;
}

/** The high-water mark recorded by a `delta.rowTracking` domain action, or -1 when none. */
export function highWaterMark(domain: DomainMetadata | undefined): number {
  if (!domain || domain.removed) return -1;
  let parsed: unknown;
  try {
    parsed = JSON.parse(domain.configuration);
  } catch (err) {
    throw new DeltaError('InvalidLog', `domain ${ROW_TRACKING_DOMAIN} holds invalid JSON`, { cause: err });
  }
  const mark = (parsed as { rowIdHighWaterMark?: unknown } | null)?.rowIdHighWaterMark;
  if (typeof mark !== 'number' || !Number.isSafeInteger(mark)) {
    throw new DeltaError('InvalidLog', `domain ${ROW_TRACKING_DOMAIN} has no integer rowIdHighWaterMark`);
  }
  return mark;
}

/**
 * Returns `actions` with row ids assigned to adds that have none, plus the updated domain action.
 * Adds that already carry a `baseRowId` (files moved by OPTIMIZE keep their ids) are left alone.
 *
 * @throws DeltaError `InvalidArgument` when an add has no `numRecords` statistic, without which
 *   the row-id range of the file is unknown.
 */
export function assignRowIds(actions: readonly Action[], version: number, mark: number): Action[] {
  let next = mark + 1;
  let assigned = false;
  const out: Action[] = [];
  for (const action of actions) {
    if (!action.add || action.add.baseRowId != null) {
      out.push(action);
      continue;
    }
    const records = numRecords(action.add);
    const add: Add = { ...action.add, baseRowId: next, defaultRowCommitVersion: version };
    next += records;
    assigned = true;
    out.push({ add });
  }
  if (assigned) {
    out.push({
      domainMetadata: {
        domain: ROW_TRACKING_DOMAIN,
        configuration: JSON.stringify({ rowIdHighWaterMark: next - 1 }),
        removed: false,
      },
    });
  }
  return out;
}

function numRecords(add: Add): number {
  const stats: unknown = typeof add.stats === 'string' ? JSON.parse(add.stats) : undefined;
  const n = (stats as { numRecords?: unknown } | undefined)?.numRecords;
  if (typeof n !== 'number') {
    throw new DeltaError(
      'InvalidArgument',
      `row tracking needs numRecords in the statistics of every added file; ${add.path} has none`,
      { context: { path: add.path } },
    );
  }
  return n;
}
