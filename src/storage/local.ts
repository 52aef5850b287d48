import { randomUUID } from 'node:crypto';
import { lstat, promises as fs, readFile, readdir, stat } from 'node:fs';
import { promisify } from 'node:util';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeltaError, describeError } from '../errors.js';
import { compareKeys } from './memory.js';
import type { ByteRange, ObjectMeta, PutOptions, Storage } from './storage.js';

/**
 * {@link Storage} on a local filesystem directory.
 *
 * Atomic writes use a temp file that is written, fsynced and then hard-linked (`fs.link`) to the
 * final name: `link` fails with `EEXIST` when the name is taken, which gives put-if-absent without
 * a window where a half-written commit is visible. A rename would silently replace a concurrent
 * writer's commit, so it is never used for `ifAbsent`.
 */
export class LocalStorage implements Storage {
  readonly url: string;
  readonly root: string;
  /** {@link root} with one trailing separator. */
  private readonly rootPrefix: string;
  /** `fs.link` fails with EEXIST atomically, so no probe is needed. */
  readonly ifAbsentGuaranteed = true;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.rootPrefix = this.root.endsWith(path.sep) ? this.root : `${this.root}${path.sep}`;
    this.url = pathToFileURL(this.root).href;
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectMeta> {
    // The prefix may end inside a file name ("_delta_log/0000"), so list its directory and filter.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
    yield* this.walk(dirKey, prefix, startAfter);
  }

  private async *walk(dirKey: string, prefix: string, startAfter?: string): AsyncIterable<ObjectMeta> {
    let names: string[];
    try {
      names = await readdirNames(this.abs(dirKey));
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
      throw this.storageError(`cannot list ${dirKey || '.'}`, err);
    }
    // Names the walk would skip are dropped before sorting and stat'ing: a listing from a
    // checkpoint of a 10,000-commit log then handles ~100 names instead of all of them. The test
    // is on names alone (every key here is `base + name`): a string comparison per entry, no key
    // built, and no typed directory entry allocated (those cost more than the comparisons).
    const base = dirKey ? `${dirKey}/` : '';
    const fileTest = nameTest(base, prefix, startAfter);
    const mayBeDir = dirNameTest(base, prefix, startAfter);
    const candidates: string[] = [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (name !== undefined && !isTempName(name) && (fileTest(name) || mayBeDir(name)))
        candidates.push(base + name);
    }
    candidates.sort(compareKeys);
    // Candidates are typed by the lstat each needs anyway (symbolic links are neither file nor
    // directory, and skipped). A directory is entered where "name/" sorts: after the files
    // "name-…" and "name.…" that follow "name" in this order, so it waits in `pending`.
    const pending: string[] = [];
    for (let at = 0; at < candidates.length; at += STAT_BATCH) {
      // Stat'ed in parallel batches: one at a time costs a thread-pool round trip per file.
      const keys = candidates.slice(at, at + STAT_BATCH);
      const stats = await Promise.all(keys.map((key) => lstatFile(this.abs(key)).catch(() => undefined)));
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        const st = stats[i];
        if (key === undefined || st === undefined) continue;
        if (st.isDirectory()) {
          if (dirWanted(key, prefix, startAfter)) {
            pending.push(key);
            pending.sort((x, y) => compareKeys(`${x}/`, `${y}/`));
          }
          continue;
        }
        if (!st.isFile() || !fileTest(key.slice(base.length))) continue;
        for (let dir = pending[0]; dir !== undefined && compareKeys(`${dir}/`, key) < 0; dir = pending[0]) {
          pending.shift();
          yield* this.walk(dir, prefix, startAfter);
        }
        yield { key, size: st.size, lastModified: Math.floor(st.mtimeMs) };
      }
    }
    for (const dir of pending) yield* this.walk(dir, prefix, startAfter);
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const buf = await readWhole(this.abs(key));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      throw this.readError(key, err);
    }
  }

  async getRange(key: string, range: ByteRange): Promise<Uint8Array> {
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(this.abs(key), 'r');
      const into = range.into;
      const buf =
        into !== undefined && into.length >= range.length
          ? into.subarray(0, range.length)
          : new Uint8Array(range.length);
      // A large range is read in pieces at once: each read is a copy out of the page cache on a
      // thread of libuv's pool, so pieces copy in parallel instead of one thread copying it all.
      const pieces = Math.max(1, Math.min(READ_PIECES, Math.floor(range.length / READ_PIECE_BYTES)));
      const piece = Math.ceil(range.length / pieces);
      const file = handle;
      const got = await Promise.all(
        Array.from({ length: pieces }, (_, p) => {
          const start = p * piece;
          return readFully(file, buf, start, Math.min(piece, range.length - start), range.offset + start);
        }),
      );
      // The bytes up to the first piece cut short by the end of the file.
      let filled = 0;
      for (let p = 0; p < pieces; p++) {
        const n = got[p] ?? 0;
        filled += n;
        if (n < Math.min(piece, range.length - p * piece)) break;
      }
      return buf.subarray(0, filled);
    } catch (err) {
      throw this.readError(key, err);
    } finally {
      await handle?.close();
    }
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    try {
      const st = await statFile(this.abs(key));
      return st.isFile() ? { key, size: st.size, lastModified: Math.floor(st.mtimeMs) } : undefined;
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
      throw this.storageError(`cannot stat ${key}`, err);
    }
  }

  async put(key: string, data: Uint8Array, options: PutOptions = {}): Promise<void> {
    const target = this.abs(key);
    const dir = path.dirname(target);
    const temp = path.join(dir, `.${path.basename(target)}.${randomUUID()}.tmp`);
    try {
      await fs.mkdir(dir, { recursive: true });
      const handle = await fs.open(temp, 'wx');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (options.ifAbsent === true) {
        await fs.link(temp, target);
      } else {
        // Replacing an existing object is allowed here (checkpoints, _last_checkpoint): rename is
        // atomic on POSIX, and these writes are not the put-if-absent commit primitive.
        await fs.rename(temp, target);
      }
    } catch (err) {
      if (isErrno(err, 'EEXIST')) {
        throw new DeltaError('AlreadyExists', `${key} already exists in ${this.url}`, { context: { key } });
      }
      throw this.storageError(`cannot write ${key}`, err);
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await fs.rm(this.abs(key), { force: true });
    } catch (err) {
      throw this.storageError(`cannot delete ${key}`, err);
    }
  }

  /**
   * The absolute path of a key; keys never escape the root because `..` segments are refused.
   * Plain keys (no empty, `.` or `..` segment) are joined by concatenation on POSIX: this runs
   * for every file a snapshot load touches, and `path.join` cost a visible share of a cold one.
   */
  abs(key: string): string {
    const segments = key.split('/');
    if (segments.some((seg) => seg === '..')) {
      throw new DeltaError('PathOutsideTable', `key ${JSON.stringify(key)} escapes ${this.url}`, {
        context: { key },
      });
    }
    if (key === '') return this.root;
    const plain = path.sep === '/' && segments.every((seg) => seg !== '' && seg !== '.');
    return plain ? `${this.rootPrefix}${key}` : path.join(this.root, ...segments);
  }

  private readError(key: string, err: unknown): DeltaError {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'EISDIR')) {
      return new DeltaError('FileNotFound', `${this.url}/${key} does not exist`, {
        cause: err,
        context: { key },
      });
    }
    return this.storageError(`cannot read ${key}`, err);
  }

  private storageError(what: string, err: unknown): DeltaError {
    const retriable = isErrno(err, 'EMFILE') || isErrno(err, 'EAGAIN') || isErrno(err, 'EBUSY');
    return new DeltaError('StorageError', `${what} in ${this.url}: ${describeError(err)}`, {
      cause: err,
      retriable,
    });
  }
}

