import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaError, isDeltaError } from '../errors.js';
import { summarizeS3Error } from './s3-errors.js';
import { S3Storage } from './s3.js';
import { collect, type Storage } from './storage.js';
import { createTestBucket, deleteTestBucket, stackS3Endpoint } from './test-s3.js';

/**
 * Credentials must never show up in what delta-ts reports. These tests provoke every failure an
 * S3 store can produce with a recognisable secret configured and search all the text an error
 * carries (message, stack, cause, context, JSON form) for it.
 */

const REPO = path.resolve(import.meta.dirname, '../..');

/** Every piece of text reachable from a thrown value. */
function allText(err: unknown): string {
  const parts: string[] = [String(err)];
  if (err instanceof Error) parts.push(err.message, err.stack ?? '');
  if (err instanceof DeltaError) {
    parts.push(
      JSON.stringify(err.context),
      err.help ?? '',
      JSON.stringify(err.cause),
      JSON.stringify(summarizeS3Error(err.cause)),
    );
  }
  return parts.join('\n');
}

/** Runs every operation of the store and returns the errors they threw. */
async function failures(storage: Storage): Promise<unknown[]> {
  const ops: Array<() => Promise<unknown>> = [
    () => collect(storage.list('_delta_log/')),
    () => collect(storage.list('_delta_log/', '_delta_log/00000000000000000001.json')),
    () => storage.get('_delta_log/00000000000000000000.json'),
    () => storage.getRange('part-0.parquet', { offset: 0, length: 8 }),
    () => storage.getRange('part-0.parquet', { offset: 0, length: 0 }),
    () => storage.head('_delta_log/_last_checkpoint'),
    () => storage.put('_delta_log/00000000000000000000.json', new Uint8Array([1]), { ifAbsent: true }),
    () => storage.put('x', new Uint8Array([1])),
    () => storage.delete('x'),
  ];
  const errors: unknown[] = [];
  for (const op of ops) {
    try {
      await op();
    } catch (err) {
      errors.push(err);
    }
  }
  return errors;
}

function secret(): string {
  return `Secr3t/${randomUUID()}+Key`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr !== null
          ? resolve(addr.port)
          : reject(new DeltaError('StorageError', 'no port')),
      );
    });
  });
}

describe('no credentials in S3 error messages', () => {
  let authMoto: ChildProcess | undefined;
  let authEndpoint = '';

  beforeAll(async () => {
    stackS3Endpoint();
    // A second moto that enforces IAM authentication, so wrong keys are refused; the stack's
    // server accepts any credentials and must stay that way for the other tests.
    const port = await freePort();
    authEndpoint = `http://127.0.0.1:${port}`;
    authMoto = spawn(path.join(REPO, '.venv-ref/bin/moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
      env: { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: '0' },
      stdio: 'ignore',
    });
    for (let i = 0; i < 300; i++) {
      const up = await fetch(`${authEndpoint}/moto-api/`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect.fail(`the authenticating moto on ${authEndpoint} did not start`);
  });
  afterAll(() => {
    authMoto?.kill('SIGTERM');
  });

  it('wrong credentials: access denied, not retriable, secret and session token absent', async () => {
    const key = secret();
    const token = `Tok3n/${randomUUID()}`;
    const storage = new S3Storage('some-bucket', 'tables/t', {
      endpoint: authEndpoint,
      credentials: { accessKeyId: 'AKIAWRONGKEY0000TEST', secretAccessKey: key, sessionToken: token },
    });
    const errors = await failures(storage);
    // Every call is refused, even the delete of a missing key and the empty range (which heads first).
    expect(errors).toHaveLength(9);
    for (const err of errors) {
      expect(isDeltaError(err, 'StorageError'), String(err)).toBe(true);
      expect((err as DeltaError).retriable).toBe(false);
      expect((err as DeltaError).message).toMatch(/access denied|InvalidAccessKeyId|403/);
      const text = allText(err);
      expect(text).not.toContain(key);
      expect(text).not.toContain(token);
      expect(text).not.toContain('AKIAWRONGKEY0000TEST');
    }
  });

  it('missing bucket on the stack server: a clear StorageError without the secret', async () => {
    const key = secret();
    const storage = new S3Storage(`delta-ts-missing-${randomUUID().slice(0, 8)}`, 't', {
      credentials: { accessKeyId: 'delta-ts-test-key', secretAccessKey: key },
    });
    const errors = await failures(storage);
    expect(errors.length).toBeGreaterThanOrEqual(6);
    for (const err of errors) {
      expect(isDeltaError(err), String(err)).toBe(true);
      expect(allText(err)).not.toContain(key);
    }
    const listErr = errors[0];
    expect(isDeltaError(listErr, 'StorageError') && listErr.message).toMatch(/bucket does not exist/);
  });

  it('credentials from the environment chain are registered and redacted as well', async () => {
    const fromEnv = process.env.AWS_SECRET_ACCESS_KEY;
    expect(fromEnv).toBeTruthy();
    const storage = new S3Storage(`delta-ts-missing-${randomUUID().slice(0, 8)}`);
    const errors = await failures(storage);
    expect(errors.length).toBeGreaterThan(0);
    for (const err of errors) expect(allText(err)).not.toContain(fromEnv);
    // The resolved secret is now scrubbed from any message, even one a caller builds.
    expect(new DeltaError('StorageError', `echo ${fromEnv ?? ''}`).message).toBe('echo ***');
  });

  it('unreachable endpoint: retriable StorageError naming the key, without the secret', async () => {
    const key = secret();
    const port = await freePort();
    const storage = new S3Storage('b', 'p', {
      endpoint: `http://127.0.0.1:${port}`,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIAUNREACHABLE00000', secretAccessKey: key },
    });
    const errors = await failures(storage);
    expect(errors).toHaveLength(9);
    for (const err of errors) {
      expect(isDeltaError(err, 'StorageError'), String(err)).toBe(true);
      expect((err as DeltaError).retriable).toBe(true);
      expect(allText(err)).not.toContain(key);
    }
    expect((errors[2] as Error).message).toContain('s3://b/p/_delta_log/00000000000000000000.json');
  });

  it('a fine bucket with a missing key gives FileNotFound naming s3://bucket/key', async () => {
    const bucket = await createTestBucket();
    try {
      const storage = new S3Storage(bucket, 'tbl', {
        credentials: { accessKeyId: 'k', secretAccessKey: secret() },
      });
      const err = await storage.get('_delta_log/00000000000000000007.json').catch((e: unknown) => e);
      expect(isDeltaError(err, 'FileNotFound')).toBe(true);
      expect((err as Error).message).toBe(
        `s3://${bucket}/tbl/_delta_log/00000000000000000007.json does not exist`,
      );
    } finally {
      await deleteTestBucket(bucket);
    }
  });
});
