/**
 * Tests of the Spark side of the conformance harness: which cases Spark is asked to read, how its
 * answer changes the expectation, how a second opinion is weighed, and how the report shows it.
 * Pure harness logic on synthetic reference results; the real Spark run is in conformance.spec.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFixtureCases, listFixtureTables, type FixtureCase } from './fixtures.js';
import { decide } from './outcomes.js';
import { sparkId, type RefResult, type RefRun } from './reference.js';
import { renderReferenceCounts, renderSpark, type CaseRecord } from './report.js';
import { planSpark, secondOpinion, SPARK_VERDICTS } from './spark.js';

const dir = mkdtempSync(join(tmpdir(), 'delta-ts-spark-helpers-'));
let fileNo = 0;

/** A reference result; `rows` are written to a temporary NDJSON file. */
function result(over: Partial<RefResult>, rows?: readonly Record<string, unknown>[]): RefResult {
  let rowsPath: string | undefined;
  if (rows !== undefined) {
    rowsPath = join(dir, `r${fileNo++}.ndjson`);
    writeFileSync(rowsPath, rows.map((r) => JSON.stringify(r)).join('\n'));
  }
  return {
    id: 'x',
    status: rows === undefined ? 'error' : 'rows',
    engine: 'delta-rs',
    phase: rows === undefined ? 'scan' : undefined,
    error: undefined,
    schema: [{ name: 'id', type: 'long' }],
    rowsPath,
    rowCount: rows?.length,
    filesCount: undefined,
    filesSha256: undefined,
    files: undefined,
    missingFiles: undefined,
    attempts: [],
    note: undefined,
    ...over,
  };
}

const tables = listFixtureTables();
const cases = listFixtureCases(tables);
const caseOf = (id: string): FixtureCase => {
  const c = cases.find((x) => x.id === id);
  if (c === undefined) throw new Error(`fixture case ${id} missing`);
  return c;
};
const LIMIT =
  "DeltaProtocolError: The table has set these reader features: {'typeWidening-preview'} but these are not yet supported by the deltalake reader.";

describe('decide with a Spark result', () => {
  const c = caseOf('delta-golden/type-widening@v1');
  const refused = result({ error: LIMIT, filesSha256: 'abc' });

  it("makes Spark's rows the reference where delta-rs lacks a feature, keeping delta-rs' files", () => {
    const spark = result({ engine: 'spark' }, [{ id: 1 }]);
    expect(decide(c, refused, undefined, spark)).toMatchObject({
      kind: 'rows',
      reference: 'spark',
      ref: spark,
      filesRef: refused,
    });
  });

  it('stays read-only when Spark has no rows either', () => {
    const down = result({ engine: 'spark', error: 'RuntimeError: Spark could not start: no java' });
    expect(decide(c, refused, undefined, down).kind).toBe('readable');
    expect(decide(c, refused, undefined).kind).toBe('readable');
  });

  it('attaches Spark as a second opinion without changing the primary reference', () => {
    const rows = result({ engine: 'delta-rs-datafusion' }, [{ id: 1 }]);
    const spark = result({ engine: 'spark' }, [{ id: 1 }]);
    expect(decide(caseOf('delta-rs/simple_table@v0'), rows, undefined, spark)).toMatchObject({
      kind: 'rows',
      reference: 'delta-rs-datafusion',
      ref: rows,
      secondOpinion: spark,
    });
    const empty = caseOf('kernel-rs-golden/canonicalized-paths-normal-a@v1');
    expect(decide(empty, undefined, undefined, spark)).toMatchObject({ kind: 'empty', secondOpinion: spark });
  });
});

describe('secondOpinion', () => {
  const primary = result({}, [{ id: 1 }, { id: 2 }]);

  it('agrees on the same multiset of rows in any order and spelling', async () => {
    const spark = result({ engine: 'spark' }, [{ id: '2' }, { id: 1 }]);
    expect(await secondOpinion('a/b@v0', spark, primary, 'delta-rs')).toEqual({
      role: 'second opinion',
      verdict: 'agrees',
    });
  });

  it('reports a difference, with the judgement when one matches the case', async () => {
    const spark = result({ engine: 'spark' }, [{ id: 1 }, { id: 2 }, { id: 2 }]);
    const unjudged = await secondOpinion('a/b@v0', spark, primary, 'delta-rs');
    expect(unjudged).toMatchObject({ verdict: 'disagrees', judgement: undefined });
    expect(unjudged.detail).toContain('3 rows vs 2 from delta-rs');
    const judgedId = 'kernel-rs-data/compacted-log-files-table@v25';
    expect(SPARK_VERDICTS.some((v) => v.match.test(judgedId))).toBe(true);
    const judged = await secondOpinion(judgedId, spark, primary, 'delta-rs');
    expect(judged.judgement).toMatch(/delta-rs is right/);
  });

  it('tells a refusal from a Spark that never started', async () => {
    const refused = result({ engine: 'spark', error: 'java.net.URISyntaxException: bad path' });
    expect((await secondOpinion('a/b@v0', refused, primary, 'delta-rs')).verdict).toBe('refused');
    const down = result({ engine: 'spark', error: 'RuntimeError: Spark could not start: x' });
    expect((await secondOpinion('a/b@v0', down, primary, 'delta-rs')).verdict).toBe('unavailable');
  });

  it('checks an empty-table rule against the number of rows Spark read', async () => {
    const none = result({ engine: 'spark' }, []);
    expect((await secondOpinion('a/b@v1', none, undefined, 'rule')).verdict).toBe('agrees');
    const some = result({ engine: 'spark' }, [{ id: 1 }]);
    expect((await secondOpinion('a/b@v1', some, undefined, 'rule')).verdict).toBe('disagrees');
  });
});

