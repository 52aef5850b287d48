/**
 * Apache Spark (delta-spark) as the second reference engine: which fixture cases it reads and how its
 * answer is weighed against the primary reference.
 *
 * Spark costs a JVM start (about 20 s on a fresh machine, jars included) and 0.4–1 s per table
 * version, so it reads only the cases where a second engine adds information (its results are
 * cached like delta-rs' ones):
 *
 * - **only reference**: delta-rs refuses the version for lack of a feature (the "read-only" cases);
 *   Spark's rows then become the reference delta-ts must match;
 * - **second opinion** where delta-rs is shaky: it needed its DataFusion path (the newest such
 *   version of each table, which carries the most log history: deletion vectors, checkpoints), it disagrees with the stored expectation, a rule prefers it over the
 *   expectation ({@link PREFER_DELTA_RS}), or a rule says the version reads as an empty table where
 *   delta-rs reads rows;
 * - **zone provenance**: where a rule names the zone the expected rows were generated in, Spark reads
 *   the version in that session time zone, to show the expectation follows from it.
 *
 * A second opinion never changes what delta-ts is checked against; a disagreement must be judged in
 * {@link SPARK_VERDICTS} (which engine PROTOCOL.md says is right) or the case fails.
 */
import { RowMultiset, typesOf } from './compare.js';
import type { FixtureCase } from './fixtures.js';
import { decide, PREFER_DELTA_RS, RULES } from './outcomes.js';
import { readNdjson, sparkId, type RefResult, type RefRun, type SparkRequest } from './reference.js';

/** Why Spark reads a case. */
export type SparkReason =
  | 'only reference'
  | 'DataFusion path'
  | 'disagrees with expected'
  | 'preferred over expected'
  | 'empty by rule';

/** A judged disagreement between Spark and the primary reference. */
export interface SparkVerdict {
  readonly match: RegExp;
  /** Which engine PROTOCOL.md says is right, and why. */
  readonly verdict: string;
}

/**
 * Judged disagreements between Spark and the primary reference (delta-rs or a stored expectation),
 * including Spark refusing a version the primary reads. PROTOCOL.md decides which engine is right.
 */
export const SPARK_VERDICTS: readonly SparkVerdict[] = [
  {
    match: /^kernel-rs-data\/compacted-log-files-table@/,
    verdict:
      'delta-rs is right. The fixture\'s log compaction files (`<x>.<y>.compacted.json`) are the covered commits concatenated newest first, not reconciled: they hold an add and a remove of the same path and repeated adds. PROTOCOL.md ("Log Compaction Files") says a compaction is the Action Reconciliation of its commits and only an optional stand-in for them, so the commits define the table. Spark reads the compaction files (its minorCompaction.useForReads default) and keeps stale files (23 rows at v25); with that setting off it reads 5 rows like delta-rs and delta-ts',
  },
  {
    match: /^kernel-rs-data\/timestamp-partitioned-table@/,
    verdict:
      'Spark follows the letter of PROTOCOL.md, delta-rs its intent. `add.path` must be an RFC 2396 URI; `time=1971-07-22T03:06:40.000000Z/part-….parquet` has an unescaped ":" in its first segment, which is not a valid relative reference (the writer should have written %3A), so Spark fails to parse it. delta-rs and delta-ts take the path literally, which names the file that exists, and read the same row; delta-ts keeps delta-rs as the reference (a tolerated leniency, not a protocol requirement)',
  },
];

/** Spark's answer on a case, as recorded in the report. */
export interface SparkOpinion {
  /** `reference`: Spark's rows were the check; `second opinion`: compared with the primary. */
  readonly role: 'reference' | 'second opinion';
  /** `unavailable`: Spark itself could not start (no Java, no jars); a separate test reports that. */
  readonly verdict: 'agrees' | 'disagrees' | 'refused' | 'unavailable';
  /** The difference or Spark's error, for `disagrees` / `refused`. */
  readonly detail?: string;
  /** The judgement from {@link SPARK_VERDICTS} for a disagreement. */
  readonly judgement?: string;
}

/** Reads two canonical-row results into one multiset and returns their difference. */
export async function diffResults(
  reference: RefResult,
  other: RefResult,
): Promise<ReturnType<RowMultiset['diff']>> {
  const set = new RowMultiset(typesOf(reference.schema));
  if (reference.rowsPath !== undefined) {
    for await (const row of readNdjson(reference.rowsPath)) set.addExpected(row);
  }
  if (other.rowsPath !== undefined) {
    for await (const row of readNdjson(other.rowsPath)) set.addActual(row);
  }
  return set.diff(1);
}

