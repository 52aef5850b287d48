/**
 * Tests of the conformance harness itself: version enumeration from log file names, the type-aware
 * multiset comparison, the outcome decisions and the skip lookup. A harness that compares wrongly
 * would make every conformance result meaningless, so it is tested like product code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeValue, RowMultiset, typesOf } from './compare.js';
import { listFixtureCases, listFixtureTables, logVersions, type FixtureCase } from './fixtures.js';
import { decide } from './outcomes.js';
import type { RefResult } from './reference.js';
import { findSkip } from './skips.js';

const pad = (v: number): string => String(v).padStart(20, '0');

describe('logVersions', () => {
  it('lists commits from 0 to the newest, ignoring crc, compaction and _last_checkpoint files', () => {
    const names = [0, 1, 2].map((v) => `${pad(v)}.json`);
    names.push(`${pad(1)}.crc`, `${pad(0)}.${pad(2)}.compacted.json`, '_last_checkpoint');
    expect(logVersions(names)).toEqual([0, 1, 2]);
  });

  it('starts at the oldest checkpoint when commit 0 is gone', () => {
    const names = [`${pad(5)}.checkpoint.parquet`, `${pad(5)}.json`, `${pad(6)}.json`, `${pad(3)}.json`];
    expect(logVersions(names)).toEqual([5, 6]);
  });

  it('counts a multi-part checkpoint only when every part is present', () => {
    const part = (v: number, i: number, n: number): string =>
      `${pad(v)}.checkpoint.${String(i).padStart(10, '0')}.${String(n).padStart(10, '0')}.parquet`;
    expect(logVersions([part(4, 1, 2), part(4, 2, 2), `${pad(5)}.json`])).toEqual([4, 5]);
    expect(logVersions([part(4, 1, 2), `${pad(5)}.json`])).toEqual([5]);
  });

  it('accepts V2 checkpoints named by UUID and keeps gaps as they are', () => {
    const v2 = `${pad(2)}.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json`;
    expect(logVersions([v2, `${pad(3)}.json`])).toEqual([2, 3]);
    expect(logVersions([`${pad(0)}.json`, `${pad(2)}.json`])).toEqual([0, 2]);
  });

  it('is sorted, duplicate-free and never below the first reconstructable version', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(50), { maxLength: 20 }), fc.boolean(), (versions, withZero) => {
        const names = versions.map((v) => `${pad(v)}.json`);
        if (withZero) names.push(`${pad(0)}.json`);
        const out = logVersions(names);
        expect(out).toEqual([...new Set(out)].sort((a, b) => a - b));
        if (withZero) expect(out[0]).toBe(0);
        expect(out.length).toBe(new Set([...versions, ...(withZero ? [0] : [])]).size);
      }),
    );
  });
});

describe('fixture enumeration', () => {
  const tables = listFixtureTables();
  const cases = listFixtureCases(tables);

  it('finds nested tables and tables without a log', () => {
    const ids = new Set(tables.map((t) => t.id));
    expect(ids.has('delta-golden/hive/deltatbl-partitioned')).toBe(true);
    expect(ids.has('kernel-rs-golden/hive/deltatbl-partitioned')).toBe(true);
    expect(tables.find((t) => t.id === 'kernel-rs-golden/no-delta-log-folder')?.hasLog).toBe(false);
    expect(cases.find((c) => c.id === 'delta-golden/no-delta-log-folder@latest')).toBeDefined();
  });

  it('attaches expected results to their version', () => {
    const dat = tables.find((t) => t.id === 'dat/multi_partitioned');
    expect([...(dat?.expected.keys() ?? [])].sort()).toEqual([0, 1, 2]);
    const golden = tables.find((t) => t.id === 'kernel-rs-golden/snapshot-data3');
    expect([...(golden?.expected.keys() ?? [])]).toEqual([golden?.versions[golden.versions.length - 1]]);
  });
});

describe('RowMultiset', () => {
  const types = typesOf([
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 'l', type: 'long' },
    { name: 'm', type: 'decimal(5,2)' },
    { name: 's', type: { type: 'struct', fields: [{ name: 'x', type: 'long' }] } },
  ]);

  it('is order-insensitive and counts duplicates', () => {
    const set = new RowMultiset(types);
    for (const r of [{ l: 1 }, { l: 2 }, { l: 1 }]) set.addExpected(r);
    for (const r of [{ l: 2 }, { l: 1 }]) set.addActual(r);
    const d = set.diff();
    expect(d.equal).toBe(false);
    expect(d.missing).toEqual(['{"l":1}']);
    set.addActual({ l: 1 });
    expect(set.diff().equal).toBe(true);
  });

  it('compares values by type: float32 widening, exponent spelling, long as string, nested longs', () => {
    const set = new RowMultiset(types);
    set.addExpected({ f: 0.1, d: 1e-7, l: '9007199254740993', s: { x: 5 } });
    set.addActual({ f: Math.fround(0.1), d: 1e-7, l: '9007199254740993', s: { x: '5' } });
    expect(set.diff().equal).toBe(true);
  });

  it('keeps decimals exact and doubles exact', () => {
    expect(normalizeValue('1.50', 'decimal(5,2)')).not.toEqual(normalizeValue('1.5', 'decimal(5,2)'));
    expect(normalizeValue(0.1, 'double')).not.toEqual(normalizeValue(Math.fround(0.1), 'double'));
    expect(normalizeValue('NaN', 'double')).toEqual(normalizeValue('NaN', 'float'));
  });

  it('reports rows only one side has', () => {
    const set = new RowMultiset(types);
    set.addExpected({ m: '1.00' });
    set.addActual({ m: '1.01' });
    const d = set.diff();
    expect(d.missing).toEqual(['{"m":"1.00"}']);
    expect(d.unexpected).toEqual(['{"m":"1.01"}']);
  });
});

describe('outcome decisions', () => {
  const table = listFixtureTables().find((t) => t.id === 'delta-rs/simple_table');
  if (table === undefined) throw new Error('fixture delta-rs/simple_table missing');
  const c: FixtureCase = { id: `${table.id}@v0`, table, version: 0, expectedFiles: undefined };
  const ref = (over: Partial<RefResult>): RefResult => ({
    id: c.id,
    status: 'error',
    engine: 'delta-rs',
    phase: 'scan',
    error: undefined,
    schema: undefined,
    rowsPath: undefined,
    rowCount: undefined,
    filesCount: undefined,
    filesSha256: undefined,
    files: undefined,
    missingFiles: undefined,
    attempts: [],
    note: undefined,
    ...over,
  });

  it('maps reference refusals to typed errors or to "readable"', () => {
    expect(
      decide(c, ref({ error: 'FileNotFoundError: Object at location x not found' }), undefined),
    ).toMatchObject({
      kind: 'error',
      codes: ['FileNotFound'],
      phase: 'scan',
    });
    const gap = ref({ phase: 'load', error: 'DeltaError: Expected contiguous commit files, but found gap' });
    expect(decide(c, gap, undefined)).toMatchObject({
      kind: 'error',
      codes: ['InvalidLog', 'CorruptLog', 'InvalidSchema'],
    });
    const limit = ref({
      error:
        "DeltaProtocolError: The table has set these reader features: {'x'} but these are not yet supported by the deltalake reader.",
    });
    expect(decide(c, limit, undefined).kind).toBe('readable');
    expect(decide(c, ref({ error: 'something new' }), undefined).kind).toBe('undecided');
  });

  it('prefers the stored expectation and keeps delta-rs as a cross-check', () => {
    const rows = ref({ status: 'rows', engine: 'delta-rs', phase: undefined });
    const expected = ref({ status: 'rows', engine: 'expected', phase: undefined });
    expect(decide(c, rows, expected)).toMatchObject({
      kind: 'rows',
      reference: 'expected',
      crossCheck: rows,
    });
    expect(decide(c, rows, undefined)).toMatchObject({ kind: 'rows', reference: 'delta-rs' });
  });

  it('lets delta-rs override an expectation only where a rule says why', () => {
    const rows = ref({ status: 'rows', engine: 'delta-rs', phase: undefined });
    const expected = ref({ status: 'rows', engine: 'expected', phase: undefined });
    const pv = { ...c, id: 'kernel-rs-golden/data-reader-partition-values@v0' };
    expect(decide(pv, rows, expected)).toMatchObject({ kind: 'rows', ref: rows });
  });

  it('applies explicit rules first', () => {
    const canon = { ...c, id: 'kernel-rs-golden/canonicalized-paths-special-b@v1' };
    expect(decide(canon, undefined, undefined).kind).toBe('empty');
    const variant = { ...c, id: 'delta-kernel/spark-variant-checkpoint@v0' };
    expect(decide(variant, undefined, undefined)).toMatchObject({
      kind: 'error',
      codes: ['UnsupportedFeature'],
    });
  });
});

describe('findSkip', () => {
  it('matches ids exactly or by pattern', () => {
    const skips = [
      { match: 'a/b@v1', reason: 'r1' },
      { match: /^c\//, reason: 'r2' },
    ];
    expect(findSkip('a/b@v1', skips)?.reason).toBe('r1');
    expect(findSkip('a/b@v2', skips)).toBeUndefined();
    expect(findSkip('c/x@v0', skips)?.reason).toBe('r2');
  });
});
