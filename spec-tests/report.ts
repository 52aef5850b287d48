/**
 * The conformance report (`spec-tests/CONFORMANCE.md`): summary counts, then one row per fixture table.
 * Written by the spec run so the committed copy always says what the code did, not what we hoped.
 */
import { writeFileSync } from 'node:fs';
import type { SparkOpinion, SparkReason } from './spark.js';

/** Result of one case. */
export type CaseStatus = 'passed' | 'failed' | 'skipped';

/** What the spec run records per case. */
export interface CaseRecord {
  readonly id: string;
  readonly tableId: string;
  readonly version: number | undefined;
  readonly status: CaseStatus;
  /** `expected`, `delta-rs`, `error-assertion`, `read-only`… */
  readonly reference: string;
  /** Why it failed or was skipped, or a remark (reference disagreement, unverified rows). */
  readonly note: string | undefined;
  /** Spark's answer, where Spark read the version and the check got that far. */
  readonly spark?: SparkOpinion;
  /** Why Spark was asked to read the version. */
  readonly sparkReasons?: readonly SparkReason[];
}

/** Facts about the references shown above the table. */
export interface ReportContext {
  readonly deltalake: string;
  readonly duckdbDelta: string;
  /** Spark's versions (`pyspark X, delta-spark Y`). */
  readonly spark: string;
  /** Results of the writer-zone checks (Spark in the zone an expectation was generated in). */
  readonly zoneChecks: readonly string[];
  readonly fixturesDir: string;
  readonly seconds: number;
}

function escapeCell(text: string): string {
  return text
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .slice(0, 300);
}

function versionRange(versions: readonly (number | undefined)[]): string {
  const vs = versions.filter((v): v is number => v !== undefined);
  if (vs.length === 0) return '—';
  const first = vs[0];
  const last = vs[vs.length - 1];
  const contiguous = first !== undefined && last !== undefined && last - first + 1 === vs.length;
  if (vs.length === 1) return `v${String(first)}`;
  return contiguous
    ? `v${String(first)}–v${String(last)} (${vs.length})`
    : `${vs.map((v) => `v${v}`).join(', ')}`;
}

