import { randomUUID } from 'node:crypto';
import { promises as fs, readFile, stat } from 'node:fs';
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
  /** `fs.link` fails with EEXIST atomically, so no probe is needed. */
  readonly ifAbsentGuaranteed = true;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.url = pathToFileURL(this.root).href;
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectMeta> {
    // The prefix may end inside a file name ("_delta_log/0000"), so list its directory and filter.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
    yield* this.walk(dirKey, prefix, startAfter);
  }

  private async *walk(dirKey: string, prefix: string, startAfter?: string): AsyncIterable<ObjectMeta> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(this.abs(dirKey), { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
      throw this.storageError(`cannot list ${dirKey || '.'}`, err);
    }
    // Entries the walk below would skip are dropped before sorting: a listing from a checkpoint of
    // a 10,000-commit log then sorts ~100 names instead of all of them. Files are tested on their
    // names alone (every key here is `base + name`), so the thousands of entries before
    // `startAfter` cost a string comparison each, with no key built.
    const base = dirKey ? `${dirKey}/` : '';
    const fileTest = nameTest(base, prefix, startAfter);
    const dirWanted = (key: string): boolean => {
      const asDir = `${key}/`;
      if (!(asDir.startsWith(prefix) || prefix.startsWith(asDir))) return false;
      return startAfter === undefined || startAfter.startsWith(asDir) || asDir > startAfter;
    };
    const children: Array<{ entry: import('node:fs').Dirent; key: string }> = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e === undefined) continue;
      if (e.isDirectory() ? dirWanted(base + e.name) : fileTest(e.name))
        children.push({ entry: e, key: base + e.name });
    }
    // Sorting children by "name" and "name/" keeps the walk in global key order.
    children.sort((a, b) =>
      compareKeys(a.entry.isDirectory() ? `${a.key}/` : a.key, b.entry.isDirectory() ? `${b.key}/` : b.key),
    );
    // Files are stat'ed in parallel batches: one stat at a time costs a thread-pool round trip per
    // file, which dominated listing a 10,000-commit log.
    let batch: string[] = [];
    const flush = async function* (this: LocalStorage): AsyncIterable<ObjectMeta> {
      const stats = await Promise.all(batch.map((key) => statFile(this.abs(key)).catch(() => undefined)));
      for (const [i, st] of stats.entries()) {
        const key = batch[i];
        if (st && key !== undefined) yield { key, size: st.size, lastModified: Math.floor(st.mtimeMs) };
      }
      batch = [];
    };
    for (const { entry, key } of children) {
      if (entry.isDirectory()) {
        const asDir = `${key}/`;
        if (!(asDir.startsWith(prefix) || prefix.startsWith(asDir))) continue;
        if (startAfter !== undefined && !startAfter.startsWith(asDir) && asDir <= startAfter) continue;
        yield* flush.call(this);
        yield* this.walk(key, prefix, startAfter);
      } else if (entry.isFile() && key.startsWith(prefix) && (startAfter === undefined || key > startAfter)) {
        if (isTempName(entry.name)) continue;
        batch.push(key);
        if (batch.length >= STAT_BATCH) yield* flush.call(this);
      }
    }
    yield* flush.call(this);
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
      const buf = new Uint8Array(range.length);
      let filled = 0;
      while (filled < range.length) {
        const { bytesRead } = await handle.read(buf, filled, range.length - filled, range.offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
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

  /** The absolute path of a key; keys never escape the root because `..` segments are refused. */
  abs(key: string): string {
    if (key.split('/').some((seg) => seg === '..')) {
      throw new DeltaError('PathOutsideTable', `key ${JSON.stringify(key)} escapes ${this.url}`, {
        context: { key },
      });
    }
    return path.join(this.root, ...key.split('/'));
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

/** Files stat'ed concurrently while listing. */
const STAT_BATCH = 64;

function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
