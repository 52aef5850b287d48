/**
 * Z85, the ZeroMQ base-85 text encoding, as Delta uses it for deletion vectors.
 *
 * Delta stores two things in Z85: the bytes of an inline deletion vector (`storageType = 'i'`) and
 * the 16-byte UUID that names a deletion-vector file (`storageType = 'u'`, always 20 characters).
 * Z85 maps every 4 bytes (a big-endian 32-bit word) to 5 characters, so it only encodes whole
 * words; Delta pads inline data with zero bytes to a multiple of 4 and records the real length in
 * the descriptor's `sizeInBytes`.
 */
import { DeltaError } from '../../errors.js';

/** The 85 characters of Z85, in digit order. */
export const Z85_ALPHABET =
  '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Character code → digit, -1 for characters outside the alphabet. */
const DIGITS: Int16Array = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < Z85_ALPHABET.length; i++) table[Z85_ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/**
 * Encodes bytes as Z85. Input whose length is not a multiple of 4 is padded with zero bytes first,
 * as Delta's inline deletion vectors are; the caller keeps the real length (`sizeInBytes`) to cut
 * the padding off again in {@link z85Decode}.
 */
export function z85Encode(bytes: Uint8Array): string {
  const words = Math.ceil(bytes.length / 4);
  const chars: string[] = new Array<string>(words * 5);
  for (let w = 0; w < words; w++) {
    const i = w * 4;
    let value =
      (bytes[i] ?? 0) * 0x1000000 +
      (((bytes[i + 1] ?? 0) << 16) | ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0));
    for (let k = 4; k >= 0; k--) {
      chars[w * 5 + k] = Z85_ALPHABET.charAt(value % 85);
      value = Math.floor(value / 85);
    }
  }
  return chars.join('');
}

/**
 * Decodes Z85 text. The text length must be a multiple of 5 and every 5-character group must stand
 * for a value below 2^32. When `length` is given, the result is cut to that many bytes (dropping
 * the zero padding added by {@link z85Encode}); a `length` longer than the decoded data is an error.
 *
 * The last group may also use the tail convention of the Rust `z85` crate, in which some Delta
 * writers encode inline DVs: a group starting with `k` (1‥3) `#` characters carries only `4 - k`
 * bytes, big endian, in its remaining characters. No standard group can start with `#` (84·85⁴
 * exceeds 2^32), so the two conventions cannot be confused.
 *
 * @param source names the text in error messages (for example the descriptor it came from).
 * @throws DeltaError `CorruptDeletionVector` naming the offending character offset.
 */
export function z85Decode(text: string, length?: number, source = 'Z85 text'): Uint8Array {
  const tail = text.length >= 5 && text.length % 5 === 0 ? shortTail(text, source) : undefined;
  if (tail !== undefined) {
    const head = z85Decode(text.slice(0, text.length - 5), undefined, source);
    const out = new Uint8Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    if (length !== undefined && length !== out.length) {
      throw new DeltaError(
        'CorruptDeletionVector',
        `${source}: expected ${length} bytes but the Z85 text of ${text.length} characters holds ${out.length}`,
        { context: { source, offset: 0 } },
      );
    }
    return out;
  }
  if (text.length % 5 !== 0) {
    throw new DeltaError(
      'CorruptDeletionVector',
      `${source}: Z85 text length ${text.length} is not a multiple of 5 (offset ${text.length - (text.length % 5)} starts an incomplete group)`,
      { context: { source, offset: text.length - (text.length % 5) } },
    );
  }
  const decodedLength = (text.length / 5) * 4;
  const outLength = length ?? decodedLength;
  if (
    !Number.isInteger(outLength) ||
    outLength < 0 ||
    outLength > decodedLength ||
    decodedLength - outLength >= 4
  ) {
    throw new DeltaError(
      'CorruptDeletionVector',
      `${source}: expected ${String(length)} bytes but the Z85 text of ${text.length} characters holds ${decodedLength}`,
      { context: { source, offset: 0 } },
    );
  }
  const out = new Uint8Array(decodedLength);
  for (let g = 0; g < text.length; g += 5) {
    let value = 0;
    for (let k = 0; k < 5; k++) {
      const code = text.charCodeAt(g + k);
      const digit = code < 128 ? (DIGITS[code] ?? -1) : -1;
      if (digit < 0) {
        throw new DeltaError(
          'CorruptDeletionVector',
          `${source}: invalid Z85 character ${JSON.stringify(text.charAt(g + k))} at offset ${g + k}`,
          { context: { source, offset: g + k } },
        );
      }
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) {
      throw new DeltaError(
        'CorruptDeletionVector',
        `${source}: Z85 group at offset ${g} encodes ${value}, which does not fit in 32 bits`,
        { context: { source, offset: g } },
      );
    }
    const o = (g / 5) * 4;
    out[o] = Math.floor(value / 0x1000000);
    out[o + 1] = (value >>> 16) & 0xff;
    out[o + 2] = (value >>> 8) & 0xff;
    out[o + 3] = value & 0xff;
  }
  return outLength === decodedLength ? out : out.subarray(0, outLength);
}

