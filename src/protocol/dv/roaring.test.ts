import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DeltaError, isDeltaError } from '../../errors.js';
import { decodeRoaring32, decodeRoaring64, encodeRoaring32, encodeRoaring64, RoaringSet } from './roaring.js';

/** Row-index sets of the shapes that matter: sparse, dense, clustered runs, huge values. */
const rowIndexes = fc.oneof(
  fc.array(fc.nat({ max: 200_000 }), { maxLength: 300 }),
  fc.array(fc.maxSafeNat(), { maxLength: 50 }),
  fc
    .array(fc.tuple(fc.nat({ max: 2 ** 40 }), fc.nat({ max: 70_000 })), { maxLength: 6 })
    .map((ranges) => ranges.flatMap(([start, len]) => Array.from({ length: len }, (_, i) => start + i))),
  fc
    .array(fc.tuple(fc.nat({ max: 15 }), fc.nat({ max: 65535 })), { maxLength: 6000 })
    .map((pairs) => pairs.map(([hi, lo]) => hi * 65536 + lo)),
);

function sortedUnique(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

function bytes(...words: Array<[number, 'u16' | 'u32']>): Uint8Array {
  const out: number[] = [];
  for (const [v, kind] of words) {
    out.push(v & 0xff, (v >>> 8) & 0xff);
    if (kind === 'u32') out.push((v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  return Uint8Array.from(out);
}

function catchError(fn: () => unknown): DeltaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DeltaError) return err;
    throw err;
  }
  throw new Error('expected a DeltaError');
}

describe('RoaringSet', () => {
  it('holds exactly the values it was built from, in order', () => {
    fc.assert(
      fc.property(rowIndexes, fc.boolean(), (values, runs) => {
        const set = RoaringSet.from(values, { runs });
        const expected = sortedUnique(values);
        expect(set.cardinality).toBe(expected.length);
        expect([...set.values()]).toEqual(expected);
        expect(expected.filter((v) => !set.has(v))).toEqual([]);
        const members = new Set(expected);
        const neighbours = expected.flatMap((v) => [v - 1, v + 1]).filter((v) => v >= 0 && !members.has(v));
        expect(neighbours.filter((v) => set.has(v))).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('answers false for values that cannot be row indexes', () => {
    const set = RoaringSet.from([0, 1, 2]);
    expect(set.has(-1)).toBe(false);
    expect(set.has(1.5)).toBe(false);
    expect(set.has(Number.NaN)).toBe(false);
    expect(set.has(2 ** 60)).toBe(false);
    expect(RoaringSet.empty().has(0)).toBe(false);
  });

  it('refuses to build from invalid row indexes', () => {
    expect(() => RoaringSet.from([1, -2])).toThrow(/row index -2 \(item 1\)/);
    expect(() => RoaringSet.from([2 ** 53])).toThrow(DeltaError);
  });

  it('uses the smallest container: run for ranges, bitmap when dense, array when sparse', () => {
    const kinds = (s: RoaringSet): string[] => s.entries().map((e) => e.container.kind);
    expect(kinds(RoaringSet.from(Array.from({ length: 1000 }, (_, i) => i)))).toEqual(['run']);
    expect(
      kinds(
        RoaringSet.from(
          Array.from({ length: 1000 }, (_, i) => i),
          { runs: false },
        ),
      ),
    ).toEqual(['array']);
    expect(kinds(RoaringSet.from(Array.from({ length: 5000 }, (_, i) => i * 2)))).toEqual(['bitmap']);
    expect(kinds(RoaringSet.from([1, 5, 9]))).toEqual(['array']);
  });
});

describe('64-bit portable format', () => {
  it('round-trips any set, with and without run containers', () => {
    fc.assert(
      fc.property(rowIndexes, fc.boolean(), (values, runs) => {
        const set = RoaringSet.from(values, { runs });
        const decoded = decodeRoaring64(encodeRoaring64(set));
        expect(decoded.cardinality).toBe(set.cardinality);
        expect([...decoded.values()]).toEqual([...set.values()]);
      }),
      { numRuns: 60 },
    );
  });

  it('lays out the empty set as a zero bucket count', () => {
    expect([...encodeRoaring64(RoaringSet.empty())]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodeRoaring64(new Uint8Array(8)).cardinality).toBe(0);
  });

  it('puts values of 2^32 and above into their own buckets', () => {
    const out = encodeRoaring64(RoaringSet.from([3, 2 ** 32 + 7]));
    const view = new DataView(out.buffer);
    expect(view.getUint32(0, true)).toBe(2); // bucket count, low word
    expect(view.getUint32(4, true)).toBe(0); // high word
    expect(view.getUint32(8, true)).toBe(0); // first bucket key
    const secondBucket = 8 + 4 + 18; // key + bitmap of one array container holding one value
    expect(view.getUint32(secondBucket, true)).toBe(1);
  });

  it('refuses unsorted buckets, keys with the top bit set, and trailing bytes', () => {
    const one = encodeRoaring32(RoaringSet.from([1]));
    const withBuckets = (keys: number[]): Uint8Array => {
      const parts: number[] = [keys.length, 0, 0, 0, 0, 0, 0, 0];
      for (const k of keys) parts.push(k & 0xff, (k >>> 8) & 0xff, (k >>> 16) & 0xff, k >>> 24, ...one);
      return Uint8Array.from(parts);
    };
    expect(catchError(() => decodeRoaring64(withBuckets([2, 1]))).message).toMatch(
      /bucket keys not strictly ascending \(1 after 2\)/,
    );
    expect(catchError(() => decodeRoaring64(withBuckets([0x80000000]))).message).toMatch(
      /most significant bit/,
    );
    const trailing = Uint8Array.from([...withBuckets([0]), 9]);
    expect(catchError(() => decodeRoaring64(trailing, 'x.bin', 100)).message).toMatch(
      /x\.bin at offset 130: 1 unexpected bytes/,
    );
  });

  it('fails clearly on row indexes of 2^53 and above', () => {
    const one = encodeRoaring32(RoaringSet.from([1]));
    const data = Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x20, 0x00, ...one]);
    const err = catchError(() => decodeRoaring64(data, 'dv.bin'));
    expect(err.code).toBe('UnsupportedFeature');
    expect(err.message).toMatch(/dv\.bin at offset 8: bucket 2097152 .* 2\^53/);
    // The largest bucket whose values are all safe integers is accepted.
    const edge = Uint8Array.from([
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0xff,
      0xff,
      0x1f,
      0x00,
      ...encodeRoaring32(RoaringSet.from([4294967295])),
    ]);
    expect([...decodeRoaring64(edge).values()]).toEqual([Number.MAX_SAFE_INTEGER]);
  });

  it('refuses a bucket count that cannot fit in the data', () => {
    const data = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    expect(catchError(() => decodeRoaring64(data)).message).toMatch(/bucket count 4294967295 does not fit/);
  });
});

describe('32-bit portable format', () => {
  it('writes the no-run cookie, count, header and offsets exactly as the spec lays them out', () => {
    const expected = bytes(
      [12346, 'u32'],
      [1, 'u32'],
      [0, 'u16'],
      [2, 'u16'],
      [16, 'u32'],
      [1, 'u16'],
      [5, 'u16'],
      [9, 'u16'],
    );
    expect([...encodeRoaring32(RoaringSet.from([9, 1, 5]))]).toEqual([...expected]);
    expect([...decodeRoaring32(expected).values()]).toEqual([1, 5, 9]);
  });

  it('writes the run cookie with the flag bitset and no offsets below 4 containers', () => {
    // Runs 10..19 in container 0 and the single value 65536 + 3 in container 1.
    const expected = Uint8Array.from([
      ...bytes([12347 | (1 << 16), 'u32']),
      0b01,
      ...bytes([0, 'u16'], [9, 'u16'], [1, 'u16'], [0, 'u16']),
      ...bytes([1, 'u16'], [10, 'u16'], [9, 'u16']),
      ...bytes([3, 'u16']),
    ]);
    const set = RoaringSet.from([...Array.from({ length: 10 }, (_, i) => 10 + i), 65539]);
    expect([...encodeRoaring32(set)]).toEqual([...expected]);
    expect([...decodeRoaring32(expected).values()]).toEqual([...set.values()]);
  });

  it('reads run bitmaps of 4 or more containers, which carry an offset header', () => {
    const values = [0, 1, 2, 3, 65536, 131072, 131073, 131074, 196608, 196700];
    const set = RoaringSet.from(values);
    const encoded = encodeRoaring32(set);
    expect(new DataView(encoded.buffer).getUint32(0, true)).toBe((12347 | (3 << 16)) >>> 0);
    expect([...decodeRoaring32(encoded).values()]).toEqual(values);
  });

  it('round-trips bitmap containers, with and without runs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 3 * 65536 - 1 }), { minLength: 4097, maxLength: 9000 }),
        fc.boolean(),
        (values, runs) => {
          const set = RoaringSet.from(values, { runs });
          expect([...decodeRoaring32(encodeRoaring32(set)).values()]).toEqual(sortedUnique(values));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('refuses values beyond 32 bits', () => {
    expect(() => encodeRoaring32(RoaringSet.from([2 ** 32]))).toThrow(/32-bit/);
  });

  it('detects corrupt structures and names the offset', () => {
    const corrupt = (data: Uint8Array): string => {
      const err = catchError(() => decodeRoaring32(data, 'b'));
      expect(isDeltaError(err, 'CorruptDeletionVector')).toBe(true);
      return err.message;
    };
    expect(corrupt(bytes([1234, 'u32']))).toMatch(/b at offset 0: not a Roaring bitmap: cookie 1234/);
    expect(corrupt(bytes([12346, 'u32'], [1, 'u32'], [0, 'u16']))).toMatch(/truncated/);
    const unsorted = bytes(
      [12346, 'u32'],
      [1, 'u32'],
      [0, 'u16'],
      [1, 'u16'],
      [16, 'u32'],
      [5, 'u16'],
      [5, 'u16'],
    );
    expect(corrupt(unsorted)).toMatch(/b at offset 18: array container 0:0 is not strictly ascending/);
    const keys = bytes([12346, 'u32'], [2, 'u32'], [3, 'u16'], [0, 'u16'], [3, 'u16'], [0, 'u16']);
    expect(corrupt(keys)).toMatch(/offset 12: container keys not strictly ascending/);
    const runTooLong = Uint8Array.from([
      ...bytes([12347, 'u32']),
      1,
      ...bytes([0, 'u16'], [0, 'u16'], [1, 'u16'], [65535, 'u16'], [1, 'u16']),
    ]);
    expect(corrupt(runTooLong)).toMatch(/ends past 65535/);
    const runCard = Uint8Array.from([
      ...bytes([12347, 'u32']),
      1,
      ...bytes([0, 'u16'], [5, 'u16'], [1, 'u16'], [0, 'u16'], [1, 'u16']),
    ]);
    expect(corrupt(runCard)).toMatch(/holds 2 values but its header says 6/);
    const dense = encodeRoaring32(
      RoaringSet.from(
        Array.from({ length: 5000 }, (_, i) => i * 3),
        { runs: false },
      ),
    );
    const flipAt = dense.length - 8000;
    dense[flipAt] = (dense[flipAt] ?? 0) ^ 0x10;
    expect(corrupt(dense)).toMatch(/bitmap container 0:0 holds 500[01] values but its header says 5000/);
  });
});
