/**
 * Conformance of delta-ts' reader over every fixture table and every version of it.
 *
 * One `it` per table version (`<folder>/<table>@v<version>`). Before them, the reference dumper runs
 * once for all cases (delta-rs rows and stored expected results, cached), then once more in Spark
 * mode for the cases `spark.ts` picks (cached too). Each case is checked against its expectation
 * (`outcomes.ts`: expected rows, delta-rs or Spark rows, a typed error, or "must be readable"), with
 * Spark's second opinion where it read the version; skips live only in `skips.ts`. After the run,
 * `CONFORMANCE.md` is rewritten.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCase, CheckFailure, referenceLabel } from './check.js';
import { FIXTURES_DIR, listFixtureCases, REPO_ROOT } from './fixtures.js';
import { decide, PREFER_DELTA_RS } from './outcomes.js';
import { runReference, runSpark, sparkId, type RefRun, type SparkRun } from './reference.js';
import { writeReport, type CaseRecord } from './report.js';
import { findSkip } from './skips.js';
import { diffResults, planSpark, sparkUnavailable, type SparkReason } from './spark.js';

const CASES = listFixtureCases();
const records: CaseRecord[] = [];
let reference: RefRun | undefined;
let spark: SparkRun | undefined;
let sparkReasons = new Map<string, SparkReason[]>();
const zoneChecks: string[] = [];
const started = Date.now();

beforeAll(async () => {
  reference = await runReference(CASES, join(REPO_ROOT, '.cache', 'ref-run'));
  const plan = await planSpark(CASES, reference);
  sparkReasons = plan.reasons;
  spark = await runSpark(plan.requests, join(REPO_ROOT, '.cache', 'ref-run-spark'));
});

afterAll(() => {
  if (reference === undefined || records.length === 0) return;
  // A filtered run (vitest -t) must not overwrite the full report with a partial one.
  if (records.length !== CASES.length) return;
  const byId = new Map(CASES.map((c, i) => [c.id, i]));
  records.sort((a, b) => (byId.get(a.id) ?? 0) - (byId.get(b.id) ?? 0));
  writeReport(join(REPO_ROOT, 'spec-tests', 'CONFORMANCE.md'), records, {
    deltalake: reference.deltalake,
    duckdbDelta: reference.duckdbDelta,
    spark: spark?.versions ?? 'not run',
    zoneChecks,
    fixturesDir: FIXTURES_DIR,
    seconds: (Date.now() - started) / 1000,
  });
});

describe('conformance over every fixture table version', () => {
  it('enumerates the fixture tables', () => {
    expect(CASES.length).toBeGreaterThan(0);
    expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
  });

  it('starts Spark for the cases that need a second reference', () => {
    const results = [...(spark?.results.values() ?? [])];
    expect(results.length).toBeGreaterThan(0);
    const down = results.find(sparkUnavailable);
    expect(down?.error, 'Spark (scripts/ref/spark.py) could not start').toBeUndefined();
  });

  // The expected rows of a PREFER_DELTA_RS case differ only by the zone they were generated in: Spark
  // read in that zone must reproduce them, or the rule's explanation is wrong.
  for (const c of CASES.filter((x) => x.expectedFiles !== undefined)) {
    for (const rule of PREFER_DELTA_RS.filter((r) => r.writerZone !== undefined && r.match.test(c.id))) {
      const zone = rule.writerZone ?? 'UTC';
      it(`${c.id}: Spark in ${zone} reproduces the expected rows`, async () => {
        const expected = reference?.results.get(`${c.id}#expected`);
        const inZone = spark?.results.get(sparkId(c.id, zone));
        expect(expected?.status).toBe('rows');
        expect(inZone?.status, inZone?.error).toBe('rows');
        if (expected === undefined || inZone === undefined) return;
        const d = await diffResults(expected, inZone);
        expect(d.equal, `${d.missing[0] ?? ''} / ${d.unexpected[0] ?? ''}`).toBe(true);
        zoneChecks.push(
          `\`${c.id}\`: Spark with session time zone ${zone} reproduces the ${d.expectedCount} expected rows`,
        );
      });
    }
  }

  for (const c of CASES) {
    const base = { id: c.id, tableId: c.table.id, version: c.version };
    const skip = findSkip(c.id);
    if (skip !== undefined) {
      records.push({ ...base, status: 'skipped', reference: 'skipped', note: skip.reason });
      it.skip(`${c.id} (skipped: ${skip.reason})`, () => undefined);
      continue;
    }
    it(c.id, async () => {
      if (reference === undefined) throw new Error('the reference dumper did not run');
      const expectation = decide(
        c,
        reference.results.get(c.id),
        reference.results.get(`${c.id}#expected`),
        spark?.results.get(sparkId(c.id)),
      );
      const label = referenceLabel(expectation);
      const reasons = sparkReasons.get(c.id);
      try {
        const { note, spark: opinion } = await checkCase(c, expectation);
        const shown = opinion?.role === 'second opinion' ? `${label} + spark` : label;
        records.push({
          ...base,
          status: 'passed',
          reference: shown,
          note,
          spark: opinion,
          sparkReasons: reasons,
        });
      } catch (err) {
        const message = err instanceof CheckFailure ? err.message : `crashed: ${String(err)}`;
        records.push({ ...base, status: 'failed', reference: label, note: message, sparkReasons: reasons });
        throw err;
      }
    });
  }
});
