import { DeltaError } from '../errors.js';
import type { ByteRange, ObjectMeta, PutOptions, Storage } from './storage.js';

/**
 * An in-memory {@link Storage}: the embedded default of `delta-ts demo` and the backend of unit
 * tests. It is a real implementation of the contract (sorted listing, atomic `ifAbsent`), not a mock:
 * JavaScript's single thread makes each call atomic.
 */
export class MemoryStorage implements Storage {
  readonly url: string;
  /** A single map in one process: `ifAbsent` is atomic by construction. */
  readonly ifAbsentGuaranteed = true;
  private readonly objects = new Map<string, { data: Uint8Array; lastModified: number }>();
  private clock: () => number;

  /** @param name shown in `url`; @param clock injectable for deterministic commit timestamps. */
  constructor(name = 'default', clock: () => number = Date.now) {
    this.url = `memory://${name}`;
    this.clock = clock;
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectMeta> {
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (startAfter === undefined || k > startAfter))
      .sort(compareKeys);
    for (const key of keys) {
      const obj = this.objects.get(key);
      if (obj) yield { key, size: obj.data.byteLength, lastModified: obj.lastModified };
    }
  }

  async get(key: string): Promise<Uint8Array> {
    return this.require(key).data.slice();
  }

  async getRange(key: string, range: ByteRange): Promise<Uint8Array> {
    const { data } = this.require(key);
    const part = data.subarray(range.offset, range.offset + range.length);
    const into = range.into;
    if (into === undefined || into.length < part.length) return part.slice();
    into.set(part);
    return into.subarray(0, part.length);
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    const obj = this.objects.get(key);
    return obj ? { key, size: obj.data.byteLength, lastModified: obj.lastModified } : undefined;
  }

  async put(key: string, data: Uint8Array, options: PutOptions = {}): Promise<void> {
    if (options.ifAbsent === true && this.objects.has(key)) {
      throw new DeltaError('AlreadyExists', `${this.url}/${key} already exists`, { context: { key } });
    }
    this.objects.set(key, { data: data.slice(), lastModified: this.clock() });
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  /** Sets an object's modification time; tests of timestamp-based time travel need it. */
  setLastModified(key: string, lastModified: number): void {
    const obj = this.require(key);
    obj.lastModified = lastModified;
  }

  private require(key: string): { data: Uint8Array; lastModified: number } {
    const obj = this.objects.get(key);
    if (!obj) throw new DeltaError('FileNotFound', `${this.url}/${key} does not exist`, { context: { key } });
    return obj;
  }
}

/** Byte-wise (UTF-16 code unit) comparison, the order S3 and the Delta log use. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
