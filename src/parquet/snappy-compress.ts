import { writeVarint } from './bits.js';

/**
 * Snappy block compression (https://github.com/google/snappy/blob/main/format_description.txt), the
 * counterpart of snappy.ts for the pages we write. A greedy matcher over 4-byte sequences in the
 * manner of the reference compressor: one hash probe per position visited and no lazy matching, trading
 * a few percent of ratio for speed.
 */

/**
 * Hash table positions are 16 bits, so matching works on blocks of at most 64 KiB (as in the reference
 * compressor), and every offset fits a 2-byte-offset copy.
 */
const BLOCK = 1 << 16;

/** The reference compressor's largest table: 16 Ki entries of 2 bytes (32 KiB) stay in the L1/L2 cache. */
const MAX_TABLE_BITS = 14;

/** The smallest table: below 256 entries, clearing fewer saves nothing measurable. */
const MIN_TABLE_BITS = 8;

/**
 * Positions searched stop this far before the end of a block, so that every 4-byte load (including
 * the one hashing the position after a copy) stays inside it.
 */
const MARGIN = 4;

/** Odd multiplier spreading 4 input bytes over the table's high bits (the reference compressor's). */
const HASH_MUL = 0x1e35a7bd;

/** Literals longer than this go through `set`, whose fixed cost the byte loop beats on short runs. */
const SHORT_LITERAL = 24;

/**
 * Allocated once and shared by every call (compression is synchronous, so no two calls overlap): a
 * fresh zeroed table per call is garbage and, for a small page, a cost comparable to compressing it.
 */
const table = new Uint16Array(1 << MAX_TABLE_BITS);

/**
 * The most bytes {@link snappyCompress} writes for `n` input bytes: the reference compressor's
 * bound. Ours is lower (all literals: a 3-byte tag per 64 KiB block, plus the 5-byte length), so
 * the output never needs to grow.
 */
export function snappyMaxLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

/**
 * Compresses `input` into one Snappy block: the varint of its length, then literals and copies that
 * `snappyDecompress` (snappy.ts), like any other Snappy decoder, expands back to `input`. The result
 * is a view of the start of `into` when that holds {@link snappyMaxLength} bytes (an encoder that
 * copies each page out before compressing the next reuses one buffer), otherwise of a freshly
 * allocated buffer. Empty input gives the 1-byte block `[0]`.
 *
 * Parquet data pages are compressed here rather than by the WebAssembly encoder because a page is
 * small: compiling that module and copying each page into and out of its memory cost more than
 * compressing the page in JavaScript.
 */
export function snappyCompress(input: Uint8Array, into?: Uint8Array): Uint8Array {
  const n = input.length;
  if (n > 0xffffffff) throw new RangeError(`Snappy blocks hold at most 4 GiB, not ${n} bytes`);
  const bound = snappyMaxLength(n);
  const out = into !== undefined && into.length >= bound ? into : new Uint8Array(bound);
  let op = writeVarint(out, 0, n);
  const view = new DataView(input.buffer, input.byteOffset, n);
  for (let start = 0; start < n; start += BLOCK) {
    op = compressBlock(input, view, start, Math.min(start + BLOCK, n), out, op);
  }
  return out.subarray(0, op);
}

/**
 * Compresses `src[base, end)` into `out` at `op`, with copies reaching back no further than `base`;
 * returns the new `op`.
 */
