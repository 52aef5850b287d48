import { DeltaError, redactSecrets } from '../errors.js';

/**
 * Translation of AWS SDK failures into {@link DeltaError}s.
 *
 * Kept apart from the backend because the classification (missing, denied, transient) is what
 * streaming callers branch on, and it deserves its own tests: a throttled request marked
 * non-retriable pages a human for nothing; a denied request marked retriable loops forever.
 */

/**
 * What survives of an SDK error as the `cause` of a {@link DeltaError}. SDK exceptions carry the raw
 * HTTP response and sometimes echo request details; this summary keeps only what helps debugging
 * (code, status, request ids) with the message redacted, so a logged cause cannot leak credentials.
 */
export interface S3ErrorSummary {
  readonly name: string;
  readonly message: string;
  readonly httpStatusCode: number | undefined;
  readonly requestId: string | undefined;
  readonly extendedRequestId: string | undefined;
}

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown; extendedRequestId?: unknown };
}

function shape(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The HTTP status of an SDK error, when the server answered at all. */
export function s3Status(err: unknown): number | undefined {
  const status = shape(err).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The error code of an SDK error (`NoSuchKey`, `SlowDown`…), or the errno of a network error. */
export function s3ErrorName(err: unknown): string {
  const s = shape(err);
  return str(s.code) ?? str(s.name) ?? 'Error';
}

/** Builds the redacted {@link S3ErrorSummary} of any thrown value. */
export function summarizeS3Error(err: unknown): S3ErrorSummary {
  const s = shape(err);
  const message = err instanceof Error ? err.message : (str(s.message) ?? String(err));
  return Object.freeze({
    name: s3ErrorName(err),
    message: redactSecrets(message),
    httpStatusCode: s3Status(err),
    requestId: str(s.$metadata?.requestId),
    extendedRequestId: str(s.$metadata?.extendedRequestId),
  });
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound']);
const NO_BUCKET = new Set(['NoSuchBucket']);
const DENIED = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AccountProblem',
]);
const TRANSIENT = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'ConditionalRequestConflict',
  'OperationAborted',
  'TimeoutError',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/**
 * Classifies an SDK failure: a missing object becomes `FileNotFound` naming `s3://bucket/key`;
 * throttling, 5xx, 409 conditional-write conflicts and network failures a retriable
 * `StorageError`; denied access, missing buckets, bad credentials and everything else a
 * non-retriable `StorageError` with advice.
 *
 * @param what the failed operation, e.g. `cannot read s3://b/t/_delta_log/…json`.
 */
export function mapS3Error(err: unknown, what: string, where: { url: string; key: string }): DeltaError {
  if (err instanceof DeltaError) return err;
  const name = s3ErrorName(err);
  const status = s3Status(err);
  const cause = summarizeS3Error(err);
  const context = { key: where.key, s3Code: name, httpStatus: status, requestId: cause.requestId };
  if (NO_BUCKET.has(name)) {
    return new DeltaError('StorageError', `${what}: bucket does not exist (${name})`, {
      cause,
      context,
      help: 'Check the bucket name in the table URI and the configured endpoint and region.',
    });
  }
  if (NOT_FOUND.has(name) || status === 404) {
    return new DeltaError('FileNotFound', `${where.url} does not exist`, { cause, context });
  }
  if (DENIED.has(name) || status === 403 || status === 401) {
    return new DeltaError('StorageError', `${what}: access denied (${name})`, {
      cause,
      context,
      help: 'Check the AWS credentials (env AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile or role) and the bucket policy.',
    });
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(name)) {
    return new DeltaError('StorageError', `${what}: no usable AWS credentials (${cause.message})`, {
      cause,
      context,
      help: 'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or pass credentials explicitly.',
    });
  }
  const sdkRetryable = shape(err).$retryable !== undefined;
  const retriable =
    TRANSIENT.has(name) ||
    sdkRetryable ||
    (status !== undefined && status >= 500) ||
    status === 429 ||
    status === 409;
  return new DeltaError(
    'StorageError',
    `${what}: ${name}${status === undefined ? '' : ` (HTTP ${status})`}: ${cause.message}`,
    {
      cause,
      context,
      retriable,
    },
  );
}
