/**
 * The one error type of delta-ts.
 *
 * Every failure the library can report is a {@link DeltaError} with a literal {@link DeltaErrorCode}, so
 * callers branch on `err.code` instead of parsing messages, and streaming jobs can decide from
 * `err.retriable` whether to back off and try again or to stop and page a human.
 *
 * Messages name the thing that is wrong (file, version, line, offset, field) because an error that
 * says only "invalid table" costs an on-call engineer an hour. They never contain credentials: every
 * message passes through {@link redactSecrets}.
 */

/** Every code a {@link DeltaError} can carry. */
export type DeltaErrorCode =
  /** The path holds no `_delta_log`, or the log holds no commit. */
  | 'TableNotFound'
  /** A requested version or timestamp is outside what the log holds. */
  | 'VersionNotFound'
  /** The log is not a valid Delta log: gaps, missing protocol/metadata, bad checkpoint. */
  | 'InvalidLog'
  /** A commit or checkpoint file could not be parsed. */
  | 'CorruptLog'
  /** The table needs a reader or writer feature this build does not implement. */
  | 'UnsupportedFeature'
  /** A schema string or Parquet schema could not be understood. */
  | 'InvalidSchema'
  /** Data to be written does not fit the table schema: an extra, missing or incompatible column. */
  | 'SchemaMismatch'
  /** A data file referenced by the log is missing. */
  | 'FileNotFound'
  /** A data file could not be decoded. */
  | 'CorruptData'
  /** A deletion vector could not be read, or its checksum does not match. */
  | 'CorruptDeletionVector'
  /** A path in the log points outside the table root. */
  | 'PathOutsideTable'
  /** A predicate string or expression is malformed or references an unknown column. */
  | 'InvalidPredicate'
  /** The caller passed an argument that cannot be honoured. */
  | 'InvalidArgument'
  /** The storage backend failed (network, permissions, throttling). */
  | 'StorageError'
  /** A put with `ifAbsent` found the object already there. */
  | 'AlreadyExists'
  /** A concurrent commit conflicts with this transaction. */
  | 'CommitConflict'
  /** The store does not honour put-if-absent, so concurrent commits could overwrite each other. */
  | 'UnsafeStorage'
  /** A write would break a table rule: appendOnly, an invariant or a check constraint. */
  | 'ConstraintViolation'
  /** Something this build does not do yet. */
  | 'NotImplemented';

/** Options of the {@link DeltaError} constructor. */
export interface DeltaErrorOptions {
  /** Whether repeating the same call may succeed (throttling, timeouts). Defaults to `false`. */
  retriable?: boolean;
  /** The underlying error, kept for debugging; its message is redacted like ours. */
  cause?: unknown;
  /** What the user can do about it; shown by the CLI under the message. */
  help?: string;
  /** Structured context (path, version, line…) for programs that log errors as JSON. */
  context?: Record<string, string | number | boolean | undefined>;
}

/**
 * The error thrown by every delta-ts API.
 *
 * The code is a literal type so `switch (err.code)` is exhaustive-checked by TypeScript.
 */
export class DeltaError<C extends DeltaErrorCode = DeltaErrorCode> extends Error {
  /** What went wrong, as a stable literal. */
  readonly code: C;
  /** Whether the same call may succeed if repeated. */
  readonly retriable: boolean;
  /** What the user can do about it. */
  readonly help: string | undefined;
  /** Structured context for logs. */
  readonly context: Readonly<Record<string, string | number | boolean | undefined>>;

  constructor(code: C, message: string, options: DeltaErrorOptions = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeltaError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.help = options.help;
    this.context = options.context ?? {};
  }
}

/** Type guard that also narrows the code when one is given. */
export function isDeltaError<C extends DeltaErrorCode>(err: unknown, code?: C): err is DeltaError<C> {
  return err instanceof DeltaError && (code === undefined || err.code === code);
}

const SECRET_PATTERNS: readonly RegExp[] = [
  // AWS access key ids and secret-looking query parameters in presigned URLs.
  /\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g,
  /(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s]+/gi,
  /((?:aws_)?secret(?:_access)?_key["'\s:=]+)[^\s"',]+/gi,
  /((?:session_)?token["'\s:=]+)[^\s"',]+/gi,
  // user:password@host in URLs.
  /(\/\/[^/\s:@]+:)[^@\s/]+@/g,
];

/** Secrets registered at run time (for example the configured S3 secret key) are redacted too. */
const registeredSecrets = new Set<string>();

/**
 * Makes sure `secret` never appears in a message produced by delta-ts. Storage backends call this
 * with the credentials they were given, so even a credential in an unusual format is scrubbed.
 */
export function registerSecret(secret: string | undefined): void {
  if (secret !== undefined && secret.length >= 4) registeredSecrets.add(secret);
}

/** Replaces anything that looks like a credential with `***`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of registeredSecrets) out = out.split(secret).join('***');
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match: string, prefix?: string) =>
      typeof prefix === 'string' && prefix.length < match.length && !/^(AKIA|ASIA)$/.test(prefix)
        ? `${prefix}***${match.endsWith('@') ? '@' : ''}`
        : '***',
    );
  }
  return out;
}

/** Renders any thrown value as a one-line reason, for wrapping foreign errors. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return redactSecrets(err.message);
  return redactSecrets(String(err));
}
