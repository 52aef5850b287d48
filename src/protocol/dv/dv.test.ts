import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryStorage } from '../../storage/memory.js';
import type { DeletionVectorDescriptor } from '../actions.js';
import { crc32 } from './bytes.js';
import {
  decodeDeletionVectorBlob,
  decodeDvFileEntry,
  deletionVectorUniqueId,
  DV_MAGIC,
  encodeDeletionVectorBlob,
  encodeDvFile,
  encodeInlineDescriptor,
  encodeUuidDescriptor,
  loadDeletionVector,
  RoaringSet,
  uuidDvKey,
} from './dv.js';
import { rejection } from '../../test-errors.js';

const rowIndexes = fc.oneof(
  fc.array(fc.nat({ max: 100_000 }), { maxLength: 200 }),
  fc.array(fc.maxSafeNat(), { maxLength: 30 }),
  fc
    .array(fc.tuple(fc.nat({ max: 2 ** 36 }), fc.nat({ max: 20_000 })), { maxLength: 4 })
    .map((ranges) => ranges.flatMap(([start, len]) => Array.from({ length: len }, (_, i) => start + i))),
);

const UUID = '899cef78-06b3-4c14-b024-03860e62cd40';

/** Writes a DV file with `sets` under the UUID and returns the storage and descriptors. */
async function storeDvFile(
  sets: RoaringSet[],
  prefix = '',
): Promise<{ storage: MemoryStorage; descriptors: DeletionVectorDescriptor[]; key: string }> {
  const storage = new MemoryStorage('dv-test');
  const file = encodeDvFile(sets.map((s) => encodeDeletionVectorBlob(s)));
  const descriptors = file.entries.map((e, i) =>
    encodeUuidDescriptor({
      uuid: UUID,
      randomPrefix: prefix,
      offset: e.offset,
      sizeInBytes: e.sizeInBytes,
      cardinality: sets[i]?.cardinality ?? 0,
    }),
  );
  const key = `${prefix === '' ? '' : `${prefix}/`}deletion_vector_${UUID}.bin`;
  await storage.put(key, file.bytes);
  return { storage, descriptors, key };
}

