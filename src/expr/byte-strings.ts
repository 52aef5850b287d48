import { copyBytes } from './numbers.js';

/**
 * A table of distinct byte strings, numbered in order of first appearance: the grouping of rows by
 * a string partition value and the dictionary of a Parquet byte-array column are both this. Each
 * string is hashed (FNV-1a over its bytes) into an open-addressing table of entry numbers, and
 * compared byte by byte on a hash match, so looking up a value allocates nothing: building a
 * JavaScript string per row cost as much as writing the row's Parquet.
 */
export class ByteStringTable {
  /** The entries' bytes: entry `k` is `bytes[starts[k]..starts[k+1])`. */
  bytes = new Uint8Array(1024);
  /** Entry boundaries in {@link bytes} (`size + 1` of them are meaningful). */
  starts = new Int32Array(65);
  /** Distinct strings seen. */
  size = 0;
  private hashes = new Int32Array(64);
  private mask = 127;
  /** Entry number + 1 per slot, 0 for an empty slot. */
  private table = new Int32Array(128);

  /** Bytes held by the entries. */
  get byteLength(): number {
    return this.starts[this.size] ?? 0;
  }

  /**
   * The number of the string `source[start..end)`: an existing entry's, or {@link size} - 1
   * after adding it as a new entry (its bytes copied, so `source` may be reused afterwards).
   */
  intern(source: Uint8Array, start: number, end: number): number {
    // An int32 from the start: an empty string never reaches Math.imul, yet its hash is stored as one.
    let h = 0x811c9dc5 | 0;
    for (let b = start; b < end; b++) h = Math.imul(h ^ (source[b] ?? 0), 0x01000193);
    const { bytes, starts, hashes, table, mask } = this;
    let slot = h & mask;
    for (;;) {
      const e = (table[slot] ?? 0) - 1;
      if (e < 0) break;
      if (hashes[e] === h && sameBytes(bytes, starts[e] ?? 0, starts[e + 1] ?? 0, source, start, end))
        return e;
      slot = (slot + 1) & mask;
    }
    return this.add(source, start, end, h, slot);
  }

  private add(source: Uint8Array, start: number, end: number, h: number, slot: number): number {
    const entry = this.size++;
    const at = this.starts[entry] ?? 0;
    const length = end - start;
    if (at + length > this.bytes.length) this.bytes = grow(this.bytes, at + length);
    copyBytes(source, start, end, this.bytes, at);
    if (this.size + 1 > this.starts.length) this.starts = grow(this.starts, this.size + 1);
    this.starts[this.size] = at + length;
    if (this.size > this.hashes.length) this.hashes = grow(this.hashes, this.size);
    this.hashes[entry] = h;
    this.table[slot] = entry + 1;
    // Rehash at half load, so probe chains stay short.
    if (this.size * 2 > this.mask) {
      this.mask = this.mask * 2 + 1;
      this.table = new Int32Array(this.mask + 1);
      for (let e = 0; e < this.size; e++) {
        let s = (this.hashes[e] ?? 0) & this.mask;
        while ((this.table[s] ?? 0) !== 0) s = (s + 1) & this.mask;
        this.table[s] = e + 1;
      }
    }
    return entry;
  }
}

function sameBytes(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = 0; i < aEnd - aStart; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

function grow<T extends Uint8Array | Int32Array>(array: T, needed: number): T {
  const grown = new (array.constructor as new (n: number) => T)(Math.max(needed, array.length * 2));
  grown.set(array);
  return grown;
}
