/**
 * Parsing newline-delimited JSON actions: commit files, V2 JSON checkpoints and log compaction files
 * (PROTOCOL.md "Delta Log Entries": one action per line).
 *
 * The log is untrusted input, so every line is checked for the fields replay depends on: a commit
 * whose `add` has no `path` must stop the read with an error naming the file and line, not become a
 * phantom file. Unknown action types and unknown fields are kept or ignored as the protocol demands
 * ("clients must ignore unrecognized actions and fields").
 */
import { DeltaError, describeError } from '../errors.js';
import type { Action } from '../protocol/actions.js';

/** Where the text came from, for error messages. */
export interface NdjsonSource {
  /** The storage key of the file. */
  readonly file: string;
  /** The commit version, when the file is a commit. */
  readonly version?: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 bytes strictly, so a truncated multi-byte character is reported, not replaced. */
export function decodeUtf8(bytes: Uint8Array, source: NdjsonSource): string {
  try {
    return decoder.decode(bytes);
  } catch (err) {
    throw new DeltaError('CorruptLog', `${describe(source)} is not valid UTF-8: ${describeError(err)}`, {
      cause: err,
      context: { file: source.file, version: source.version },
    });
  }
}

/**
 * Parses NDJSON bytes into actions, calling `onAction` for each in file order (a callback rather
 * than an array so a 300k-action commit is not held twice).
 *
 * Blank lines (a trailing newline, `\r\n` endings) are skipped, and so are lines matching `skip`
 * or not matching `only` (metadata-only replays skip file actions unparsed, which makes them several
 * times faster; history reads only `commitInfo` lines).
 *
 * @throws DeltaError `CorruptLog` naming the file, version and 1-based line for a line that is not a
 *   JSON object or whose action lacks a required field.
 */
export function parseActions(
  bytes: Uint8Array,
  source: NdjsonSource,
  onAction: (action: Action) => void,
  skip?: RegExp,
  only?: RegExp,
): void {
  const text = decodeUtf8(bytes, source);
  let start = 0;
  let line = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const raw = text.slice(start, end);
    start = end + 1;
    if (raw.trim().length === 0 || skip?.test(raw) === true || only?.test(raw) === false) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw corrupt(source, line, `invalid JSON: ${describeError(err)}`, err);
    }
    if (!isRecord(value)) throw corrupt(source, line, 'a line must be a JSON object holding one action');
    const problem = validateAction(value);
    if (problem !== undefined) throw corrupt(source, line, problem);
    onAction(value);
  }
}

/** Parses NDJSON bytes into an array of actions; see {@link parseActions}. */
export function parseActionList(bytes: Uint8Array, source: NdjsonSource): Action[] {
  const actions: Action[] = [];
  parseActions(bytes, source, (a) => actions.push(a));
  return actions;
}

/**
 * Checks the fields replay relies on, returning a description of the first problem. Only actions
 * that replay interprets are checked; `metaData` and `protocol` are validated when they win
 * (a superseded malformed `metaData` does not make the table unreadable).
 */
export function validateAction(action: Record<string, unknown>): string | undefined {
  const add = action['add'];
  if (add !== undefined) {
    if (!isRecord(add)) return 'add must be an object';
    if (typeof add['path'] !== 'string' || add['path'].length === 0)
      return 'add.path must be a non-empty string';
    const pv = add['partitionValues'];
    if (!isRecord(pv)) return `add.partitionValues of ${add['path']} must be an object`;
    if (add['deletionVector'] !== undefined && add['deletionVector'] !== null) {
      const dv = checkDv(add['deletionVector']);
      if (dv) return `add.deletionVector of ${add['path']}: ${dv}`;
    }
  }
  const remove = action['remove'];
  if (remove !== undefined) {
    if (!isRecord(remove)) return 'remove must be an object';
    if (typeof remove['path'] !== 'string' || remove['path'].length === 0) {
      return 'remove.path must be a non-empty string';
    }
    if (remove['deletionVector'] !== undefined && remove['deletionVector'] !== null) {
      const dv = checkDv(remove['deletionVector']);
      if (dv) return `remove.deletionVector of ${remove['path']}: ${dv}`;
    }
  }
  const txn = action['txn'];
  if (txn !== undefined) {
    if (!isRecord(txn) || typeof txn['appId'] !== 'string') return 'txn.appId must be a string';
    if (typeof txn['version'] !== 'number') return `txn.version of ${txn['appId']} must be a number`;
  }
  const dm = action['domainMetadata'];
  if (dm !== undefined) {
    if (!isRecord(dm) || typeof dm['domain'] !== 'string') return 'domainMetadata.domain must be a string';
    if (dm['removed'] !== undefined && typeof dm['removed'] !== 'boolean') {
      return `domainMetadata.removed of ${dm['domain']} must be a boolean`;
    }
  }
  const sidecar = action['sidecar'];
  if (sidecar !== undefined && (!isRecord(sidecar) || typeof sidecar['path'] !== 'string')) {
    return 'sidecar.path must be a string';
  }
  for (const key of ['metaData', 'protocol', 'commitInfo', 'checkpointMetadata'] as const) {
    const v = action[key];
    if (v !== undefined && !isRecord(v)) return `${key} must be an object`;
  }
  return undefined;
}

function checkDv(dv: unknown): string | undefined {
  if (!isRecord(dv)) return 'must be an object';
  if (typeof dv['storageType'] !== 'string') return 'storageType must be a string';
  if (typeof dv['pathOrInlineDv'] !== 'string') return 'pathOrInlineDv must be a string';
  if (dv['offset'] !== undefined && dv['offset'] !== null && typeof dv['offset'] !== 'number') {
    return 'offset must be a number';
  }
  return undefined;
}

/** Matches lines holding a file action (`add`, `remove`, `cdc`), for {@link parseActions}' `skip`. */
export const FILE_ACTION_LINE = /^\s*\{\s*"(?:add|remove|cdc)"\s*:/;

/** Whether `v` is a plain JSON object. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(source: NdjsonSource): string {
  return source.version === undefined ? source.file : `${source.file} (version ${source.version})`;
}

function corrupt(source: NdjsonSource, line: number, reason: string, cause?: unknown): DeltaError {
  return new DeltaError('CorruptLog', `${describe(source)} line ${line}: ${reason}`, {
    cause,
    context: { file: source.file, version: source.version, line },
  });
}
