/**
 * The byte formats of PROTOCOL.md "Deletion Vector Format" and "Deletion Vector File Storage
 * Format", and the descriptor spellings of "Deletion Vectors".
 *
 * - The **blob** (what `sizeInBytes` measures, and what an inline DV holds): the magic number
 *   1681511377 as 32-bit little endian, then a 64-bit portable Roaring bitmap.
 * - The **file**: a version byte (`1`), then per DV, big endian: the blob size (4 bytes), the blob,
 *   and the CRC-32 of the blob (4 bytes). A descriptor's `offset` points at the size field.
 */
import { DeltaError } from '../../errors.js';
import type { DeletionVectorDescriptor } from '../actions.js';
import { ByteReader, ByteWriter, crc32 } from './bytes.js';
import { readRoaring64, RoaringSet, writeRoaring64 } from './roaring.js';
import { z85DecodeUuid, z85Encode, z85EncodeUuid } from './z85.js';

/** Magic number that starts every deletion-vector blob (little endian). */
export const DV_MAGIC = 1681511377;
/** The only file format version PROTOCOL.md defines. */
export const DV_FILE_VERSION = 1;
/** Length of the Z85 UUID at the end of a `u` descriptor's `pathOrInlineDv`. */
export const Z85_UUID_LENGTH = 20;

function asSet(values: RoaringSet | Iterable<number>): RoaringSet {
  return values instanceof RoaringSet ? values : RoaringSet.from(values);
}

/** Serializes a set of row indexes as a deletion-vector blob (magic + 64-bit portable bitmap). */
export function encodeDeletionVectorBlob(values: RoaringSet | Iterable<number>): Uint8Array {
  const w = new ByteWriter();
  w.u32le(DV_MAGIC);
  writeRoaring64(w, asSet(values));
  return w.finish();
}

/**
 * Decodes a deletion-vector blob. The bitmap must fill the blob exactly.
 * @param source names the blob in errors; @param baseOffset is its offset within `source`.
 * @throws DeltaError `CorruptDeletionVector` naming source and offset.
 */
export function decodeDeletionVectorBlob(
  blob: Uint8Array,
  source = 'deletion vector',
  baseOffset = 0,
): RoaringSet {
  const r = new ByteReader(blob, source, baseOffset);
  const magic = r.u32le('magic number');
  if (magic !== DV_MAGIC) throw r.error(`magic number is ${magic}, expected ${DV_MAGIC}`, 0);
  const set = readRoaring64(r);
  if (r.remaining !== 0) throw r.error(`${r.remaining} unexpected bytes after the bitmap`);
  return set;
}

/** Where one blob landed in a file written by {@link encodeDvFile}: the descriptor's fields. */
export interface DvFileEntry {
  /** Offset of the entry's size field: the descriptor's `offset`. */
  readonly offset: number;
  /** Blob length: the descriptor's `sizeInBytes`. */
  readonly sizeInBytes: number;
}

/** Builds a deletion-vector file holding `blobs`, with the offsets descriptors must record. */
export function encodeDvFile(blobs: readonly Uint8Array[]): { bytes: Uint8Array; entries: DvFileEntry[] } {
  const w = new ByteWriter();
  w.u8(DV_FILE_VERSION);
  const entries: DvFileEntry[] = [];
  for (const blob of blobs) {
    entries.push({ offset: w.length, sizeInBytes: blob.length });
    w.u32be(blob.length);
    w.bytes(blob);
    w.u32be(crc32(blob));
  }
  return { bytes: w.finish(), entries };
}

/** Arguments of {@link decodeDvFileEntry}. */
export interface DvFileEntryRef {
  /** Names the file in errors (its key). */
  readonly source: string;
  /** File offset of the entry's size field (the descriptor's `offset`). */
  readonly offset: number;
  /** Expected blob size (the descriptor's `sizeInBytes`). */
  readonly sizeInBytes: number;
  /** File offset of `bytes[0]`; when 0 the version byte is checked too. Defaults to 0. */
  readonly bytesStart?: number;
}

/**
 * Decodes one DV from (a range of) a deletion-vector file: checks the version byte when the range
 * starts at 0, the stored size against `sizeInBytes`, and the CRC-32 before decoding the blob.
 * @throws DeltaError `CorruptDeletionVector` naming the file and offset.
 */
