import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HybridError,
  countSetBits,
  decodeHybrid,
  isOneRun,
  setBitRange,
  varintLength,
  writeVarint,
} from './bits.js';

/** ULEB128, the run headers' encoding. */
function varint(n: number, out: number[]): void {
  let v = n;
  do {
    out.push((v % 128) | (v >= 128 ? 0x80 : 0));
    v = Math.floor(v / 128);
  } while (v > 0);
}

/** A reference encoder: each run given as RLE (value, count) or bit-packed (values). */
type Run = { rle: number; count: number } | { packed: number[] };

function encode(runs: readonly Run[], width: number): { bytes: Uint8Array; values: number[] } {
  const out: number[] = [];
  const values: number[] = [];
  for (const run of runs) {
    if ('rle' in run) {
      varint(run.count * 2, out);
      for (let k = 0; k < Math.ceil(width / 8); k++) out.push(Math.floor(run.rle / 2 ** (8 * k)) % 256);
      for (let i = 0; i < run.count; i++) values.push(run.rle);
      continue;
    }
    const groups = Math.ceil(run.packed.length / 8);
    varint(groups * 2 + 1, out);
    const bits: number[] = [];
    for (let i = 0; i < groups * 8; i++) {
      const v = run.packed[i] ?? 0;
      for (let b = 0; b < width; b++) bits.push(Math.floor(v / 2 ** b) % 2);
    }
    for (let i = 0; i < bits.length; i += 8) {
      let byte = 0;
      for (let b = 0; b < 8; b++) byte |= (bits[i + b] ?? 0) << b;
      out.push(byte);
    }
    values.push(...run.packed);
    // A bit-packed run is whole groups of 8; the decoder reads the padding as values too.
    for (let i = run.packed.length; i < groups * 8; i++) values.push(0);
  }
  return { bytes: Uint8Array.from(out), values };
}

const widthAndRuns = fc.integer({ min: 0, max: 32 }).chain((width) => {
  const value = fc.integer({ min: 0, max: width === 32 ? 0xffffffff : 2 ** width - 1 });
  const run = fc.oneof(
    fc.record({ rle: value, count: fc.integer({ min: 1, max: 300 }) }),
    fc.record({ packed: fc.array(value, { minLength: 1, maxLength: 40 }) }),
  );
  return fc.tuple(fc.constant(width), fc.array(run, { minLength: 1, maxLength: 8 }));
});

describe('decodeHybrid', () => {
  it('decodes any sequence of RLE and bit-packed runs of any width, from any offset', () => {
    fc.assert(
      fc.property(widthAndRuns, fc.integer({ min: 0, max: 5 }), ([width, runs], pad) => {
        const { bytes, values } = encode(runs, width);
        const data = new Uint8Array(pad + bytes.length);
        data.set(bytes, pad);
        const out = new Uint32Array(values.length + 2);
        decodeHybrid(data, pad, data.length, width, out, 2, values.length);
        expect(Array.from(out.subarray(2))).toEqual(values);
      }),
      { numRuns: 300 },
    );
  });

  it('stops after the values asked for, inside a run', () => {
    const { bytes } = encode([{ packed: [1, 2, 3, 4, 5, 6, 7] }, { rle: 9, count: 100 }], 3);
    const out = new Uint8Array(10);
    decodeHybrid(bytes, 0, bytes.length, 3, out, 0, 10);
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6, 7, 0, 9, 9]);
  });

  it('refuses data that ends before the values asked for', () => {
    const { bytes } = encode([{ packed: [1, 2, 3, 4, 5, 6, 7, 1] }], 12);
    expect(() => decodeHybrid(bytes, 0, bytes.length - 1, 12, new Uint32Array(8), 0, 8)).toThrow(HybridError);
    expect(() => decodeHybrid(bytes, 0, bytes.length, 12, new Uint32Array(20), 0, 20)).toThrow(HybridError);
    expect(() => decodeHybrid(bytes, 0, bytes.length, 33, new Uint32Array(8), 0, 8)).toThrow(HybridError);
  });
});

describe('isOneRun', () => {
  it('is true exactly when the first run is RLE of the value covering the n values asked for', () => {
    const level = fc.integer({ min: 0, max: 1 });
    const runs = fc.array(
      fc.oneof(
        fc.record({ rle: level, count: fc.integer({ min: 1, max: 300 }) }),
        fc.record({ packed: fc.array(level, { minLength: 1, maxLength: 20 }) }),
      ),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(runs, fc.integer({ min: 1, max: 300 }), (rs, wanted) => {
        const { bytes, values } = encode(rs, 1);
        const n = Math.min(wanted, values.length);
        const first = rs[0];
        const expected = first !== undefined && 'rle' in first && first.rle === 1 && first.count >= n;
        expect(isOneRun(bytes, 0, bytes.length, n, 1)).toBe(expected);
        // Where it says so, decoding gives n ones.
        if (expected) {
          const out = new Uint8Array(n);
          decodeHybrid(bytes, 0, bytes.length, 1, out, 0, n);
          expect([...out].every((v) => v === 1)).toBe(true);
        }
      }),
    );
    expect(isOneRun(new Uint8Array(0), 0, 0, 1, 1)).toBe(false);
  });
});

describe('countSetBits', () => {
  it('counts the set bits of any range, aligned or not, as a bit-by-bit count does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), fc.nat(), (bits, a, b) => {
        const total = bits.length * 8;
        const from = a % total;
        const count = b % (total - from + 1);
        let expected = 0;
        for (let i = from; i < from + count; i++) expected += ((bits[i >> 3] ?? 0) >> (i & 7)) & 1;
        expect(countSetBits(bits, from, count)).toBe(expected);
      }),
    );
  });
});

describe('setBitRange', () => {
  it('sets exactly the bits of the range, whatever was set before, as a bit-by-bit loop does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), fc.nat(), (before, a, b) => {
        const total = before.length * 8;
        const from = a % total;
        const n = b % (total - from + 1);
        const expected = before.slice();
        for (let i = from; i < from + n; i++) expected[i >> 3] = (expected[i >> 3] ?? 0) | (1 << (i & 7));
        const bits = before.slice();
        setBitRange(bits, from, n);
        expect(bits).toEqual(expected);
      }),
    );
  });
});

describe('writeVarint', () => {
  it('writes what the reference encoder writes, in varintLength bytes, up to 2^53', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeNat()),
        fc.integer({ min: 0, max: 5 }),
        (n, at) => {
          const want: number[] = [];
          varint(n, want);
          const out = new Uint8Array(at + 12).fill(0xaa);
          const end = writeVarint(out, at, n);
          expect(end - at).toBe(want.length);
          expect(varintLength(n)).toBe(want.length);
          expect(Array.from(out.subarray(at, end))).toEqual(want);
          expect(out[end]).toBe(0xaa);
        },
      ),
    );
  });
});