/**
 * Decodes a final group in the `#`-prefixed short-tail convention, or returns `undefined` when the
 * last group is a standard one.
 */
function shortTail(text: string, source: string): Uint8Array | undefined {
  const g = text.length - 5;
  let hashes = 0;
  while (hashes < 5 && text.charAt(g + hashes) === '#') hashes++;
  if (hashes === 0) return undefined;
  if (hashes > 3) {
    throw new DeltaError(
      'CorruptDeletionVector',
      `${source}: Z85 group at offset ${g} starts with ${hashes} '#' characters`,
      {
        context: { source, offset: g },
      },
    );
  }
  let value = 0;
  for (let k = hashes; k < 5; k++) {
    const code = text.charCodeAt(g + k);
    const digit = code < 128 ? (DIGITS[code] ?? -1) : -1;
    if (digit < 0) {
      throw new DeltaError(
        'CorruptDeletionVector',
        `${source}: invalid Z85 character ${JSON.stringify(text.charAt(g + k))} at offset ${g + k}`,
        {
          context: { source, offset: g + k },
        },
      );
    }
    value = value * 85 + digit;
  }
  const n = 4 - hashes;
  if (value >= 256 ** n) {
    throw new DeltaError(
      'CorruptDeletionVector',
      `${source}: Z85 tail group at offset ${g} encodes ${value}, more than ${n} bytes hold`,
      {
        context: { source, offset: g },
      },
    );
  }
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = value % 256;
    value = Math.floor(value / 256);
  }
  return out;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Encodes a UUID (`8-4-4-4-12` hex) as the 20 Z85 characters Delta puts in `pathOrInlineDv`. The
 * bytes are the UUID's 128 bits in the order they are written in the text (most significant first).
 *
 * @throws DeltaError `InvalidArgument` when `uuid` is not a UUID.
 */
export function z85EncodeUuid(uuid: string): string {
  if (!UUID_PATTERN.test(uuid)) {
    throw new DeltaError('InvalidArgument', `not a UUID: ${JSON.stringify(uuid)}`);
  }
  const hex = uuid.replace(/-/g, '');
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return z85Encode(bytes);
}

/**
 * Decodes the 20 Z85 characters of a deletion-vector UUID into its lower-case `8-4-4-4-12` form,
 * the spelling used in the file name `deletion_vector_<uuid>.bin`.
 *
 * @throws DeltaError `CorruptDeletionVector` when the text is not 20 valid Z85 characters.
 */
export function z85DecodeUuid(text: string, source = 'deletion vector UUID'): string {
  if (text.length !== 20) {
    throw new DeltaError(
      'CorruptDeletionVector',
      `${source}: a Z85 UUID has 20 characters, got ${text.length} (${JSON.stringify(text)})`,
      { context: { source, offset: Math.min(text.length, 20) } },
    );
  }
  const bytes = z85Decode(text, 16, source);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
