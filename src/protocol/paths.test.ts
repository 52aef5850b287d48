import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DeltaError } from '../errors.js';
import { canonicalPathKey, resolveDataLocation, resolveDataPath } from './paths.js';

const FILE_TABLE = 'file:///data/my%20table';
const S3_TABLE = 's3://bucket/warehouse/sales';
const MEMORY_TABLE = 'memory://demo';

function refusal(path: string, tableUrl: string): DeltaError {
  try {
    resolveDataPath(path, { tableUrl });
  } catch (err) {
    if (err instanceof DeltaError) return err;
    throw err;
  }
  throw new Error(`expected ${path} to be refused`);
}

describe('resolveDataPath', () => {
  it('keeps plain relative paths', () => {
    expect(resolveDataPath('part-0000.parquet', { tableUrl: FILE_TABLE })).toBe('part-0000.parquet');
    expect(resolveDataPath('year=2024/part-1.parquet', { tableUrl: S3_TABLE })).toBe(
      'year=2024/part-1.parquet',
    );
    expect(resolveDataPath('a.parquet', { tableUrl: MEMORY_TABLE })).toBe('a.parquet');
  });

  it('percent-decodes byte-exactly: spaces, %, =, non-ASCII, and leaves raw characters alone', () => {
    const t = { tableUrl: FILE_TABLE };
    expect(resolveDataPath('city=New%20York/p.parquet', t)).toBe('city=New York/p.parquet');
    expect(resolveDataPath('pct=100%25/p.parquet', t)).toBe('pct=100%/p.parquet');
    expect(resolveDataPath('eq=a%3Db/p.parquet', t)).toBe('eq=a=b/p.parquet');
    expect(resolveDataPath('name=%C3%A9t%C3%A9%20%E2%82%AC/p.parquet', t)).toBe('name=été €/p.parquet');
    expect(resolveDataPath('name=été €/p.parquet', t)).toBe('name=été €/p.parquet');
    expect(resolveDataPath('ts=2021-01-01%2000%253A00%253A00/p.parquet', t)).toBe(
      'ts=2021-01-01 00%3A00%3A00/p.parquet',
    );
    expect(resolveDataPath('odd%zz/p.parquet', t)).toBe('odd%zz/p.parquet');
  });

  it('accepts every absolute spelling of a location under the root', () => {
    const file = { tableUrl: FILE_TABLE };
    for (const p of [
      'file:///data/my%20table/a/b.parquet',
      'file:/data/my%20table/a/b.parquet',
      'file://localhost/data/my%20table/a/b.parquet',
      'FILE:///data/my%20table/a/b.parquet',
      '/data/my%20table/a/b.parquet',
      'file:///data/my table/a/b.parquet',
      'file:///data//my%20table/./a/b.parquet',
    ]) {
      expect(resolveDataPath(p, file), p).toBe('a/b.parquet');
    }
    const s3 = { tableUrl: S3_TABLE };
    for (const p of [
      's3://bucket/warehouse/sales/x.parquet',
      's3a://bucket/warehouse/sales/x.parquet',
      's3n://bucket/warehouse/sales/x.parquet',
    ]) {
      expect(resolveDataPath(p, s3), p).toBe('x.parquet');
    }
    expect(resolveDataPath('memory://demo/d/x.parquet', { tableUrl: MEMORY_TABLE })).toBe('d/x.parquet');
  });

  it('resolves harmless dot segments that stay inside', () => {
    expect(resolveDataPath('a/./b/../c.parquet', { tableUrl: FILE_TABLE })).toBe('a/c.parquet');
    expect(resolveDataPath('../my%20table/c.parquet', { tableUrl: FILE_TABLE })).toBe('c.parquet');
  });

  it('refuses every escaping form with PathOutsideTable naming the path', () => {
    const cases: Array<[string, string]> = [
      ['../x.parquet', FILE_TABLE],
      ['a/../../x.parquet', FILE_TABLE],
      ['%2e%2e/x.parquet', FILE_TABLE],
      ['%2E%2E/x.parquet', FILE_TABLE],
      ['.%2e/x.parquet', FILE_TABLE],
      ['a/%2e%2e/%2e%2e/x.parquet', FILE_TABLE],
      ['a%2F..%2F..%2Fx.parquet', FILE_TABLE],
      ['..%5cx.parquet', FILE_TABLE],
      ['file:///etc/passwd', FILE_TABLE],
      ['file:/data/other/x.parquet', FILE_TABLE],
      ['file:///data/my%20tablex/y.parquet', FILE_TABLE],
      ['file://otherhost/data/my%20table/x.parquet', FILE_TABLE],
      ['/etc/passwd', FILE_TABLE],
      ['//otherhost/data/my%20table/x.parquet', FILE_TABLE],
      ['s3://other-bucket/warehouse/sales/x.parquet', S3_TABLE],
      ['s3://bucket/warehouse/sales2/x.parquet', S3_TABLE],
      ['s3://bucket/warehouse/x.parquet', S3_TABLE],
      ['gs://bucket/warehouse/sales/x.parquet', S3_TABLE],
      ['https://bucket/warehouse/sales/x.parquet', S3_TABLE],
      ['file:///data/my%20table/x.parquet', S3_TABLE],
      ['../x.parquet', MEMORY_TABLE],
      ['memory://other/x.parquet', MEMORY_TABLE],
      ['x:y.parquet', MEMORY_TABLE],
    ];
    for (const [path, tableUrl] of cases) {
      const err = refusal(path, tableUrl);
      expect(err.code, path).toBe('PathOutsideTable');
      expect(err.message, path).toContain(JSON.stringify(path));
      expect(err.context.path).toBe(path);
    }
  });

  it('refuses the table root itself, NUL characters and percent-encoded bytes that are not UTF-8', () => {
    expect(refusal('file:///data/my%20table', FILE_TABLE).code).toBe('PathOutsideTable');
    expect(refusal('.', FILE_TABLE).code).toBe('PathOutsideTable');
    expect(refusal('a%00.parquet', FILE_TABLE).code).toBe('CorruptLog');
    expect(refusal('a%FF.parquet', FILE_TABLE).code).toBe('CorruptLog');
  });

  it('returns absolute URLs outside the root only when allowed, and says which is which', () => {
    const options = { tableUrl: S3_TABLE, allowOutsideRoot: true };
    expect(resolveDataLocation('s3a://other/a%20b/x.parquet', options)).toEqual({
      kind: 'external',
      url: 's3://other/a%20b/x.parquet',
    });
    expect(resolveDataLocation('x.parquet', options)).toEqual({ kind: 'key', key: 'x.parquet' });
    expect(resolveDataPath('../shared/x.parquet', options)).toBe('s3://bucket/warehouse/shared/x.parquet');
    // Climbing above the store itself is refused even then.
    expect(() => resolveDataPath('../../../../x.parquet', options)).toThrow(
      /climbs above the root of its store/,
    );
  });

  it('decodes any percent-encoded relative path back to its segments', () => {
    const segment = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
      .filter((s) => s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\0') && !s.includes('\\'));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (segments) => {
        const encoded = segments.map(encodeURIComponent).join('/');
        expect(resolveDataPath(encoded, { tableUrl: FILE_TABLE })).toBe(segments.join('/'));
        expect(resolveDataPath(`${FILE_TABLE}/${encoded}`, { tableUrl: FILE_TABLE })).toBe(
          segments.join('/'),
        );
      }),
    );
  });
});

describe('canonicalPathKey', () => {
  it('maps equivalent spellings of one file to one key', () => {
    const spellings = [
      'a%20b/c=%C3%A9/part-0.parquet',
      'a b/c=é/part-0.parquet',
      'file:///data/my%20table/a%20b/c=%C3%A9/part-0.parquet',
      'file:/data/my%20table/a b/c=é/part-0.parquet',
      './a%20b//c=%c3%a9/part-0.parquet',
    ];
    const keys = new Set(spellings.map((p) => canonicalPathKey(p, FILE_TABLE)));
    expect([...keys]).toEqual(['a b/c=é/part-0.parquet']);
  });

  it('keeps files outside the root distinct from keys instead of failing', () => {
    const outside = canonicalPathKey('s3a://other/x.parquet', S3_TABLE);
    expect(outside).toBe('s3://other/x.parquet');
    expect(canonicalPathKey('s3://other/x.parquet', S3_TABLE)).toBe(outside);
    const above = canonicalPathKey('../../../../x', S3_TABLE);
    expect(above).toContain('//');
    expect(above).not.toBe(canonicalPathKey('x', S3_TABLE));
  });
});
