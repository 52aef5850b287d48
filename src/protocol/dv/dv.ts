/**
 * Loading the deletion vector of an `add`/`remove` action (PROTOCOL.md "Deletion Vectors").
 *
 * A descriptor says where the DV is: inline in the log (`i`, Z85 text), in a file named by a UUID
 * under the table root (`u`), or in a file at an absolute path (`p`). File DVs are read with one
 * ranged request for exactly the entry's bytes, because DV files may pack many DVs and a scan loads
 * one per data file. The decoded set must have the cardinality the descriptor states: a mismatch
 * means the log and the file disagree, and guessing which is right would delete the wrong rows.
 */
import { DeltaError } from '../../errors.js';
import type { Storage } from '../../storage/storage.js';
import type { DeletionVectorDescriptor } from '../actions.js';
import { resolveDataLocation } from '../paths.js';
import { decodeDeletionVectorBlob, decodeDvFileEntry, uuidDvKey } from './format.js';
import { RoaringSet } from './roaring.js';
import { z85Decode } from './z85.js';

export {
  decodeDeletionVectorBlob,
  decodeDvFileEntry,
  DV_FILE_VERSION,
  DV_MAGIC,
  dvFileName,
  encodeDeletionVectorBlob,
  encodeDvFile,
  encodeInlineDescriptor,
  encodeUuidDescriptor,
  uuidDvKey,
} from './format.js';
export type { DvFileEntry, DvFileEntryRef, UuidDescriptorArgs } from './format.js';
export { RoaringSet } from './roaring.js';

/** The set of deleted row indexes (0-based positions in the data file) of one logical file. */
export interface DeletionVector {
  /** Whether row `rowIndex` is deleted. Fast enough to call once per row. */
  has(rowIndex: number): boolean;
  /** Number of deleted rows. */
  readonly cardinality: number;
  /** The deleted row indexes in ascending order. */
  values(): Iterable<number>;
}

/** Options of {@link loadDeletionVector}. */
export interface LoadDeletionVectorOptions {
  /** The table root URL used to resolve `p` paths; defaults to `storage.url`. */
  readonly tableUrl?: string;
  /** Accept `p` paths outside the table root; they are then read through `openExternal`. */
  readonly allowOutsideRoot?: boolean;
  /**
   * Opens the store holding an absolute URL outside the table root (`allowOutsideRoot` only):
   * returns a Storage and the key of the file within it. Without it such a DV cannot be read.
   */
  readonly openExternal?: (url: string) => Promise<{ storage: Storage; key: string }>;
}

/**
 * The identity of a DV for log reconciliation: `storageType + pathOrInlineDv`, plus `@offset` when
 * an offset is present, as PROTOCOL.md defines the DV's unique id. Together with the file path it
 * keys the active-file set during replay.
 */
export function deletionVectorUniqueId(descriptor: DeletionVectorDescriptor): string {
  const base = `${descriptor.storageType}${descriptor.pathOrInlineDv}`;
  return descriptor.offset === undefined || descriptor.offset === null
    ? base
    : `${base}@${descriptor.offset}`;
}

function corrupt(descriptor: DeletionVectorDescriptor, message: string): DeltaError<'CorruptDeletionVector'> {
  const id = deletionVectorUniqueId(descriptor);
  return new DeltaError('CorruptDeletionVector', `deletion vector ${id}: ${message}`, {
    context: { deletionVector: id },
  });
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/**
 * Reads and decodes the deletion vector a descriptor points to.
 *
 * `u` files are at `<randomPrefix>/deletion_vector_<uuid>.bin` under the table root; `p` paths are
 * resolved with {@link resolveDataLocation} (refused outside the root unless `allowOutsideRoot`);
 * an absent `offset` means the first DV of the file (offset 1, after the version byte).
 *
 * @throws DeltaError `CorruptDeletionVector` (bad descriptor, truncated file, checksum mismatch,
 *   malformed bitmap, cardinality mismatch; the message names the file and offset),
 *   `PathOutsideTable`, `FileNotFound`, `StorageError`, or `UnsupportedFeature` (row indexes ≥ 2^53).
 */
export async function loadDeletionVector(
  storage: Storage,
  descriptor: DeletionVectorDescriptor,
  options: LoadDeletionVectorOptions = {},
): Promise<DeletionVector> {
  const { storageType, pathOrInlineDv, sizeInBytes, cardinality } = descriptor;
  if (!isCount(sizeInBytes))
    throw corrupt(descriptor, `sizeInBytes ${String(sizeInBytes)} is not a non-negative integer`);
  if (!isCount(cardinality))
    throw corrupt(descriptor, `cardinality ${String(cardinality)} is not a non-negative integer`);
  if (typeof pathOrInlineDv !== 'string') throw corrupt(descriptor, 'pathOrInlineDv is not a string');
  let set: RoaringSet;
  if (storageType === 'i') {
    if (sizeInBytes === 0 && pathOrInlineDv === '') {
      // The protocol's empty DV: no bytes at all rather than an encoded empty bitmap.
      set = RoaringSet.empty();
    } else {
      const source = `inline deletion vector ${JSON.stringify(pathOrInlineDv)}`;
      set = decodeDeletionVectorBlob(z85Decode(pathOrInlineDv, sizeInBytes, source), source);
    }
  } else if (storageType === 'u' || storageType === 'p') {
    const offset = descriptor.offset ?? 1;
    if (!isCount(offset) || offset < 1)
      throw corrupt(descriptor, `offset ${String(offset)} is not a positive integer`);
    let target: { storage: Storage; key: string };
    if (storageType === 'u') {
      target = { storage, key: uuidDvKey(descriptor) };
    } else {
      const loc = resolveDataLocation(pathOrInlineDv, {
        tableUrl: options.tableUrl ?? storage.url,
        allowOutsideRoot: options.allowOutsideRoot ?? false,
      });
      if (loc.kind === 'key') target = { storage, key: loc.key };
      else if (options.openExternal) target = await options.openExternal(loc.url);
      else {
        throw new DeltaError(
          'PathOutsideTable',
          `deletion vector ${loc.url} is outside the table root and no store was given to read it`,
          {
            context: { path: pathOrInlineDv },
          },
        );
      }
    }
    set = await readFileEntry(target.storage, target.key, offset, sizeInBytes);
  } else {
    throw corrupt(
      descriptor,
      `unknown storageType ${JSON.stringify(storageType)} (expected 'u', 'i' or 'p')`,
    );
  }
  if (set.cardinality !== cardinality) {
    throw corrupt(
      descriptor,
      `decoded ${set.cardinality} row indexes but the descriptor's cardinality is ${cardinality}`,
    );
  }
  return set;
}

/**
 * Reads one entry with a single ranged request. For the first entry (offset 1) the range starts at
 * 0 so the version byte is checked for free; later entries skip it rather than pay a second request.
 */
async function readFileEntry(
  storage: Storage,
  key: string,
  offset: number,
  sizeInBytes: number,
): Promise<RoaringSet> {
  const start = offset === 1 ? 0 : offset;
  const end = offset + 4 + sizeInBytes + 4;
  const bytes = await storage.getRange(key, { offset: start, length: end - start });
  if (bytes.length < end - start) {
    throw new DeltaError(
      'CorruptDeletionVector',
      `${key} at offset ${start + bytes.length}: truncated: the DV at offset ${offset} needs bytes up to ${end}, the file ends at ${start + bytes.length}`,
      { context: { source: key, offset: start + bytes.length } },
    );
  }
  return decodeDvFileEntry(bytes, { source: key, offset, sizeInBytes, bytesStart: start });
}
