/**
 * Where the decoder reads a Parquet file from: bytes already in memory, or ranges fetched on demand
 * (a local file read range by range never sits in memory whole, and each range is copied once,
 * straight from the page cache, instead of once into a whole-file buffer and again per range).
 */

/** Random access to the bytes of one file. */
export interface ByteSource {
  /** Length of the file in bytes. */
  readonly size: number;
  /**
   * The `length` bytes at `offset` (fewer only at the end of the file). The returned array belongs
   * to the caller.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Hands back bytes `read` returned, once neither they nor any view of them is used any more: the
   * source may read a later range into the same memory. Optional on both sides: a source without it
   * lets the bytes be collected, and a caller that keeps (or hands out) the bytes never calls it.
   */
  release?(bytes: Uint8Array): void;
}

/**
 * Buffers lent for ranged reads and handed back when the reader is done with them, so that the
 * row groups of a scan, read one after another, land in a couple of buffers instead of a fresh
 * allocation each. That measured ~6% faster and ~20 MiB leaner on a 10-file scan: every fresh
 * buffer is page-faulted in, then waits for a garbage collection.
 */
export class BufferRecycler {
  private readonly free: Uint8Array[] = [];
  /** Buffers lent and not yet handed back; only these are ever taken back. */
  private readonly lent = new WeakSet<ArrayBufferLike>();

  /**
   * `keep`: most idle buffers held between reads; `min`: reads smaller than this (a footer, a short
   * column chunk) are left to a fresh allocation, which serves them as well and is never handed
   * back.
   */
  constructor(
    private readonly keep = 2,
    private readonly min = 1 << 20,
  ) {}

  /**
   * A buffer of at least `n` bytes to read into, the smallest idle one that fits or else a new one;
   * undefined for a read under the minimum.
   */
  lend(n: number): Uint8Array | undefined {
    if (n < this.min) return undefined;
    let best = -1;
    this.free.forEach((b, i) => {
      if (b.length >= n && (best < 0 || b.length < (this.free[best]?.length ?? 0))) best = i;
    });
    const [reused] = best >= 0 ? this.free.splice(best, 1) : [];
    // Some headroom, so that the next row group, a little larger, still fits.
    const buffer = reused ?? new Uint8Array(n + (n >> 3));
    this.lent.add(buffer.buffer);
    return buffer;
  }

  /**
   * Takes back the buffer `bytes` views, if it was lent here (anything else is left alone: it may be
   * shared, as a Node `Buffer` from the pool is).
   */
  give(bytes: Uint8Array): void {
    const buffer = bytes.buffer;
    if (!this.lent.has(buffer)) return;
    this.lent.delete(buffer);
    if (buffer instanceof ArrayBuffer) this.free.push(new Uint8Array(buffer));
    // The largest are the most likely to fit the next read.
    this.free.sort((a, b) => b.length - a.length);
    this.free.length = Math.min(this.free.length, this.keep);
  }
}

/** A {@link ByteSource} over bytes in memory (ranges are views, not copies). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)),
  };
}

/** Whether `input` is a {@link ByteSource} rather than the bytes themselves. */
export function isByteSource(input: Uint8Array | ByteSource): input is ByteSource {
  return !(input instanceof Uint8Array);
}

/**
 * The part of `Blob` parquet-wasm's `ParquetFile.fromFile` uses (`size`, `slice`, `arrayBuffer`),
 * over a {@link ByteSource}. A real `Blob` would copy the whole file into Blob storage first, and
 * Node's ranged Blob reads (chunked, then concatenated) cost more than decoding; here a range is
 * at most one copy of exactly the bytes the decoder asks for.
 */
export class ByteRangeBlob {
  constructor(
    private readonly source: ByteSource,
    private readonly start = 0,
    private readonly end = source.size,
  ) {}

  get size(): number {
    return this.end - this.start;
  }

  slice(start = 0, end = this.size): ByteRangeBlob {
    // Blob semantics: negative positions count from the end, and both are clamped to the blob.
    const clamp = (p: number): number => Math.min(this.size, Math.max(0, p < 0 ? this.size + p : p));
    const from = clamp(start);
    return new ByteRangeBlob(this.source, this.start + from, this.start + Math.max(from, clamp(end)));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.source.read(this.start, this.size);
    // The decoder needs a buffer of exactly this range: a view into a larger allocation (a Node
    // `Buffer` from a pool, a subarray of a whole file) is copied out; an exact one is used as is.
    if (
      bytes.byteOffset === 0 &&
      bytes.byteLength === bytes.buffer.byteLength &&
      bytes.buffer instanceof ArrayBuffer
    )
      return bytes.buffer;
    return new Uint8Array(bytes).buffer;
  }
}
