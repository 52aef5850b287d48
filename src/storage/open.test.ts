import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import { LocalStorage } from './local.js';
import { MemoryStorage } from './memory.js';
import { forgetMemoryStorage, memoryStorage, openStorage, parseS3Uri, schemeOf } from './open.js';
import { S3Storage } from './s3.js';

function invalid(uri: string): string {
  try {
    openStorage(uri);
  } catch (err) {
    expect(isDeltaError(err, 'InvalidArgument'), String(err)).toBe(true);
    return (err as Error).message;
  }
  return expect.fail(`openStorage(${JSON.stringify(uri)}) did not fail`);
}

describe('openStorage', () => {
  it('opens relative and absolute local paths as LocalStorage', () => {
    const rel = openStorage('some/table');
    expect(rel).toBeInstanceOf(LocalStorage);
    expect((rel as LocalStorage).root).toBe(path.resolve('some/table'));
    const abs = openStorage('/data/tables/t 1');
    expect((abs as LocalStorage).root).toBe('/data/tables/t 1');
    // Colons inside a relative name are not a scheme.
    expect((openStorage('date=2024-01-01T00:00') as LocalStorage).root).toBe(
      path.resolve('date=2024-01-01T00:00'),
    );
  });

  it('percent-decodes file:// URLs', () => {
    const s = openStorage('file:///data/my%20table/p%3D1%25');
    expect((s as LocalStorage).root).toBe('/data/my table/p=1%');
    const round = openStorage(pathToFileURL('/tmp/ä ö/t').href);
    expect((round as LocalStorage).root).toBe('/tmp/ä ö/t');
    expect((openStorage('FILE:///x/y') as LocalStorage).root).toBe('/x/y');
    expect(invalid('file://remote-host/share')).toContain('file://remote-host/share');
  });

  it('opens s3:// and s3a:// locations with the prefix verbatim', () => {
    const s = openStorage('s3://bucket/path/to/table/', {
      s3: { region: 'eu-central-1', endpoint: 'http://127.0.0.1:1' },
    });
    expect(s).toBeInstanceOf(S3Storage);
    expect((s as S3Storage).bucket).toBe('bucket');
    expect((s as S3Storage).prefix).toBe('path/to/table');
    expect(s.url).toBe('s3://bucket/path/to/table');
    const a = openStorage('s3a://b2/x%20y') as S3Storage;
    expect([a.bucket, a.prefix, a.url]).toEqual(['b2', 'x%20y', 's3://b2/x%20y']);
    expect((openStorage('s3://only-bucket') as S3Storage).prefix).toBe('');
    expect(invalid('s3:///no-bucket')).toContain('names no bucket');
    expect(invalid('s3://')).toContain('names no bucket');
  });

  it('shares named memory stores across calls', async () => {
    forgetMemoryStorage('open-test');
    const a = openStorage('memory://open-test');
    const b = openStorage('memory://open-test/');
    expect(a).toBeInstanceOf(MemoryStorage);
    expect(a).toBe(b);
    expect(a.url).toBe('memory://open-test');
    await a.put('k', new Uint8Array([7]));
    expect(await memoryStorage('open-test').get('k')).toEqual(new Uint8Array([7]));
    expect(openStorage('memory://other')).not.toBe(a);
    forgetMemoryStorage('open-test');
    expect(await openStorage('memory://open-test').head('k')).toBeUndefined();
    expect(openStorage('memory://').url).toBe('memory://default');
  });

  it('refuses unknown schemes and empty locations with InvalidArgument', () => {
    expect(invalid('gs://bucket/t')).toContain('"gs"');
    expect(invalid('https://example.com/t')).toContain('https://example.com/t');
    expect(invalid('')).toContain('empty');
  });
});

describe('schemeOf and parseS3Uri', () => {
  it('tells schemes from paths and Windows drives', () => {
    expect(schemeOf('S3://b')).toBe('s3');
    expect(schemeOf('C:\\tables\\t')).toBeUndefined();
    expect(schemeOf('./x:y')).toBeUndefined();
    expect(schemeOf('file:/tmp/x')).toBe('file');
    expect(schemeOf('abfss://c@a.dfs.core.windows.net/t')).toBe('abfss');
  });

  it('splits bucket and prefix and drops redundant slashes', () => {
    expect(parseS3Uri('s3://b//a///b/')).toEqual({ bucket: 'b', prefix: 'a/b' });
    expect(parseS3Uri('s3a://b/k=v/ü %')).toEqual({ bucket: 'b', prefix: 'k=v/ü %' });
  });
});
