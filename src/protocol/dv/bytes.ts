/**
 * Bounds-checked little/big-endian reading and writing for the deletion-vector formats, and CRC-32.
 *
 * Deletion vectors come from files that may be truncated or tampered with; every read goes through
 * {@link ByteReader} so that running off the end becomes a `CorruptDeletionVector` error naming the
 * source and the absolute byte offset, never a silent `undefined` or a garbage value.
 */
import { DeltaError } from '../../errors.js';

/**
 * A cursor over a byte array that fails with `CorruptDeletionVector` on any out-of-bounds read.
 * `baseOffset` is added to positions in messages so that an error inside a blob read from the middle
 * of a file names the offset in the file.
 */
export class ByteReader {
  /** Current position, relative to the start of `bytes`. */
  pos = 0;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    /** Names the data in error messages (a file key, a descriptor). */
    readonly source: string,
    /** Offset of `bytes[0]` within `source`, for messages. */
    readonly baseOffset = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes left after the cursor. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** A `CorruptDeletionVector` error naming the source and the absolute offset `at`. */
  error(message: string, at = this.pos): DeltaError<'CorruptDeletionVector'> {
    const offset = this.baseOffset + at;
    return new DeltaError('CorruptDeletionVector', `${this.source} at offset ${offset}: ${message}`, {
      context: { source: this.source, offset },
    });
  }

  /** Fails unless `n` more bytes are available; `what` says what was being read. */
  need(n: number, what: string): void {
    if (n > this.remaining) {
      throw this.error(`truncated: ${what} needs ${n} bytes, only ${this.remaining} left`);
    }
  }

  u16le(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32le(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u32be(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, false);
    this.pos += 4;
    return v;
  }

  /** A 64-bit little-endian unsigned value; fails when it exceeds 2^53 - 1. */
  u64le(what: string): number {
    this.need(8, what);
    const low = this.view.getUint32(this.pos, true);
    const high = this.view.getUint32(this.pos + 4, true);
    if (high > 0x1fffff) throw this.error(`${what} ${high} * 2^32 + ${low} is too large`);
    this.pos += 8;
    return high * 0x100000000 + low;
  }

  /** `n` bytes as a view (no copy). */
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** A growable byte buffer for the encoders. */
export class ByteWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  /** Bytes written so far. */
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }

  u16le(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }

  u32le(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  u32be(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, false);
    this.length += 4;
  }

  /** A non-negative safe integer as 64-bit little endian. */
  u64le(v: number): void {
    this.u32le(v % 0x100000000);
    this.u32le(Math.floor(v / 0x100000000));
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** Overwrites 4 bytes at `at` (little endian); used to back-patch container offsets. */
  patchU32le(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of the deletion-vector file
 * format. Implemented here rather than taken from `node:zlib` so the core stays runtime-neutral.
 */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = (CRC_TABLE[(c ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
