/**
 * Conformance of delta-ts' reader over every fixture table and every version of it.
 *
 * One `it` per table version (`<folder>/<table>@v<version>`). Before them, the reference dumper runs
 * once for all cases (delta-rs rows and stored expected results, cached). Each case is checked
 * against its expectation (`outcomes.ts`: expected rows, delta-rs rows, a typed error, or "must be
 * readable"); skips live only in `skips.ts`. After the run, `CONFORMANCE.md` is rewritten.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCase, CheckFailure, referenceLabel } from './check.js';
import { FIXTURES_DIR, listFixtureCases, REPO_ROOT } from './fixtures.js';
import { decide } from './outcomes.js';
import { runReference, type RefRun } from './reference.js';
import { writeReport, type CaseRecord } from './report.js';
import { findSkip } from './skips.js';

const CASES = listFixtureCases();
const records: CaseRecord[] = [];
let reference: RefRun | undefined;
const started = Date.now();

beforeAll(async () => {
  reference = await runReference(CASES, join(REPO_ROOT, '.cache', 'ref-run'));
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
    fixturesDir: FIXTURES_DIR,
    seconds: (Date.now() - started) / 1000,
  });
});

describe('conformance over every fixture table version', () => {
  it('enumerates the fixture tables', () => {
    expect(CASES.length).toBeGreaterThan(0);
    expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
  });

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
      const expectation = decide(c, reference.results.get(c.id), reference.results.get(`${c.id}#expected`));
      const label = referenceLabel(expectation);
      try {
        const note = await checkCase(c, expectation);
        records.push({ ...base, status: 'passed', reference: label, note });
      } catch (err) {
        const message = err instanceof CheckFailure ? err.message : `crashed: ${String(err)}`;
        records.push({ ...base, status: 'failed', reference: label, note: message });
        throw err;
      }
    });
  }
});
