import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaError, isDeltaError } from '../errors.js';
import { resolveClientConfig, S3Storage } from './s3.js';
import { collect } from './storage.js';

/**
 * S3Storage against a scripted HTTP server: each test decides the status and body the "S3" answers
 * with, so the translation of real SDK failures (parsed from real HTTP responses) is checked
 * without a running S3. The behaviour against a real S3 API lives in s3.e2e.ts.
 */

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.end();
const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }> = [];
let server: Server;
let endpoint = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      handler(req, Buffer.concat(chunks), res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const SECRET = 'unit-Secret/Key+1234567890';

function store(prefix = 'tables/t'): S3Storage {
  return new S3Storage('bkt', prefix, {
    endpoint,
    maxAttempts: 1,
    credentials: {
      accessKeyId: 'AKIDUNITTEST',
      secretAccessKey: SECRET,
      sessionToken: 'unit-session-token-xyz',
    },
  });
}

function answer(status: number, code?: string, message = 'scripted failure'): void {
  handler = (req, _body, res) => {
    res.statusCode = status;
    res.setHeader('x-amz-request-id', 'REQ123');
    if (code !== undefined && req.method !== 'HEAD') {
      res.setHeader('content-type', 'application/xml');
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
      );
    } else res.end();
  };
}

async function failure(p: Promise<unknown>): Promise<DeltaError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isDeltaError(err), `expected a DeltaError, got ${String(err)}`).toBe(true);
  return err as DeltaError;
}

describe('S3Storage requests', () => {
  it('addresses objects path-style under the root prefix, with If-None-Match only for ifAbsent', async () => {
    answer(200);
    seen.length = 0;
    const s = store();
    await s.put('_delta_log/00000000000000000000.json', new Uint8Array([1, 2]), { ifAbsent: true });
    await s.put('plain file=1 %.parquet', new Uint8Array([3]));
    expect(seen[0]?.method).toBe('PUT');
    expect(seen[0]?.url).toBe('/bkt/tables/t/_delta_log/00000000000000000000.json?x-id=PutObject');
    expect(seen[0]?.headers['if-none-match']).toBe('*');
    expect(decodeURIComponent(seen[1]?.url ?? '')).toContain('/bkt/tables/t/plain file=1 %.parquet');
    expect(seen[1]?.headers['if-none-match']).toBeUndefined();
  });

  it('sends a Range header and cuts the range itself when a server ignores it', async () => {
    const object = Buffer.from('0123456789');
    handler = (_req, _body, res) => res.end(object);
    seen.length = 0;
    const got = await store().getRange('k', { offset: 2, length: 3 });
    expect(seen[0]?.headers.range).toBe('bytes=2-4');
    expect(new TextDecoder().decode(got)).toBe('234');
  });

  it('answers a range past the end (416) with no bytes', async () => {
    answer(416, 'InvalidRange');
    expect(await store().getRange('k', { offset: 100, length: 3 })).toEqual(new Uint8Array(0));
  });

  it('rejects negative and fractional ranges as InvalidArgument', async () => {
    expect((await failure(store().getRange('k', { offset: -1, length: 3 }))).code).toBe('InvalidArgument');
    expect((await failure(store().getRange('k', { offset: 0, length: 1.5 }))).code).toBe('InvalidArgument');
  });

  it('refuses keys with .. segments', async () => {
    expect((await failure(store().get('../other/x'))).code).toBe('PathOutsideTable');
  });

  it('follows continuation tokens and strips the root prefix from listed keys', async () => {
    handler = (req, _body, res) => {
      const q = new URL(req.url ?? '', endpoint).searchParams;
      const page2 = q.get('continuation-token') === 'T2';
      const keys = page2 ? ['tables/t/b', 'tables/t/c'] : ['tables/t/a'];
      res.setHeader('content-type', 'application/xml');
      res.end(
        `<ListBucketResult><Name>bkt</Name><IsTruncated>${!page2}</IsTruncated>` +
          (page2 ? '' : '<NextContinuationToken>T2</NextContinuationToken>') +
          keys
            .map(
              (k) =>
                `<Contents><Key>${k}</Key><Size>3</Size><LastModified>2024-01-02T03:04:05.000Z</LastModified></Contents>`,
            )
            .join('') +
          '</ListBucketResult>',
      );
    };
    seen.length = 0;
    const listed = await collect(store().list('', 'a0'));
    expect(listed).toEqual([
      { key: 'b', size: 3, lastModified: Date.UTC(2024, 0, 2, 3, 4, 5) },
      { key: 'c', size: 3, lastModified: Date.UTC(2024, 0, 2, 3, 4, 5) },
    ]);
    const first = new URL(seen[0]?.url ?? '', endpoint).searchParams;
    expect(first.get('prefix')).toBe('tables/t/');
    expect(first.get('start-after')).toBe('tables/t/a0');
    expect(new URL(seen[1]?.url ?? '', endpoint).searchParams.get('start-after')).toBeNull();
  });
});

