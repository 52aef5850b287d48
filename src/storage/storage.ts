/**
 * The storage contract every backend (local disk, S3, memory) fulfils.
 *
 * The Delta protocol needs very little from a store, and the core of delta-ts asks for nothing
 * more: the core never touches `fs` or the network itself, it only calls this interface. That keeps
 * log replay and scanning testable against the in-memory backend and portable to any object store.
 *
 * Keys are `/`-separated, relative to the store's root, never start with `/`, and are compared as
 * byte strings (UTF-8, code unit order), which is the order S3 lists in and the order the Delta log
 * relies on (`00000000000000000010.json` sorts after `…09.json`).
 */

/** Metadata of one stored object. */
export interface ObjectMeta {
  /** Key relative to the store root. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** Last modification time, milliseconds since the epoch. Delta uses it as commit time. */
  readonly lastModified: number;
}

/** A byte range: `offset` inclusive, `length` bytes. */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
  /**
   * A buffer of the caller's that the backend may read the range into, when it holds `length`
   * bytes; the result is then a view of its start. A backend that receives its bytes in a buffer of
   * its own (S3) ignores it. Either way the result holds the range's bytes. A reader that is done
   * with one range before it asks for the next reuses one buffer this way, sparing a fresh
   * allocation (and its page faults and garbage) per range: a 10-file scan reads ~240 MB of column
   * chunks.
   */
  readonly into?: Uint8Array;
}

/** Options of {@link Storage.put}. */
export interface PutOptions {
  /**
   * Write only if no object exists under the key; otherwise fail with `AlreadyExists` and leave the
   * existing object untouched. This is the atomic primitive Delta commits are built on, so a backend
   * must implement it atomically or refuse it; it may never emulate it with head-then-put.
   */
  readonly ifAbsent?: boolean;
}

/**
 * A key-value object store.
 *
 * Errors: a missing object fails with `DeltaError` code `FileNotFound` naming the key; a lost
 * `ifAbsent` race with `AlreadyExists`; anything else with `StorageError` (retriable when the
 * backend says the failure is transient).
 */
export interface Storage {
  /** A human-readable location (`file:///…`, `s3://bucket/prefix`, `memory://…`) for messages. */
  readonly url: string;

  /**
   * `true` when the backend guarantees `ifAbsent` by construction (a hard link on local disk, a
   * map in memory). Writers probe every other backend once before their first commit, because an
   * object store that silently ignores the condition would let two writers overwrite each other's
   * commit and lose data.
   */
  readonly ifAbsentGuaranteed?: boolean;

  /**
   * Lists objects whose key starts with `prefix`, in ascending key order, starting strictly after
   * `startAfter` when given. Only objects are listed, never "directories". The listing is lazy so a
   * log of a million files is never held in memory at once.
   */
  list(prefix: string, startAfter?: string): AsyncIterable<ObjectMeta>;

  /**
   * Reads a whole object. The returned bytes belong to the caller: a backend must not keep, reuse
   * or share the buffer, because scans hand it to a decoder (possibly transferring it to a worker
   * thread, which detaches it).
   */
  get(key: string): Promise<Uint8Array>;

  /**
   * Reads `range` of an object (fewer bytes when the object ends first). The bytes belong to the
   * caller, as with {@link get}; with `range.into` they may be a view of that buffer.
   */
  getRange(key: string, range: ByteRange): Promise<Uint8Array>;

  /** Object metadata, or `undefined` when there is no such object. */
  head(key: string): Promise<ObjectMeta | undefined>;

  /** Writes an object, atomically: readers see the old object or the whole new one, nothing between. */
  put(key: string, data: Uint8Array, options?: PutOptions): Promise<void>;

  /** Deletes an object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
}

/** Joins key segments with `/`, dropping empty segments and duplicate slashes. */
export function joinKey(...parts: string[]): string {
  return parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p.length > 0)
    .join('/');
}

/** Collects an async iterable into an array; for small listings only. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
