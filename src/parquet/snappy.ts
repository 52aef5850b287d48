/**
 * Snappy block decompression (https://github.com/google/snappy/blob/main/format_description.txt),
 * the codec nearly every Delta checkpoint is written with. Decoding a small checkpoint in
 * JavaScript avoids compiling and warming up the WebAssembly decoder, which cost more than the
 * whole rest of a checkpointed snapshot load.
 */

/** Literals and copies shorter than this are copied in JavaScript rather than by a native call. */
const SHORT = 32;

/** The input is not a valid Snappy block. */
export class SnappyError extends Error {}

/**
 * Decompresses one Snappy block; `expected` (when known) must equal the stated length. With `into`
 * large enough, the result is a view of its start: a reader that is done with one page before it
 * decompresses the next reuses one buffer instead of allocating a page's worth of memory each time.
 */
export function snappyDecompress(input: Uint8Array, expected?: number, into?: Uint8Array): Uint8Array {
  let pos = 0;
  let length = 0;
  let scale = 1;
  for (;;) {
    const b = input[pos++];
    if (b === undefined || scale > 2 ** 28) throw new SnappyError('truncated Snappy length');
    length += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) break;
    scale *= 128;
  }
  if (expected !== undefined && expected !== length)
    throw new SnappyError(`Snappy block of ${length} bytes where ${expected} were expected`);
  const out = into !== undefined && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
  // Short runs move four bytes at a time through DataViews (unaligned access is allowed there),
  // possibly writing up to three bytes past the run, which the next run overwrites; only within
  // four bytes of the end of the output is a run copied byte by byte.
  const iv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const ov = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const safeEnd = length - 4;
  let at = 0;
  const n = input.length;
  while (pos < n) {
    const tag = input[pos++] ?? 0;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >> 2;
      if (len >= 60) {
        const bytes = len - 59;
        len = 0;
        for (let k = 0; k < bytes; k++) len += (input[pos++] ?? 0) * 2 ** (8 * k);
      }
      len += 1;
      if (pos + len > n || at + len > length) throw new SnappyError('Snappy literal runs past the end');
      if (len > SHORT) out.set(input.subarray(pos, pos + len), at);
      else if (at + len <= safeEnd && pos + len + 4 <= n)
        for (let k = 0; k < len; k += 4) ov.setUint32(at + k, iv.getUint32(pos + k, true), true);
      else for (let k = 0; k < len; k++) out[at + k] = input[pos + k] ?? 0;
      pos += len;
      at += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      len = ((tag >> 2) & 7) + 4;
      offset = ((tag >> 5) << 8) | (input[pos++] ?? 0);
    } else if (kind === 2) {
      len = (tag >> 2) + 1;
      offset = (input[pos] ?? 0) | ((input[pos + 1] ?? 0) << 8);
      pos += 2;
    } else {
      len = (tag >> 2) + 1;
      offset =
        ((input[pos] ?? 0) | ((input[pos + 1] ?? 0) << 8) | ((input[pos + 2] ?? 0) << 16)) +
        (input[pos + 3] ?? 0) * 2 ** 24;
      pos += 4;
    }
    if (pos > n || offset === 0 || offset > at || at + len > length)
      throw new SnappyError('Snappy copy out of range');
    if (len > SHORT && offset >= len) out.copyWithin(at, at - offset, at - offset + len);
    else if (offset >= 4 && at + len <= safeEnd) {
      // Each word read lies wholly before the word written (offset >= 4): already final.
      const from = at - offset;
      for (let k = 0; k < len; k += 4) ov.setUint32(at + k, ov.getUint32(from + k, true), true);
    } else {
      // Byte by byte gives an overlapping copy (offset < len) its repeating pattern.
      for (let k = 0; k < len; k++) out[at + k] = out[at - offset + k] ?? 0;
    }
    at += len;
  }
  if (at !== length) throw new SnappyError(`Snappy block decoded to ${at} of ${length} bytes`);
  return out;
}