/** How many cases each reference decided (a case's label, `+ spark` folded into its primary). */
export function renderReferenceCounts(records: readonly CaseRecord[]): string[] {
  const counts = new Map<string, number>();
  for (const r of records) {
    const label = r.reference.replace(/ \+ spark$/, '').replace(/ \(twin .*\)$/, '');
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const sorted = [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  return [
    '| reference | table-versions |',
    '| --- | --- |',
    ...sorted.map(([label, n]) => `| ${escapeCell(label)} | ${n} |`),
    '',
  ];
}

/** The Spark paragraph: what Spark verified, and every disagreement or refusal with its judgement. */
export function renderSpark(records: readonly CaseRecord[], ctx: ReportContext): string[] {
  const asked = records.filter((r) => r.sparkReasons !== undefined);
  const asReference = records.filter((r) => r.spark?.role === 'reference');
  const second = records.filter((r) => r.spark?.role === 'second opinion');
  const by = (v: SparkOpinion['verdict']): CaseRecord[] => second.filter((r) => r.spark?.verdict === v);
  const reasons = new Map<string, number>();
  for (const r of asked)
    for (const why of r.sparkReasons ?? []) reasons.set(why, (reasons.get(why) ?? 0) + 1);
  const lines = [
    '## Spark as second reference',
    '',
    `Spark (${ctx.spark}, local[2], session time zone UTC) read ${asked.length} table-versions (${[...reasons].map(([k, n]) => `${k}: ${n}`).join('; ')}). It is the only reference for ${asReference.length} of them (rows delta-rs cannot read; delta-ts' rows must equal Spark's), and a second opinion for ${second.length}: ${by('agrees').length} agree, ${by('disagrees').length} disagree, ${by('refused').length} refused${by('unavailable').length > 0 ? `, **${by('unavailable').length} unanswered because Spark could not start**` : ''}. See \`spec-tests/spark.ts\` for how the cases are picked.`,
    '',
  ];
  for (const z of ctx.zoneChecks) lines.push(`- Writer zone: ${z}.`);
  for (const r of [...by('disagrees'), ...by('refused')]) {
    const verdict = r.spark?.verdict === 'disagrees' ? 'disagrees' : 'refuses';
    const judged = r.spark?.judgement === undefined ? '' : ` **Verdict:** ${r.spark.judgement}`;
    lines.push(`- \`${r.id}\`: Spark ${verdict} (${escapeCell(r.spark?.detail ?? '')}).${judged}`);
  }
  if (lines[lines.length - 1] !== '') lines.push('');
  return lines;
}

/** Renders the report as Markdown. */
export function renderReport(records: readonly CaseRecord[], ctx: ReportContext): string {
  const count = (s: CaseStatus): number => records.filter((r) => r.status === s).length;
  const total = records.length;
  const passed = count('passed');
  const failed = count('failed');
  const skipped = count('skipped');
  const ran = passed + failed;
  const unverified = records.filter((r) => r.status === 'passed' && r.reference === 'read-only').length;
  const tables = new Map<string, CaseRecord[]>();
  for (const r of records) tables.set(r.tableId, [...(tables.get(r.tableId) ?? []), r]);

  const lines = [
    '# Conformance report',
    '',
    'Generated by `npm run test:spec` (`spec-tests/conformance.spec.ts`); do not edit by hand.',
    `Fixtures: \`${ctx.fixturesDir}\`. References: deltalake (delta-rs) ${ctx.deltalake}; Spark (${ctx.spark}); DuckDB \`delta\` extension: ${escapeCell(ctx.duckdbDelta)}.`,
    `Run time: ${ctx.seconds.toFixed(0)} s.`,
    '',
    '| table-versions | passed | failed | skipped | pass rate (of run) |',
    '| --- | --- | --- | --- | --- |',
    `| ${total} | ${passed} | ${failed} | ${skipped} | ${ran === 0 ? '—' : `${((100 * passed) / ran).toFixed(1)} %`} |`,
    '',
    `${tables.size} tables. Of the passed cases, ${unverified} are "read-only": no reference engine could read them, so delta-ts was only required to read them without error (and with delta-rs' active-file list where it had one).`,
    '',
    'Reference legend: `expected` = stored expected Parquet; `delta-rs` / `delta-rs-datafusion` = rows from delta-rs; `duckdb` = rows from the DuckDB `delta` extension, where delta-rs cannot read the version; `spark` = rows from Spark (delta-spark), where neither can; `+ spark` = Spark read the version too and agrees (or its disagreement is judged below); `error-assertion` = the right outcome is a typed `DeltaError` (see `spec-tests/outcomes.ts`); `read-only` = as above; `empty-assertion` = the version must read as an empty table; `(over expected)` = delta-rs chosen over a stored expectation, with the reason in the note.',
    '',
    ...renderReferenceCounts(records),
    ...renderSpark(records, ctx),
    '## Tables',
    '',
    '| table | versions | result | reference | note |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [tableId, rs] of [...tables].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const p = rs.filter((r) => r.status === 'passed').length;
    const f = rs.filter((r) => r.status === 'failed').length;
    const s = rs.filter((r) => r.status === 'skipped').length;
    const result = [
      f === 0 && s === 0 ? `pass ${p}/${rs.length}` : `${p}/${rs.length} passed`,
      f > 0 ? `**${f} failed**` : '',
      s > 0 ? `${s} skipped` : '',
    ]
      .filter((x) => x !== '')
      .join(', ');
    const refs = [...new Set(rs.map((r) => r.reference))].join(', ');
    const firstFailure = rs.find((r) => r.status === 'failed') ?? rs.find((r) => r.status === 'skipped');
    const anyNote = firstFailure ?? rs.find((r) => r.note !== undefined);
    const note =
      anyNote?.note === undefined
        ? ''
        : `${anyNote.version === undefined ? '' : `v${anyNote.version}: `}${anyNote.note}`;
    lines.push(
      `| ${escapeCell(tableId)} | ${versionRange(rs.map((r) => r.version))} | ${result} | ${refs} | ${escapeCell(note)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Writes the report to `path`. */
export function writeReport(path: string, records: readonly CaseRecord[], ctx: ReportContext): void {
  writeFileSync(path, renderReport(records, ctx));
}
