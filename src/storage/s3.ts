import { createRequire } from 'node:module';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { DeltaError, registerSecret } from '../errors.js';
import { mapS3Error, s3Status } from './s3-errors.js';
import type { ByteRange, ObjectMeta, PutOptions, Storage } from './storage.js';

type S3Sdk = typeof import('@aws-sdk/client-s3');
let sdkModule: S3Sdk | undefined;

/**
 * The AWS SDK, loaded when the first {@link S3Storage} is made: importing it costs ~80 ms and
 * ~20 MiB that a process reading local tables should not pay. Its package is CommonJS (no ESM
 * entry point is resolved by Node either), so `require` loads the same module synchronously.
 */
function sdk(): S3Sdk {
  sdkModule ??= createRequire(import.meta.url)('@aws-sdk/client-s3') as S3Sdk;
  return sdkModule;
}

/** Static credentials for {@link S3StorageOptions.credentials}. */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * Options of {@link S3Storage}. Everything is optional: by default the standard AWS chain (env
 * variables, shared config/credentials files, SSO, instance/container roles) supplies credentials,
 * so code that runs on AWS needs no configuration at all.
 */
export interface S3StorageOptions {
  /**
   * Endpoint of an S3-compatible server (MinIO, moto, R2…). Defaults to env `AWS_ENDPOINT_URL_S3`,
   * `AWS_ENDPOINT_URL` or `S3_ENDPOINT`, else AWS itself.
   */
  readonly endpoint?: string;
  /** Region; defaults to env `AWS_REGION` / `AWS_DEFAULT_REGION`, else `us-east-1`. */
  readonly region?: string;
  /**
   * Address buckets as `endpoint/bucket` instead of `bucket.endpoint`. Defaults to env
   * `AWS_S3_FORCE_PATH_STYLE` / `S3_FORCE_PATH_STYLE`, else true for `localhost` and IP endpoints
   * (where a bucket subdomain cannot resolve), else false.
   */
  readonly forcePathStyle?: boolean;
  /** Explicit credentials instead of the default chain. */
  readonly credentials?: S3Credentials;
  /** Attempts per request including SDK-internal retries; defaults to the SDK's (3). */
  readonly maxAttempts?: number;
  /** Environment to read the variables above from; defaults to `process.env` (tests inject one). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * {@link Storage} on an S3 bucket (or any S3-compatible server), rooted at `s3://bucket/prefix`.
 *
 * Put-if-absent uses the conditional write `If-None-Match: *`, which S3 evaluates atomically on the
 * server; that is what makes concurrent Delta commits safe without an external lock. A server that
 * ignores the header would silently let two writers win, so only use servers that honour it.
 *
 * Credentials never leak into messages: the secret key and session token (given or resolved from
 * the chain) are registered with {@link registerSecret} before the first request, and SDK errors are
 * replaced by a redacted summary before they become a `cause`.
 */
export class S3Storage implements Storage {
  readonly url: string;
  readonly bucket: string;
  /** Key prefix of the root, without leading or trailing `/` (empty for the bucket root). */
  readonly prefix: string;
  /** The underlying client, for callers that need an operation this contract does not cover. */
  readonly client: S3Client;