describe('S3Storage error mapping', () => {
  const cases: Array<{ status: number; code: string; expect: string; retriable: boolean }> = [
    { status: 404, code: 'NoSuchKey', expect: 'FileNotFound', retriable: false },
    { status: 404, code: 'NoSuchBucket', expect: 'StorageError', retriable: false },
    { status: 403, code: 'AccessDenied', expect: 'StorageError', retriable: false },
    { status: 403, code: 'SignatureDoesNotMatch', expect: 'StorageError', retriable: false },
    { status: 503, code: 'SlowDown', expect: 'StorageError', retriable: true },
    { status: 500, code: 'InternalError', expect: 'StorageError', retriable: true },
    { status: 400, code: 'RequestTimeout', expect: 'StorageError', retriable: true },
    { status: 400, code: 'InvalidRequest', expect: 'StorageError', retriable: false },
  ];
  for (const c of cases) {
    it(`${c.status} ${c.code} → ${c.expect}${c.retriable ? ' (retriable)' : ''}`, async () => {
      answer(c.status, c.code, `echo of ${SECRET} and unit-session-token-xyz`);
      const err = await failure(store().get('_delta_log/00000000000000000003.json'));
      expect(err.code).toBe(c.expect);
      expect(err.retriable).toBe(c.retriable);
      expect(err.message).toContain('s3://bkt/tables/t/_delta_log/00000000000000000003.json');
      expect(err.context.requestId).toBe('REQ123');
      const text = `${err.message}\n${err.stack ?? ''}\n${JSON.stringify(err.cause)}\n${JSON.stringify(err.context)}`;
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('unit-session-token-xyz');
    });
  }

  it('maps 412 on an ifAbsent put to AlreadyExists and 409 ConditionalRequestConflict to a retriable error', async () => {
    answer(412, 'PreconditionFailed');
    const exists = await failure(
      store().put('_delta_log/00000000000000000001.json', new Uint8Array(1), { ifAbsent: true }),
    );
    expect(exists.code).toBe('AlreadyExists');
    expect(exists.message).toContain('_delta_log/00000000000000000001.json');
    answer(409, 'ConditionalRequestConflict');
    const conflict = await failure(store().put('k', new Uint8Array(1), { ifAbsent: true }));
    expect(conflict.code).toBe('StorageError');
    expect(conflict.retriable).toBe(true);
  });

  it('heads a missing object as undefined but reports a denied head', async () => {
    answer(404);
    expect(await store().head('missing')).toBeUndefined();
    answer(403);
    expect((await failure(store().head('denied'))).code).toBe('StorageError');
  });
});

describe('resolveClientConfig', () => {
  it('reads endpoint, region and path style from the environment, options first', () => {
    const env = { S3_ENDPOINT: 'http://minio:9000', AWS_REGION: 'eu-west-3', S3_FORCE_PATH_STYLE: 'true' };
    expect(resolveClientConfig({ env })).toMatchObject({
      endpoint: 'http://minio:9000',
      region: 'eu-west-3',
      forcePathStyle: true,
    });
    expect(resolveClientConfig({ env: { ...env, AWS_ENDPOINT_URL: 'http://other:1' } }).endpoint).toBe(
      'http://other:1',
    );
    expect(
      resolveClientConfig({
        env,
        region: 'ap-south-1',
        forcePathStyle: false,
        endpoint: 'https://x.example',
      }),
    ).toMatchObject({ endpoint: 'https://x.example', region: 'ap-south-1', forcePathStyle: false });
    expect(
      resolveClientConfig({ env: { AWS_S3_FORCE_PATH_STYLE: '0', AWS_DEFAULT_REGION: 'us-west-2' } }),
    ).toMatchObject({
      region: 'us-west-2',
      forcePathStyle: false,
    });
  });

  it('defaults to us-east-1, AWS endpoints, and path style only for local or IP endpoints', () => {
    const none = resolveClientConfig({ env: {} });
    expect(none.region).toBe('us-east-1');
    expect(none.endpoint).toBeUndefined();
    expect(none.forcePathStyle).toBe(false);
    expect(resolveClientConfig({ env: { S3_ENDPOINT: 'http://localhost:9000' } }).forcePathStyle).toBe(true);
    expect(resolveClientConfig({ env: { S3_ENDPOINT: 'http://10.1.2.3:9000' } }).forcePathStyle).toBe(true);
    expect(resolveClientConfig({ env: { S3_ENDPOINT: 'https://s3.example.com' } }).forcePathStyle).toBe(
      false,
    );
  });

  it('rejects malformed settings with InvalidArgument and registers given secrets', () => {
    expect(() => resolveClientConfig({ env: { S3_FORCE_PATH_STYLE: 'maybe' } })).toThrow(/force-path-style/);
    expect(() => resolveClientConfig({ env: { S3_ENDPOINT: 'not a url' } })).toThrow(/not a URL/);
    resolveClientConfig({
      env: {},
      credentials: { accessKeyId: 'a', secretAccessKey: 'never-print-this-one' },
    });
    expect(new DeltaError('StorageError', 'x never-print-this-one y').message).toBe('x *** y');
  });

  it('refuses empty or slashed bucket names', () => {
    expect(() => new S3Storage('', 'p')).toThrow(DeltaError);
    expect(() => new S3Storage('a/b')).toThrow(/invalid S3 bucket/);
    expect(new S3Storage('b', '/a//b/').url).toBe('s3://b/a/b');
  });
});