/**
 * The callback forms of `readFile` and `stat`, promisified: measured on a cold process reading the
 * 99 commits after a checkpoint, `fs.promises.readFile` (a FileHandle per file) took twice as
 * long, and log reads are small files where those round trips are the whole cost.
 */
const readWhole = promisify(readFile);
const statFile = promisify(stat);
const lstatFile = promisify(lstat);
const readdirNames = promisify(readdir) as (dir: string) => Promise<string[]>;

/**
 * Whether the file `base + name` starts with `prefix` and sorts after `startAfter`, decided on
 * `name`: the shared `base` is compared once, here, instead of once per directory entry.
 */
function nameTest(base: string, prefix: string, startAfter: string | undefined): (name: string) => boolean {
  let namePrefix: string;
  if (base.startsWith(prefix)) namePrefix = '';
  else if (prefix.startsWith(base)) namePrefix = prefix.slice(base.length);
  else return () => false;
  if (startAfter === undefined) return (name) => name.startsWith(namePrefix);
  // A key extends `base`; when `startAfter` does not, `base` alone decides the comparison.
  if (!startAfter.startsWith(base))
    return base > startAfter ? (name) => name.startsWith(namePrefix) : () => false;
  const nameAfter = startAfter.slice(base.length);
  return (name) => name > nameAfter && name.startsWith(namePrefix);
}

/**
 * Whether the directory `name` under `base` can hold keys the listing wants: a name that fails the
 * file test only can when its key plus `/` begins `prefix`, or begins `startAfter` (the listing
 * then resumes inside it). Tested on names, as {@link nameTest} does.
 */
function dirNameTest(
  base: string,
  prefix: string,
  startAfter: string | undefined,
): (name: string) => boolean {
  const prefixRest = prefix.startsWith(base) ? prefix.slice(base.length) : undefined;
  const afterRest = startAfter?.startsWith(base) ? startAfter.slice(base.length) : undefined;
  return (name) =>
    (prefixRest !== undefined &&
      prefixRest.length > name.length &&
      prefixRest.charCodeAt(name.length) === 47 &&
      prefixRest.startsWith(name)) ||
    (afterRest !== undefined && afterRest.length >= name.length && afterRest.startsWith(name));
}

/** Whether the directory `key` can hold keys starting with `prefix` and sorting after `startAfter`. */
function dirWanted(key: string, prefix: string, startAfter: string | undefined): boolean {
  const asDir = `${key}/`;
  if (!(asDir.startsWith(prefix) || prefix.startsWith(asDir))) return false;
  return startAfter === undefined || startAfter.startsWith(asDir) || asDir > startAfter;
}

/** Files stat'ed concurrently while listing. */
const STAT_BATCH = 64;

function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** Most pieces a large ranged read is split into (libuv's pool has four threads by default). */
const READ_PIECES = 4;
/** Ranges are split into pieces of at least this many bytes; smaller ones are one read. */
const READ_PIECE_BYTES = 4 << 20;

/** Reads `length` bytes at `position` into `buf` at `at`; fewer only at the end of the file. */
async function readFully(
  handle: fs.FileHandle,
  buf: Uint8Array,
  at: number,
  length: number,
  position: number,
): Promise<number> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buf, at + filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}
