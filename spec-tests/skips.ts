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
export const SKIPS: readonly Skip[] = [];

/** The skip covering case `id`, if any. */
export function findSkip(id: string, skips: readonly Skip[] = SKIPS): Skip | undefined {
  return skips.find((s) => (typeof s.match === 'string' ? s.match === id : s.match.test(id)));
}
