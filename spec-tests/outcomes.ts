/**
 * What the right outcome of reading each fixture table version is, and what it is checked against.
 *
 * The decision is written down here, in one place, in this order:
 *
 * 1. **Explicit rules** ({@link RULES}) for tables whose right outcome is a refusal by design or where
 *    the protocol text, not a reference engine, decides (missing log, future reader version, variant,
 *    catalog-managed tables, path canonicalisation), and {@link PREFER_DELTA_RS} where the stored
 *    expectation encodes something the table does not record.
 * 2. **Stored expected results** (`kernel-rs-golden/<t>/expected`, `dat/<t>/expected/<v>`, and the
 *    byte-identical `delta-golden` twins of kernel-rs-golden tables): delta-ts' rows must equal them.
 * 3. **delta-rs' rows** (PyArrow path, else DataFusion path): delta-ts' rows must equal them.
 *    Where Spark also read the version (`spark.ts` decides where), its rows are a second opinion:
 *    a disagreement is reported and must be judged in `SPARK_VERDICTS`.
 * 4. **delta-rs' refusal**, classified by its message:
 *    - the log breaks PROTOCOL.md (version gap, no protocol, no metadata, metadata without a
 *      schema, readerFeatures with a reader version other than 3) → delta-ts must refuse with
 *      `InvalidLog` (or `CorruptLog` / `InvalidSchema`, which name the same fault from the parser's
 *      side);
 *    - a data file named by the log is absent (vacuumed tables, fixtures that ship only their log) →
 *      the snapshot must load with the same active files as delta-rs (the log part is a "correct
 *      recovery") and the scan must fail with `FileNotFound`;
 *      (absence is checked on disk: delta-rs reports an absent file as "1 byte long" when the log's
 *      `add.size` says 1, so its message alone misleads);
 *    - a data file exists but is not Parquet → same, with `CorruptData`;
 *    - delta-rs lacks a reader feature (`vacuumProtocolCheck`, `typeWidening-preview`, …) → Spark's
 *      rows are the reference when Spark read the version (with delta-rs' active files where it
 *      replayed the log); otherwise no reference can read the rows, and delta-ts must read the
 *      version without error ("read-only" outcome, rows unverified).
 *    Anything else is an undecided case and fails until a rule is added here.
 */
import type { DeltaErrorCode } from '../src/errors.js';
import type { FixtureCase } from './fixtures.js';
import type { RefResult } from './reference.js';

/** What a case is checked against. */
export type Expectation =
  | {
      readonly kind: 'rows';
      /** `expected`, `expected (twin <id>)`, `delta-rs`, `delta-rs-datafusion`, `duckdb` or `spark`. */
      readonly reference: string;
      readonly ref: RefResult;
      /** delta-rs' rows when the primary reference is the stored expectation (disagreements are noted). */
      readonly crossCheck: RefResult | undefined;
      /** Spark's reading of the version, compared with `ref` as a second opinion. */
      readonly secondOpinion?: RefResult;
      /** Whose active-file list delta-ts' must equal, when not `ref`'s (Spark reports none). */
      readonly filesRef?: RefResult;
      /** Why this reference was chosen over another, for the report. */
      readonly note?: string;
    }
  | {
      readonly kind: 'error';
      readonly codes: readonly DeltaErrorCode[];
      /** `scan`: the snapshot must load (and match delta-rs' active files), only reading rows fails. */
      readonly phase: 'any' | 'scan';
      readonly reason: string;
      readonly ref: RefResult | undefined;
    }
  | {
      readonly kind: 'readable';
      readonly reason: string;
      readonly ref: RefResult | undefined;
    }
  | {
      /** The version must read as an empty table: no active file, no row. */
      readonly kind: 'empty';
      readonly reason: string;
      /** Spark's reading of the version, which should be empty too. */
      readonly secondOpinion?: RefResult;
    }
  | { readonly kind: 'undecided'; readonly reason: string; readonly ref: RefResult | undefined };

/** An explicit decision for the cases whose id matches `match`: a typed error, or an empty table. */
export interface OutcomeRule {
  readonly match: RegExp;
  /** The acceptable error codes; an empty list means "must read as an empty table". */
  readonly codes: readonly DeltaErrorCode[];
  readonly reason: string;
}