  constructor(bucket: string, prefix = '', options: S3StorageOptions = {}) {
    if (bucket.length === 0 || bucket.includes('/')) {
      throw new DeltaError('InvalidArgument', `invalid S3 bucket name ${JSON.stringify(bucket)}`);
    }
    this.bucket = bucket;
    this.prefix = prefix
      .split('/')
      .filter((p) => p.length > 0)
      .join('/');
    this.url = this.prefix ? `s3://${bucket}/${this.prefix}` : `s3://${bucket}`;
    this.client = new (sdk().S3Client)(resolveClientConfig(options));
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectMeta> {
    const full = this.rooted(prefix);
    // The root prefix must end in "/" so that root "t" never lists "t2/…".
    const listPrefix = this.prefix && prefix === '' ? `${this.prefix}/` : full;
    let token: string | undefined;
    do {
      await this.registerCredentials();
      const page = await this.send(`cannot list ${prefix ? `${this.url}/${prefix}` : this.url}`, prefix, () =>
        this.client.send(
          new (sdk().ListObjectsV2Command)({
            Bucket: this.bucket,
            Prefix: listPrefix,
            StartAfter: token === undefined && startAfter !== undefined ? this.rooted(startAfter) : undefined,
            ContinuationToken: token,
          }),
        ),
      );
      for (const obj of page.Contents ?? []) {
        if (obj.Key === undefined) continue;
        const key = this.relativeKey(obj.Key);
        if (key === undefined || !key.startsWith(prefix)) continue;
        if (startAfter !== undefined && key <= startAfter) continue;
        yield { key, size: obj.Size ?? 0, lastModified: obj.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async get(key: string): Promise<Uint8Array> {
    await this.registerCredentials();
    return this.send(`cannot read ${this.url}/${key}`, key, async () => {
      const out = await this.client.send(
        new (sdk().GetObjectCommand)({ Bucket: this.bucket, Key: this.fullKey(key) }),
      );
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
    });
  }

  async getRange(key: string, range: ByteRange): Promise<Uint8Array> {
    if (
      !Number.isSafeInteger(range.offset) ||
      !Number.isSafeInteger(range.length) ||
      range.offset < 0 ||
      range.length < 0
    ) {
      throw new DeltaError(
        'InvalidArgument',
        `invalid byte range ${JSON.stringify(range)} for ${this.url}/${key}`,
      );
    }
    if (range.length === 0) {
      // HTTP cannot express an empty range; still fail for a missing object like every other read.
      if ((await this.head(key)) === undefined) throw this.notFound(key);
      return new Uint8Array(0);
    }
    await this.registerCredentials();
    try {
      const out = await this.client.send(
        new (sdk().GetObjectCommand)({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Range: `bytes=${range.offset}-${range.offset + range.length - 1}`,
        }),
      );
      const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
      // A server that ignores Range answers 200 with the whole object; cut the range out ourselves.
      return out.ContentRange === undefined && bytes.byteLength > range.length
        ? bytes.slice(range.offset, range.offset + range.length)
        : bytes;
    } catch (err) {
      // 416: the object exists but starts after its end, which the contract answers with no bytes.
      if (s3Status(err) === 416) return new Uint8Array(0);
      throw mapS3Error(err, `cannot read ${this.url}/${key}`, this.keyInfo(key));
    }
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    await this.registerCredentials();
    try {
      const out = await this.client.send(
        new (sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: this.fullKey(key) }),
      );
      return { key, size: out.ContentLength ?? 0, lastModified: out.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (s3Status(err) === 404) return undefined;
      throw mapS3Error(err, `cannot stat ${this.url}/${key}`, this.keyInfo(key));
    }
  }

  async put(key: string, data: Uint8Array, options: PutOptions = {}): Promise<void> {
    await this.registerCredentials();
    try {
      await this.client.send(
        new (sdk().PutObjectCommand)({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Body: data,
          ContentLength: data.byteLength,
          IfNoneMatch: options.ifAbsent === true ? '*' : undefined,
        }),
      );
    } catch (err) {
      if (options.ifAbsent === true && s3Status(err) === 412) {
        throw new DeltaError('AlreadyExists', `${this.url}/${key} already exists`, { context: { key } });
      }
      throw mapS3Error(err, `cannot write ${this.url}/${key}`, this.keyInfo(key));
    }
  }

  async delete(key: string): Promise<void> {
    await this.registerCredentials();
    await this.send(`cannot delete ${this.url}/${key}`, key, () =>
      this.client.send(new (sdk().DeleteObjectCommand)({ Bucket: this.bucket, Key: this.fullKey(key) })),
    );
  }

  /** The bucket key of a store key. */
  fullKey(key: string): string {
    if (key.split('/').some((seg) => seg === '..')) {
      throw new DeltaError('PathOutsideTable', `key ${JSON.stringify(key)} escapes ${this.url}`, {
        context: { key },
      });
    }
    return this.rooted(key);
  }

  /** Prepends the root prefix without checking, for listing bounds that are not object keys. */
  private rooted(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private relativeKey(full: string): string | undefined {
    if (!this.prefix) return full;
    return full.startsWith(`${this.prefix}/`) ? full.slice(this.prefix.length + 1) : undefined;
  }

  private keyInfo(key: string): { url: string; key: string } {
    return { url: `s3://${this.bucket}/${this.fullKey(key)}`, key };
  }

  private notFound(key: string): DeltaError {
    return new DeltaError('FileNotFound', `s3://${this.bucket}/${this.fullKey(key)} does not exist`, {
      context: { key },
    });
  }

  private async send<T>(what: string, key: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw mapS3Error(err, what, this.keyInfo(key));
    }
  }

  /**
   * Resolves the credentials the SDK will sign with and registers their secret parts, so even keys
   * that came from a profile or an instance role are scrubbed from every message. The provider is
   * memoised by the SDK, so this costs nothing after the first call, and it picks up rotated keys.
   */
  private async registerCredentials(): Promise<void> {
    try {
      const creds = await this.client.config.credentials();
      registerSecret(creds.secretAccessKey);
      registerSecret(creds.sessionToken);
    } catch (err) {
      throw mapS3Error(err, `cannot resolve AWS credentials for ${this.url}`, { url: this.url, key: '' });
    }
  }
}

/** Builds the SDK client configuration from the options and the environment. */
export function resolveClientConfig(options: S3StorageOptions): S3ClientConfig {
  const env = options.env ?? process.env;
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? env.S3_ENDPOINT;
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const forcePathStyle =
    options.forcePathStyle ??
    parseBool(env.AWS_S3_FORCE_PATH_STYLE ?? env.S3_FORCE_PATH_STYLE) ??
    (endpoint !== undefined && isLocalOrIpEndpoint(endpoint));
  const config: S3ClientConfig = { region, forcePathStyle };
  if (endpoint !== undefined && endpoint !== '') config.endpoint = endpoint;
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  if (options.credentials) {
    registerSecret(options.credentials.secretAccessKey);
    registerSecret(options.credentials.sessionToken);
    config.credentials = { ...options.credentials };
  }
  return config;
}

function parseBool(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  throw new DeltaError(
    'InvalidArgument',
    `S3 force-path-style setting must be true or false, got ${JSON.stringify(value)}`,
  );
}

function isLocalOrIpEndpoint(endpoint: string): boolean {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch (err) {
    throw new DeltaError('InvalidArgument', `S3 endpoint ${JSON.stringify(endpoint)} is not a URL`, {
      cause: err,
    });
  }
  return host === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[');
}