function describeDifference(d: ReturnType<RowMultiset['diff']>, primary: string): string {
  return `${d.actualCount} rows vs ${d.expectedCount} from ${primary}; e.g. only Spark: ${d.unexpected[0] ?? '—'}; only ${primary}: ${d.missing[0] ?? '—'}`;
}

/** Spark's reasons to read `c`, given the delta-rs / expected results of the first dumper run. */
async function reasonsFor(
  c: FixtureCase,
  run: RefRun,
  dataFusionNewest: Set<string>,
): Promise<SparkReason[]> {
  const deltaRs = run.results.get(c.id);
  const expected = run.results.get(`${c.id}#expected`);
  const reasons: SparkReason[] = [];
  if (RULES.some((r) => r.codes.length === 0 && r.match.test(c.id))) reasons.push('empty by rule');
  if (PREFER_DELTA_RS.some((r) => r.match.test(c.id))) reasons.push('preferred over expected');
  if (decide(c, deltaRs, expected).kind === 'readable') reasons.push('only reference');
  if (dataFusionNewest.has(c.id)) reasons.push('DataFusion path');
  if (deltaRs?.status === 'rows' && expected?.status === 'rows' && reasons.length === 0) {
    if (!(await diffResults(expected, deltaRs)).equal) reasons.push('disagrees with expected');
  }
  return reasons;
}

/**
 * The Spark requests for `cases`: one UTC reading per case that needs Spark, plus a reading in the
 * writer's zone where a {@link PREFER_DELTA_RS} rule names one. Also returns why each case is read.
 */
export async function planSpark(
  cases: readonly FixtureCase[],
  run: RefRun,
): Promise<{ requests: SparkRequest[]; reasons: Map<string, SparkReason[]> }> {
  const byTable = new Map<string, FixtureCase[]>();
  for (const c of cases) {
    if (run.results.get(c.id)?.engine !== 'delta-rs-datafusion') continue;
    byTable.set(c.table.id, [...(byTable.get(c.table.id) ?? []), c]);
  }
  const dataFusionNewest = new Set<string>();
  for (const list of byTable.values()) {
    const newest = [...list].sort((a, b) => (b.version ?? 0) - (a.version ?? 0))[0];
    if (newest !== undefined) dataFusionNewest.add(newest.id);
  }
  const requests: SparkRequest[] = [];
  const reasons = new Map<string, SparkReason[]>();
  for (const c of cases) {
    if (c.version === undefined || !c.table.hasLog) continue;
    const why = await reasonsFor(c, run, dataFusionNewest);
    if (why.length === 0) continue;
    reasons.set(c.id, why);
    requests.push({ id: sparkId(c.id), case: c, timeZone: 'UTC' });
    for (const rule of PREFER_DELTA_RS) {
      if (rule.writerZone !== undefined && rule.match.test(c.id)) {
        requests.push({ id: sparkId(c.id, rule.writerZone), case: c, timeZone: rule.writerZone });
      }
    }
  }
  return { requests, reasons };
}

/**
 * Weighs Spark's result against the primary reference's rows (or against "no rows" for an empty-table
 * rule, `primary` undefined). A disagreement is looked up in {@link SPARK_VERDICTS}.
 */
export async function secondOpinion(
  caseId: string,
  spark: RefResult,
  primary: RefResult | undefined,
  primaryLabel: string,
): Promise<SparkOpinion> {
  const role = 'second opinion';
  const judgement = SPARK_VERDICTS.find((v) => v.match.test(caseId))?.verdict;
  if (spark.status !== 'rows') {
    const verdict = sparkUnavailable(spark) ? 'unavailable' : 'refused';
    return { role, verdict, detail: firstLine(spark.error), judgement };
  }
  let detail: string | undefined;
  if (primary === undefined) {
    if ((spark.rowCount ?? 0) > 0) detail = `Spark reads ${String(spark.rowCount)} rows, the rule says none`;
  } else {
    const d = await diffResults(primary, spark);
    if (!d.equal) detail = describeDifference(d, primaryLabel);
  }
  if (detail === undefined) return { role, verdict: 'agrees' };
  return { role, verdict: 'disagrees', detail, judgement };
}

/** Whether a Spark result failed because the session never started (not an answer about the table). */
export function sparkUnavailable(result: RefResult): boolean {
  return result.status !== 'rows' && (result.error ?? '').includes('Spark could not start');
}

function firstLine(text: string | undefined): string {
  const line = (text ?? '').split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