function compressBlock(
  src: Uint8Array,
  view: DataView,
  base: number,
  end: number,
  out: Uint8Array,
  op: number,
): number {
  let emit = base;
  if (end - base > MARGIN) {
    let bits = MIN_TABLE_BITS;
    while (bits < MAX_TABLE_BITS && 1 << bits < end - base) bits++;
    const shift = 32 - bits;
    // An entry left by an earlier block or call would read, relative to this block, as a position not
    // reached yet: its bytes could match, but a copy can only reach back.
    table.fill(0, 0, 1 << bits);
    const limit = end - MARGIN;
    // The first byte has nothing before it to match.
    let ip = base + 1;
    let nextWord = view.getUint32(ip, true);
    let nextHash = Math.imul(nextWord, HASH_MUL) >>> shift;
    search: for (;;) {
      // After 32 misses in a row the step grows by one byte, and again every 32 misses: incompressible
      // data is skipped ever faster, while a match found resets the pace.
      let skip = 32;
      let next = ip;
      let word: number;
      let candidate: number;
      do {
        ip = next;
        word = nextWord;
        const h = nextHash;
        next = ip + (skip++ >> 5);
        if (next > limit) break search;
        nextWord = view.getUint32(next, true);
        nextHash = Math.imul(nextWord, HASH_MUL) >>> shift;
        candidate = base + (table[h] ?? 0);
        table[h] = ip - base;
      } while (word !== view.getUint32(candidate, true));
      op = emitLiteral(src, emit, ip, out, op);
      // A copy is often followed directly by another (repeated records): try the position right after
      // it before going back to the literal search.
      do {
        const from = ip;
        ip = matchEnd(src, view, candidate + 4, ip + 4, end);
        op = emitCopy(out, op, from - candidate, ip - from);
        emit = ip;
        if (ip >= limit) break search;
        // Indexing the copy's last position too helps the next repetition of the same record.
        table[Math.imul(view.getUint32(ip - 1, true), HASH_MUL) >>> shift] = ip - 1 - base;
        word = view.getUint32(ip, true);
        const h = Math.imul(word, HASH_MUL) >>> shift;
        candidate = base + (table[h] ?? 0);
        table[h] = ip - base;
      } while (word === view.getUint32(candidate, true));
      ip++;
      nextWord = view.getUint32(ip, true);
      nextHash = Math.imul(nextWord, HASH_MUL) >>> shift;
    }
  }
  return emit < end ? emitLiteral(src, emit, end, out, op) : op;
}

/** Where the match of `src` at `b` with `src` at `a` (`a` < `b`) ends, at most at `end`. */
function matchEnd(src: Uint8Array, view: DataView, a: number, b: number, end: number): number {
  while (b + 4 <= end) {
    const diff = view.getUint32(a, true) ^ view.getUint32(b, true);
    // Little-endian: the lowest set bit of the difference lies in the first unequal byte.
    if (diff !== 0) return b + ((31 - Math.clz32(diff & -diff)) >> 3);
    a += 4;
    b += 4;
  }
  while (b < end && src[a] === src[b]) {
    a++;
    b++;
  }
  return b;
}

/** Writes the literal `src[from, to)` (at most 64 KiB, so its length needs at most 2 extra bytes). */
function emitLiteral(src: Uint8Array, from: number, to: number, out: Uint8Array, op: number): number {
  const len = to - from;
  const n = len - 1;
  if (n < 60) out[op++] = n << 2;
  else if (n < 256) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else {
    out[op++] = 61 << 2;
    out[op++] = n & 0xff;
    out[op++] = n >> 8;
  }
  if (len > SHORT_LITERAL) {
    out.set(src.subarray(from, to), op);
    return op + len;
  }
  for (let k = from; k < to; k++) out[op++] = src[k] ?? 0;
  return op;
}

/** Writes a copy of `len` (≥ 4) bytes from `offset` (< 64 KiB) back, as tags of at most 64 bytes each. */
function emitCopy(out: Uint8Array, op: number, offset: number, len: number): number {
  // Split so that the last piece keeps at least 4 bytes, the shortest a 1-byte-offset copy can say.
  while (len >= 68) {
    op = emitCopy2(out, op, offset, 64);
    len -= 64;
  }
  if (len > 64) {
    op = emitCopy2(out, op, offset, 60);
    len -= 60;
  }
  if (len < 12 && offset < 2048) {
    out[op] = 1 | ((len - 4) << 2) | ((offset >> 8) << 5);
    out[op + 1] = offset & 0xff;
    return op + 2;
  }
  return emitCopy2(out, op, offset, len);
}

function emitCopy2(out: Uint8Array, op: number, offset: number, len: number): number {
  out[op] = 2 | ((len - 1) << 2);
  out[op + 1] = offset & 0xff;
  out[op + 2] = offset >> 8;
  return op + 3;
}
