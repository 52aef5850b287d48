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
