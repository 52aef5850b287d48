/**
 * Snappy block decompression (https://github.com/google/snappy/blob/main/format_description.txt),
 * the codec nearly every Delta checkpoint is written with. Decoding a small checkpoint in
 * JavaScript avoids compiling and warming up the WebAssembly decoder, which cost more than the
 * whole rest of a checkpointed snapshot load.
 */

/** The input is not a valid Snappy block. */
export class SnappyError extends Error {}

/** Decompresses one Snappy block; `expected` (when known) must equal the stated length. */
export function snappyDecompress(input: Uint8Array, expected?: number): Uint8Array {
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
  const out = new Uint8Array(length);
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
      out.set(input.subarray(pos, pos + len), at);
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
    if (offset >= len) out.copyWithin(at, at - offset, at - offset + len);
    else for (let k = 0; k < len; k++) out[at + k] = out[at - offset + k] ?? 0;
    at += len;
  }
  if (at !== length) throw new SnappyError(`Snappy block decoded to ${at} of ${length} bytes`);
  return out;
}
