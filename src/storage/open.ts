import { fileURLToPath } from 'node:url';
import { DeltaError } from '../errors.js';
import { LocalStorage } from './local.js';
import { MemoryStorage } from './memory.js';
import { S3Storage, type S3StorageOptions } from './s3.js';
import type { Storage } from './storage.js';

/**
 * Turning a table location string (what users type on the command line or put in config) into a
 * {@link Storage} rooted at that location.
 */

/** Options of {@link openStorage}. */
export interface OpenStorageOptions {
  /** Options for `s3://` and `s3a://` locations (endpoint, region, credentials…). */
  readonly s3?: S3StorageOptions;
}

/**
 * Opens the store rooted at `uri`:
 *
 * - a local path, relative (to the working directory) or absolute → {@link LocalStorage};
 * - `file://` URLs, percent-decoded (`file:///data/my%20table` is the directory `my table`);
 * - `s3://bucket/prefix` and Hadoop's `s3a://bucket/prefix` → {@link S3Storage}; the prefix is taken
 *   verbatim (S3 keys are not URL-encoded in these URIs, so `%` is an ordinary key character);
 * - `memory://name` → the process-wide {@link MemoryStorage} of that name, created on first use, so
 *   the CLI demo and tests that open the same name see the same objects.
 *
 * Any other scheme fails with `InvalidArgument` rather than being mistaken for a relative path.
 */
export function openStorage(uri: string, options: OpenStorageOptions = {}): Storage {
  if (uri.length === 0) throw new DeltaError('InvalidArgument', 'empty table location');
  const scheme = schemeOf(uri);
  switch (scheme) {
    case undefined:
      return new LocalStorage(uri);
    case 'file':
      return new LocalStorage(filePath(uri));
    case 's3':
    case 's3a': {
      const { bucket, prefix } = parseS3Uri(uri);
      return new S3Storage(bucket, prefix, options.s3);
    }
    case 'memory':
      return memoryStorage(uri.slice('memory://'.length).replace(/\/+$/, ''));
    default:
      throw new DeltaError(
        'InvalidArgument',
        `unsupported storage scheme ${JSON.stringify(scheme)} in ${uri}`,
        {
          help: 'Use a local path, file://, s3://, s3a:// or memory://.',
        },
      );
  }
}

/**
 * The URL scheme of `uri` in lower case, or `undefined` for a plain path. A single letter before
 * `:` is a Windows drive (`C:\tables\t`), not a scheme.
 */
export function schemeOf(uri: string): string | undefined {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri);
  if (!m || m[1] === undefined || m[1].length === 1) return undefined;
  if (!uri.startsWith(`${m[1]}://`) && m[1].toLowerCase() !== 'file') {
    // "name:with:colons" is a relative path, "scheme://…" is a URL.
    return undefined;
  }
  return m[1].toLowerCase();
}

function filePath(uri: string): string {
  try {
    return fileURLToPath(uri);
  } catch (err) {
    throw new DeltaError('InvalidArgument', `invalid file URL ${uri}`, { cause: err });
  }
}

/** Splits `s3://bucket/some/prefix/` into the bucket and the prefix without surrounding slashes. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3a?:\/\/([^/]*)(?:\/(.*))?$/i.exec(uri);
  const bucket = m?.[1] ?? '';
  if (bucket.length === 0) {
    throw new DeltaError('InvalidArgument', `S3 location ${JSON.stringify(uri)} names no bucket`, {
      help: 'Write s3://bucket/path/to/table.',
    });
  }
  const prefix = (m?.[2] ?? '')
    .split('/')
    .filter((p) => p.length > 0)
    .join('/');
  return { bucket, prefix };
}

const memoryStores = new Map<string, MemoryStorage>();

/** The process-wide {@link MemoryStorage} called `name` (created empty on first use). */
export function memoryStorage(name: string): MemoryStorage {
  const key = name === '' ? 'default' : name;
  let store = memoryStores.get(key);
  if (!store) {
    store = new MemoryStorage(key);
    memoryStores.set(key, store);
  }
  return store;
}

/** Forgets the named memory store, so the next `memory://name` starts empty; for test isolation. */
export function forgetMemoryStorage(name: string): void {
  memoryStores.delete(name === '' ? 'default' : name);
}