export function decodeDvFileEntry(bytes: Uint8Array, ref: DvFileEntryRef): RoaringSet {
  const start = ref.bytesStart ?? 0;
  const r = new ByteReader(bytes, ref.source, start);
  if (start === 0) {
    const version = bytes[0];
    if (version !== DV_FILE_VERSION)
      throw r.error(`file format version is ${String(version)}, expected ${DV_FILE_VERSION}`, 0);
  }
  if (ref.offset < start || ref.offset > start + bytes.length)
    throw r.error(`entry offset ${ref.offset} is outside the bytes read`, 0);
  r.pos = ref.offset - start;
  const size = r.u32be('DV size');
  if (size !== ref.sizeInBytes) {
    throw r.error(
      `stored DV size ${size} does not match the descriptor's sizeInBytes ${ref.sizeInBytes}`,
      r.pos - 4,
    );
  }
  const blobAt = r.pos;
  const blob = r.take(size, 'DV data');
  const stored = r.u32be('checksum');
  const actual = crc32(blob);
  if (stored !== actual) {
    throw r.error(
      `checksum mismatch for the DV at offset ${ref.offset}: stored CRC-32 ${stored.toString(16)}, computed ${actual.toString(16)}`,
      r.pos - 4,
    );
  }
  return decodeDeletionVectorBlob(blob, ref.source, start + blobAt);
}

/**
 * An inline (`storageType = 'i'`) descriptor for a set: the blob in Z85 (zero-padded to a multiple
 * of 4 bytes), with the unpadded length as `sizeInBytes`.
 */
export function encodeInlineDescriptor(values: RoaringSet | Iterable<number>): DeletionVectorDescriptor {
  const set = asSet(values);
  const blob = encodeDeletionVectorBlob(set);
  return {
    storageType: 'i',
    pathOrInlineDv: z85Encode(blob),
    offset: null,
    sizeInBytes: blob.length,
    cardinality: set.cardinality,
  };
}

/** Arguments of {@link encodeUuidDescriptor}. */
export interface UuidDescriptorArgs {
  /** The UUID in the file name `deletion_vector_<uuid>.bin`. */
  readonly uuid: string;
  /** Optional directory prefix (alphanumeric), the file then lives at `<prefix>/deletion_vector_…`. */
  readonly randomPrefix?: string;
  readonly offset: number;
  readonly sizeInBytes: number;
  readonly cardinality: number;
}

/** A relative-path (`storageType = 'u'`) descriptor, for a DV stored in a file under the table. */
export function encodeUuidDescriptor(args: UuidDescriptorArgs): DeletionVectorDescriptor {
  const prefix = args.randomPrefix ?? '';
  checkPrefix(prefix, `random prefix ${JSON.stringify(prefix)}`);
  return {
    storageType: 'u',
    pathOrInlineDv: prefix + z85EncodeUuid(args.uuid),
    offset: args.offset,
    sizeInBytes: args.sizeInBytes,
    cardinality: args.cardinality,
  };
}

/** The file name of a DV file: `deletion_vector_<uuid>.bin`. */
export function dvFileName(uuid: string): string {
  return `deletion_vector_${uuid}.bin`;
}

/** Refuses prefixes that could climb out of the table (`..`, absolute, backslashes, NUL). */
function checkPrefix(prefix: string, what: string): void {
  if (prefix === '') return;
  const bad =
    prefix.startsWith('/') ||
    prefix.includes('\\') ||
    prefix.includes('\0') ||
    prefix.split('/').some((s) => s === '' || s === '.' || s === '..');
  if (bad) {
    throw new DeltaError(
      'PathOutsideTable',
      `${what} of a deletion vector is not a plain relative directory`,
      {
        context: { prefix },
      },
    );
  }
}

/**
 * The Storage key (relative to the table root) of a `u` descriptor's file:
 * `<randomPrefix>/deletion_vector_<uuid>.bin`, where the UUID is the last 20 Z85 characters.
 *
 * @throws DeltaError `CorruptDeletionVector` for a malformed UUID; `PathOutsideTable` for a prefix
 *   that would leave the table root.
 */
export function uuidDvKey(descriptor: DeletionVectorDescriptor): string {
  const text = descriptor.pathOrInlineDv;
  if (text.length < Z85_UUID_LENGTH) {
    throw new DeltaError(
      'CorruptDeletionVector',
      `deletion vector ${JSON.stringify(text)}: a 'u' descriptor needs at least ${Z85_UUID_LENGTH} characters`,
      { context: { pathOrInlineDv: text } },
    );
  }
  const prefix = text.slice(0, text.length - Z85_UUID_LENGTH);
  checkPrefix(prefix, `prefix ${JSON.stringify(prefix)} of ${JSON.stringify(text)}`);
  const uuid = z85DecodeUuid(
    text.slice(text.length - Z85_UUID_LENGTH),
    `deletion vector ${JSON.stringify(text)}`,
  );
  return prefix === '' ? dvFileName(uuid) : `${prefix}/${dvFileName(uuid)}`;
}