/** A case where delta-rs' rows, not the stored expectation, are right. */
export interface PreferDeltaRs {
  readonly match: RegExp;
  readonly reason: string;
  /**
   * The session time zone the expected rows were generated in, when that is the whole difference:
   * the spec then checks that Spark read in this zone reproduces the expected rows.
   */
  readonly writerZone?: string;
}

/** Cases where delta-rs' rows, not the stored expectation, are right; the disagreement is noted. */
export const PREFER_DELTA_RS: readonly PreferDeltaRs[] = [
  {
    match: /\/data-reader-partition-values@/,
    reason:
      'timestamp partition value "2021-09-08 11:11:11" has no zone; PROTOCOL.md says to use the writer\'s zone, which the log does not record. The expected rows embed the generating machine\'s zone (America/Los_Angeles, 18:11:11Z: Spark in that session zone reproduces them); delta-ts, delta-rs and Spark in UTC read it as 11:11:11Z',
    writerZone: 'America/Los_Angeles',
  },
];

const LOG_FAULT: readonly DeltaErrorCode[] = ['InvalidLog', 'CorruptLog', 'InvalidSchema'];

/** Explicit decisions, checked first. Every rule states why. */
export const RULES: readonly OutcomeRule[] = [
  {
    match: /@latest$/,
    codes: ['TableNotFound'],
    reason: 'no _delta_log folder (or no commit in it): the path is not a Delta table',
  },
  {
    match: /\/deltalog-invalid-protocol-version@/,
    codes: ['UnsupportedFeature', 'InvalidLog'],
    reason:
      'minReaderVersion 99: PROTOCOL.md requires a reader to refuse a table needing a newer reader (delta-rs calls the protocol invalid)',
  },
  {
    match: /^delta-rs\/simple_table_features@/,
    codes: ['InvalidLog', 'UnsupportedFeature'],
    reason:
      'minReaderVersion 5 with readerFeatures (only legal with version 3) naming the unknown feature "blahabl": either fault must refuse the table',
  },
  {
    match: /^kernel-rs-golden\/canonicalized-paths-(normal|special)-[ab]@v0$/,
    codes: ['PathOutsideTable', 'FileNotFound'],
    reason:
      'the add path is absolute (/some/unqualified/…), outside the table root: refused by default (OpenOptions.allowOutsideRoot); the file does not exist either',
  },
  {
    match: /^kernel-rs-golden\/canonicalized-paths-(normal|special)-[ab]@v1$/,
    codes: [],
    reason:
      'the remove names the added file in another spelling (file:/… or file:///… for /…); paths are compared after canonicalisation, so nothing stays active (delta-rs keeps the file: it does not canonicalise)',
  },
  {
    match: /variant/,
    codes: ['UnsupportedFeature'],
    reason: 'variant columns (variantType, variantShredding-preview) are refused by design in this release',
  },
  {
    match:
      /^delta-kernel\/catalog-owned-preview@|^delta-rs-err-logs\/table_[def]@|^delta-rs-err-logs\/table_[hi]@v9999$/,
    codes: ['UnsupportedFeature'],
    reason:
      'catalog-managed table (catalogOwned reader feature): commits are owned by a catalog we do not talk to',
  },
];

const LOG_FAULT_PATTERNS: readonly RegExp[] = [
  /Expected contiguous commit files/i,
  /No protocol found/i,
  /No table metadata found/i,
  /Reader features must not be present/i,
  /unmasked nulls/i,
];

const REFERENCE_LIMITS = /not yet supported by the deltalake reader|not supported/i;

function allErrors(ref: RefResult): string {
  return [ref.error ?? '', ...ref.attempts.map((a) => a.error)].join('\n');
}

/**
 * Decides how `c` is checked, from the rules and the references' results. `spark` is Spark's UTC
 * reading of the version, when the spec asked Spark for one (see `spark.ts`).
 */