describe('planSpark', () => {
  it('asks Spark for read-only cases, the newest DataFusion version, and the writer zone of a preferred case', async () => {
    const picked = [
      ...cases.filter((c) => c.table.id === 'delta-golden/dv-with-columnmapping'),
      caseOf('delta-golden/type-widening@v1'),
      caseOf('delta-golden/data-reader-partition-values@v0'),
      caseOf('delta-rs/simple_table@v0'),
    ];
    const results = new Map<string, RefResult>();
    for (const c of picked) {
      const engine = c.table.id.includes('dv-with') ? 'delta-rs-datafusion' : 'delta-rs';
      results.set(c.id, result({ engine }, [{ id: 1 }]));
    }
    results.set('delta-golden/type-widening@v1', result({ error: LIMIT }));
    const run: RefRun = { deltalake: 'x', duckdbDelta: 'x', results };
    const { requests, reasons } = await planSpark(picked, run);
    const ids = requests.map((r) => r.id);
    const dv = picked.filter((c) => c.table.id === 'delta-golden/dv-with-columnmapping');
    expect(dv.length).toBeGreaterThan(2);
    expect(ids).toContain(sparkId(dv[dv.length - 1]?.id ?? ''));
    expect(ids).not.toContain(sparkId(dv[0]?.id ?? ''));
    expect(ids).not.toContain(sparkId(dv[1]?.id ?? ''));
    expect(reasons.get('delta-golden/type-widening@v1')).toEqual(['only reference']);
    const pv = 'delta-golden/data-reader-partition-values@v0';
    expect(ids).toContain(sparkId(pv));
    expect(requests.find((r) => r.id === sparkId(pv, 'America/Los_Angeles'))?.timeZone).toBe(
      'America/Los_Angeles',
    );
    expect(reasons.has('delta-rs/simple_table@v0')).toBe(false);
  });
});

describe('renderSpark', () => {
  it('counts the roles and lists each judged disagreement', () => {
    const base = { tableId: 't', version: 0, status: 'passed' as const, reference: 'r', note: undefined };
    const records: CaseRecord[] = [
      {
        ...base,
        id: 't@v0',
        sparkReasons: ['only reference'],
        spark: { role: 'reference', verdict: 'agrees' },
      },
      {
        ...base,
        id: 't@v1',
        sparkReasons: ['DataFusion path'],
        spark: { role: 'second opinion', verdict: 'agrees' },
      },
      {
        ...base,
        id: 't@v2',
        sparkReasons: ['DataFusion path'],
        spark: { role: 'second opinion', verdict: 'disagrees', detail: 'd', judgement: 'delta-rs is right' },
      },
    ];
    const text = renderSpark(records, {
      deltalake: 'x',
      duckdbDelta: 'x',
      spark: 'pyspark 1, delta-spark 2',
      zoneChecks: ['zone line'],
      fixturesDir: 'f',
      seconds: 1,
    }).join('\n');
    expect(text).toContain('read 3 table-versions (only reference: 1; DataFusion path: 2)');
    expect(text).toContain('only reference for 1 of them');
    expect(text).toContain('a second opinion for 2: 1 agree, 1 disagree, 0 refused');
    expect(text).toContain('- Writer zone: zone line.');
    expect(text).toContain('- `t@v2`: Spark disagrees (d). **Verdict:** delta-rs is right');
  });
});

describe('renderReferenceCounts', () => {
  it('counts cases per reference, folding twins and Spark second opinions into the primary', () => {
    const base = { tableId: 't', version: 0, status: 'passed' as const, note: undefined };
    const rows = renderReferenceCounts([
      { ...base, id: 'a', reference: 'expected' },
      { ...base, id: 'b', reference: 'expected (twin x/y) + spark' },
      { ...base, id: 'c', reference: 'spark' },
    ]);
    expect(rows).toContain('| expected | 2 |');
    expect(rows).toContain('| spark | 1 |');
  });
});