describe('deletion vector blob', () => {
  it('starts with the magic number and round-trips any set', () => {
    fc.assert(
      fc.property(rowIndexes, (values) => {
        const blob = encodeDeletionVectorBlob(values);
        expect(new DataView(blob.buffer).getUint32(0, true)).toBe(DV_MAGIC);
        expect([...decodeDeletionVectorBlob(blob).values()]).toEqual(
          [...new Set(values)].sort((a, b) => a - b),
        );
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a wrong magic number', () => {
    const blob = encodeDeletionVectorBlob([1]);
    blob[0] = 0;
    expect(() => decodeDeletionVectorBlob(blob, 'x')).toThrow(
      /x at offset 0: magic number is \d+, expected 1681511377/,
    );
  });
});

describe('deletion vector file', () => {
  it('round-trips several DVs in one file, each found by its offset', () => {
    fc.assert(
      fc.property(fc.array(rowIndexes, { minLength: 1, maxLength: 4 }), (lists) => {
        const sets = lists.map((l) => RoaringSet.from(l));
        const file = encodeDvFile(sets.map((s) => encodeDeletionVectorBlob(s)));
        expect(file.bytes[0]).toBe(1);
        expect(file.entries[0]?.offset).toBe(1);
        file.entries.forEach((e, i) => {
          const view = new DataView(file.bytes.buffer);
          expect(view.getUint32(e.offset, false)).toBe(e.sizeInBytes);
          const blob = file.bytes.subarray(e.offset + 4, e.offset + 4 + e.sizeInBytes);
          expect(view.getUint32(e.offset + 4 + e.sizeInBytes, false)).toBe(crc32(blob));
          const set = decodeDvFileEntry(file.bytes, {
            source: 'f',
            offset: e.offset,
            sizeInBytes: e.sizeInBytes,
          });
          expect([...set.values()]).toEqual([...(sets[i]?.values() ?? [])]);
        });
      }),
      { numRuns: 30 },
    );
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('refuses a wrong version byte and a size that differs from the descriptor', () => {
    const file = encodeDvFile([encodeDeletionVectorBlob([1, 2])]);
    const size = file.entries[0]?.sizeInBytes ?? 0;
    expect(() => decodeDvFileEntry(file.bytes, { source: 'f', offset: 1, sizeInBytes: size + 1 })).toThrow(
      /f at offset 1: stored DV size \d+ does not match/,
    );
    file.bytes[0] = 2;
    expect(() => decodeDvFileEntry(file.bytes, { source: 'f', offset: 1, sizeInBytes: size })).toThrow(
      /file format version is 2/,
    );
  });
});

describe('loadDeletionVector', () => {
  it('loads inline DVs', async () => {
    await fc.assert(
      fc.asyncProperty(rowIndexes, async (values) => {
        const descriptor = encodeInlineDescriptor(values);
        const dv = await loadDeletionVector(new MemoryStorage(), descriptor);
        expect([...dv.values()]).toEqual([...new Set(values)].sort((a, b) => a - b));
      }),
      { numRuns: 30 },
    );
  });

  it('loads the empty inline DV', async () => {
    const dv = await loadDeletionVector(new MemoryStorage(), {
      storageType: 'i',
      pathOrInlineDv: '',
      sizeInBytes: 0,
      cardinality: 0,
    });
    expect(dv.cardinality).toBe(0);
  });

  it('loads relative-path DVs, with and without a random prefix, at any offset', async () => {
    const sets = [
      RoaringSet.from([0, 3, 9]),
      RoaringSet.from(Array.from({ length: 7000 }, (_, i) => i * 2 + 1)),
    ];
    for (const prefix of ['', 'ab', 'x9/q']) {
      const { storage, descriptors } = await storeDvFile(sets, prefix);
      for (const [i, d] of descriptors.entries()) {
        const dv = await loadDeletionVector(storage, d);
        expect([...dv.values()]).toEqual([...(sets[i]?.values() ?? [])]);
      }
    }
  });

  it('reads only the bytes of the entry', async () => {
    const { storage, descriptors } = await storeDvFile([RoaringSet.from([1]), RoaringSet.from([2, 3])]);
    const ranges: Array<{ offset: number; length: number }> = [];
    const spy = Object.assign(Object.create(storage) as MemoryStorage, {
      getRange: (key: string, range: { offset: number; length: number }) => {
        ranges.push(range);
        return storage.getRange(key, range);
      },
    });
    const second = descriptors[1];
    if (!second) throw new Error('no descriptor');
    await loadDeletionVector(spy, second);
    expect(ranges).toEqual([{ offset: second.offset, length: 4 + second.sizeInBytes + 4 }]);
  });

  it('detects a corrupted byte through the checksum, naming file and offset', async () => {
    const { storage, descriptors, key } = await storeDvFile([RoaringSet.from([5, 6, 7, 1000])]);
    const bytes = await storage.get(key);
    bytes[12] = (bytes[12] ?? 0) ^ 0x01;
    await storage.put(key, bytes);
    const d = descriptors[0];
    if (!d) throw new Error('no descriptor');
    const err = await rejection(loadDeletionVector(storage, d));
    expect(err.code).toBe('CorruptDeletionVector');
    expect(err.message).toContain(key);
    expect(err.message).toMatch(/checksum mismatch for the DV at offset 1/);
  });

  it('detects truncated files and cardinality mismatches', async () => {
    const { storage, descriptors, key } = await storeDvFile([RoaringSet.from([5, 6, 7])]);
    const d = descriptors[0];
    if (!d) throw new Error('no descriptor');
    const wrongCard = await rejection(loadDeletionVector(storage, { ...d, cardinality: 4 }));
    expect(wrongCard.code).toBe('CorruptDeletionVector');
    expect(wrongCard.message).toMatch(/decoded 3 row indexes but the descriptor's cardinality is 4/);
    const bytes = await storage.get(key);
    await storage.put(key, bytes.subarray(0, bytes.length - 2));
    const truncated = await rejection(loadDeletionVector(storage, d));
    expect(truncated.message).toMatch(/truncated/);
  });

  it('refuses malformed descriptors', async () => {
    const storage = new MemoryStorage();
    const base = encodeInlineDescriptor([1]);
    await expect(loadDeletionVector(storage, { ...base, storageType: 'x' })).rejects.toThrow(
      /unknown storageType "x"/,
    );
    await expect(loadDeletionVector(storage, { ...base, sizeInBytes: -1 })).rejects.toThrow(/sizeInBytes -1/);
    await expect(
      loadDeletionVector(storage, { ...base, pathOrInlineDv: `${base.pathOrInlineDv} ` }),
    ).rejects.toThrow(/Z85/);
    await expect(
      loadDeletionVector(storage, {
        storageType: 'u',
        pathOrInlineDv: 'short',
        sizeInBytes: 1,
        cardinality: 1,
      }),
    ).rejects.toThrow(/at least 20/);
  });

  it('refuses random prefixes that climb out of the table', () => {
    const d = encodeUuidDescriptor({ uuid: UUID, offset: 1, sizeInBytes: 1, cardinality: 1 });
    for (const prefix of ['..', '../x', 'a/../..', '/abs', 'a\\..']) {
      expect(() => uuidDvKey({ ...d, pathOrInlineDv: prefix + d.pathOrInlineDv })).toThrow(
        /not a plain relative directory/,
      );
    }
    expect(uuidDvKey({ ...d, pathOrInlineDv: `ab${d.pathOrInlineDv}` })).toBe(
      `ab/deletion_vector_${UUID}.bin`,
    );
  });

  it('loads absolute-path DVs inside the table and refuses those outside', async () => {
    const { storage, descriptors, key } = await storeDvFile([RoaringSet.from([4])]);
    const d = descriptors[0];
    if (!d) throw new Error('no descriptor');
    const inside = { ...d, storageType: 'p', pathOrInlineDv: `${storage.url}/${key}` };
    expect([...(await loadDeletionVector(storage, inside)).values()]).toEqual([4]);
    const outside = { ...inside, pathOrInlineDv: `memory://elsewhere/${key}` };
    expect((await rejection(loadDeletionVector(storage, outside))).code).toBe('PathOutsideTable');
    expect((await rejection(loadDeletionVector(storage, outside, { allowOutsideRoot: true }))).code).toBe(
      'PathOutsideTable',
    );
    const viaExternal = await loadDeletionVector(storage, outside, {
      allowOutsideRoot: true,
      openExternal: async (url) => ({ storage, key: url.slice('memory://elsewhere/'.length) }),
    });
    expect(viaExternal.cardinality).toBe(1);
  });
});

describe('deletionVectorUniqueId', () => {
  it('joins storage type, path and offset', () => {
    expect(
      deletionVectorUniqueId({
        storageType: 'u',
        pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^',
        offset: 4,
        sizeInBytes: 40,
        cardinality: 6,
      }),
    ).toBe('uab^-aqEH.-t@S}K{vb[*k^@4');
    expect(
      deletionVectorUniqueId({
        storageType: 'i',
        pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L',
        sizeInBytes: 40,
        cardinality: 6,
      }),
    ).toBe('iwi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L');
  });
});