export function decide(
  c: FixtureCase,
  deltaRs: RefResult | undefined,
  expected: RefResult | undefined,
  spark?: RefResult,
): Expectation {
  const opinion = spark === undefined ? {} : { secondOpinion: spark };
  const rule = RULES.find((r) => r.match.test(c.id));
  if (rule !== undefined && rule.codes.length === 0)
    return { kind: 'empty', reason: rule.reason, ...opinion };
  if (rule !== undefined)
    return { kind: 'error', codes: rule.codes, phase: 'any', reason: rule.reason, ref: deltaRs };
  const prefer = PREFER_DELTA_RS.find((r) => r.match.test(c.id));
  if (prefer !== undefined && deltaRs?.status === 'rows') {
    const reference = `${deltaRs.engine ?? 'delta-rs'} (over expected)`;
    return { kind: 'rows', reference, ref: deltaRs, crossCheck: undefined, note: prefer.reason, ...opinion };
  }
  if (expected?.status === 'rows') {
    const reference =
      c.table.expectedFrom === undefined ? 'expected' : `expected (twin ${c.table.expectedFrom})`;
    return {
      kind: 'rows',
      reference,
      ref: expected,
      crossCheck: deltaRs?.status === 'rows' ? deltaRs : undefined,
      ...opinion,
    };
  }
  if (deltaRs === undefined) return { kind: 'undecided', reason: 'no reference result', ref: undefined };
  if (deltaRs.status === 'rows') {
    const reference = deltaRs.engine ?? 'delta-rs';
    // The dumper falls back to DuckDB only when delta-rs cannot read the version: say why.
    const refused = deltaRs.attempts.find((a) => a.engine.startsWith('delta-rs'));
    const note =
      reference === 'duckdb' && refused !== undefined
        ? { note: `delta-rs cannot read the rows: ${firstLine(refused.error)}` }
        : {};
    return { kind: 'rows', reference, ref: deltaRs, crossCheck: undefined, ...note, ...opinion };
  }
  const text = allErrors(deltaRs);
  if (deltaRs.phase === 'load') {
    if (LOG_FAULT_PATTERNS.some((p) => p.test(text))) {
      return {
        kind: 'error',
        codes: LOG_FAULT,
        phase: 'any',
        reason: `the log breaks PROTOCOL.md; delta-rs: ${firstLine(deltaRs.error)}`,
        ref: deltaRs,
      };
    }
    if (REFERENCE_LIMITS.test(text)) {
      const reason = `delta-rs cannot replay it: ${firstLine(deltaRs.error)}`;
      return readOnlyOrSpark(reason, undefined, spark);
    }
  }
  if (deltaRs.phase === 'scan') {
    if ((deltaRs.missingFiles ?? 0) > 0 || /not found|No such file/i.test(text)) {
      return {
        kind: 'error',
        codes: ['FileNotFound'],
        phase: 'scan',
        reason: 'a data file named by the log is absent from the fixture',
        ref: deltaRs,
      };
    }
    if (
      deltaRs.missingFiles === 0 &&
      /smaller than the minimum file footer|Parquet magic bytes/i.test(text)
    ) {
      return {
        kind: 'error',
        codes: ['CorruptData'],
        phase: 'scan',
        reason: 'the data files are not Parquet (placeholders in a log-replay fixture)',
        ref: deltaRs,
      };
    }
    if (REFERENCE_LIMITS.test(text)) {
      const reason = `delta-rs cannot read the rows: ${firstLine(deltaRs.error)}`;
      return readOnlyOrSpark(reason, deltaRs, spark);
    }
  }
  return {
    kind: 'undecided',
    reason: `unclassified reference error: ${firstLine(deltaRs.error)}`,
    ref: deltaRs,
  };
}

/** Spark's rows as the only reference where delta-rs lacks a feature; "read-only" without them. */
function readOnlyOrSpark(
  reason: string,
  deltaRs: RefResult | undefined,
  spark: RefResult | undefined,
): Expectation {
  if (spark?.status === 'rows') {
    const files = deltaRs === undefined ? {} : { filesRef: deltaRs };
    return { kind: 'rows', reference: 'spark', ref: spark, crossCheck: undefined, note: reason, ...files };
  }
  return { kind: 'readable', reason, ref: deltaRs };
}

function firstLine(text: string | undefined): string {
  const line = (text ?? '').split('\n')[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}
