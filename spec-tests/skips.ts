/**
 * The conformance skip list: the only place a fixture case may be skipped, each entry with its
 * reason. A feature refused by design is *not* a skip: it asserts the typed `UnsupportedFeature`
 * error (see `outcomes.ts`). Entries here are known faults in code outside the spec tests, each
 * reported to its owner; remove an entry as soon as its case passes.
 */

/** One skipped case or family of cases. */
export interface Skip {
  /** A case id (`delta-rs/simple_table@v2`), or a pattern over case ids. */
  readonly match: string | RegExp;
  /** Why it is skipped, who owns the fix. */
  readonly reason: string;
}

/** Every skip. Keep it short. */
export const SKIPS: readonly Skip[] = [
  {
    // Not a fault of delta-ts: the reference cannot read the fixture as given either.
    match: 'write-reverse/fixture:kernel-rs-golden/basic-with-vacuum-protocol-check-feature/delta#delta-rs',
    reason:
      'delta-rs 1.6.6 does not implement the vacuumProtocolCheck reader feature and refuses the table (before and after delta-ts writes); Spark reads it',
  },
];

/**
 * Columns a reference engine is known to misread, left out of that engine's comparison (the rest
 * of each row is still compared). Each entry is backed by a test that shows the same misreading on
 * a table written by Delta itself, so the entry fails loudly once the engine is fixed.
 */
export interface ColumnFault {
  /**
   * A writer interop id (`write-interop/<scenario>#<engine>`, `write-reverse/<target>#<engine>`),
   * or a pattern over them.
   */
  readonly match: string | RegExp;
  /** Columns left out of the comparison. */
  readonly columns: readonly string[];
  readonly reason: string;
}

const DUCKDB_PARTITIONS_UNDER_COLUMN_MAPPING =
  "DuckDB 1.5.5's delta extension reads the partition column of these column-mapping tables as null (it does the same on Delta's golden table delta-golden/data-reader-timestamp_ntz-id-mode; see the test in write-interop.spec.ts); delta-rs and Spark read the values";

/** Every known column fault of a reference engine. */
export const COLUMN_FAULTS: readonly ColumnFault[] = [
  {
    match: /^write-interop\/column-mapping-(name|id)#duckdb$/,
    columns: ['p'],
    reason: DUCKDB_PARTITIONS_UNDER_COLUMN_MAPPING,
  },
  {
    match: 'write-reverse/spark/column-mapping#duckdb',
    columns: ['country'],
    reason: DUCKDB_PARTITIONS_UNDER_COLUMN_MAPPING,
  },
];

/** The column fault covering write-interop id `id`, if any. */
export function findColumnFault(
  id: string,
  faults: readonly ColumnFault[] = COLUMN_FAULTS,
): ColumnFault | undefined {
  return faults.find((f) => (typeof f.match === 'string' ? f.match === id : f.match.test(id)));
}

/** The skip covering case `id`, if any. */
export function findSkip(id: string, skips: readonly Skip[] = SKIPS): Skip | undefined {
  return skips.find((s) => (typeof s.match === 'string' ? s.match === id : s.match.test(id)));
}
