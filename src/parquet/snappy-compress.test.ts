import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { snappyDecompress } from './snappy.js';
import { snappyCompress, snappyMaxLength } from './snappy-compress.js';

/** Counts a block's literals, copies and length-prefix bytes, expecting the last element to end the block. */
function elements(block: Uint8Array): { literals: number; copies: number; header: number } {
  let pos = 0;
  while ((block[pos++] ?? 0) & 0x80);
  const header = pos;
  let literals = 0;
  let copies = 0;
  while (pos < block.length) {
    const tag = block[pos++] ?? 0;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >> 2;
      if (len >= 60) {
        const bytes = len - 59;
        len = 0;
        for (let k = 0; k < bytes; k++) len += (block[pos++] ?? 0) * 2 ** (8 * k);
      }
      pos += len + 1;
      literals++;
    } else {
      pos += kind === 1 ? 1 : kind === 2 ? 2 : 4;
      copies++;
    }
  }
  expect(pos).toBe(block.length);
  return { literals, copies, header };
}

/** Compresses and decompresses `data`, expecting it back; vitest's deep equality is too slow for a MiB. */
function roundTrip(data: Uint8Array): Uint8Array {
  const block = snappyCompress(data);
  const back = snappyDecompress(block, data.length);
  expect(back.length).toBe(data.length);
  expect(back.findIndex((b, i) => b !== data[i])).toBe(-1);
  return block;
}

/** Deterministic pseudo-random bytes, so that size assertions are reproducible. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    out[i] = s >>> 24;
  }
  return out;
}

describe('snappyCompress', () => {
  it('round-trips arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000, size: 'max' }), (data) => void roundTrip(data)));
  });

  it('round-trips every length from 0 to 20', () => {
    for (let n = 0; n <= 20; n++) {
      roundTrip(new Uint8Array(n).fill(7));
      roundTrip(randomBytes(n, n));
      roundTrip(new Uint8Array(n).map((_, i) => i % 3));
    }
    expect(snappyCompress(new Uint8Array(0))).toEqual(Uint8Array.of(0));
  });

  it('round-trips data from a small alphabet and repeated fragments, emitting copies', () => {
    // Letters differing only in the top or bottom bit, so that matches end at every bit of a word.
    const fromAlphabet = fc
      .uint8Array({ min: 0, max: 3, minLength: 1, maxLength: 5000, size: 'max' })
      .map((codes) => codes.map((c) => [0x00, 0x01, 0x80, 0x81][c] ?? 0));
    const fromFragments = fc
      .tuple(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 80, size: 'max' }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 200, size: 'max' }),
      )
      .map(([fragments, picks]) => {
        const parts = picks.map((p) => fragments[p % fragments.length] ?? new Uint8Array(0));
        const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
        let at = 0;
        for (const p of parts) {
          out.set(p, at);
          at += p.length;
        }
        return out;
      });
    fc.assert(
      fc.property(fc.oneof(fromAlphabet, fromFragments), (data) => {
        const block = roundTrip(data);
        if (data.length >= 1000) expect(elements(block).copies).toBeGreaterThan(0);
      }),
    );
  });

  it('round-trips lengths around the 64 KiB block boundaries', () => {
    for (const n of [65535, 65536, 65537, 131072 + 3]) {
      roundTrip(randomBytes(n, n));
      // Repetitive content whose matches run right up to (and would run across) each block start.
      const pattern = new Uint8Array(n).map((_, i) => (i % 251) ^ (i >> 14));
      const block = roundTrip(pattern);
      expect(block.length).toBeLessThan(n / 10);
    }
  });

  it('round-trips a view into a larger buffer', () => {
    const whole = new Uint8Array(5000).map((_, i) => (i * 7) % 13);
    roundTrip(whole.subarray(3, 4001));
  });

  it('compresses 1 MiB of a repeated 100-byte pattern to under 10%', () => {
    const pattern = randomBytes(100, 1);
    const data = new Uint8Array(1 << 20).map((_, i) => pattern[i % 100] ?? 0);
    const block = roundTrip(data);
    expect(block.length).toBeLessThan(data.length / 10);
  });

  it('compresses an Int32 array of small ascending numbers', () => {
    // Sorted small values (quantities, years, dictionary codes) repeat each number in a run.
    const ints = new Int32Array(50_000).map((_, i) => Math.floor(i / 20));
    const data = new Uint8Array(ints.buffer);
    const block = roundTrip(data);
    expect(block.length).toBeLessThan(data.length / 5);
    // Even without runs, the zero high bytes of ascending int64 values match each other.
    const longs = new BigInt64Array(20_000).map((_, i) => BigInt(1_000_000 + i * 3));
    const longBytes = new Uint8Array(longs.buffer);
    expect(roundTrip(longBytes).length).toBeLessThan(longBytes.length * 0.8);
  });

  it('expands random bytes by at most n/6 + 32', () => {
    for (const n of [1, 100, 70_000, 300_000]) {
      const block = roundTrip(randomBytes(n, 99));
      expect(block.length).toBeLessThanOrEqual(n + n / 6 + 32);
    }
  });

  it('returns a fresh buffer each time', () => {
    const a = snappyCompress(new Uint8Array(100).fill(1));
    const copyOfA = a.slice();
    snappyCompress(new Uint8Array(100).fill(2));
    expect(a).toEqual(copyOfA);
  });

  it('encodes a run of one byte as a literal and a copy', () => {
    const data = new TextEncoder().encode('aaaaaaaaaaaaaaaa');
    const block = roundTrip(data);
    expect(block.length).toBeLessThan(data.length);
    // length 16; literal "a"; copy-2 of 15 bytes from offset 1
    expect(block).toEqual(Uint8Array.of(16, 0, 0x61, 2 | (14 << 2), 1, 0));
  });

  it('prefixes the block with the varint of the uncompressed length', () => {
    const block = roundTrip(randomBytes(300, 5));
    // 300 = 0b10_0101100: low 7 bits with the continuation bit, then 2
    expect(block.subarray(0, 2)).toEqual(Uint8Array.of(0xac, 0x02));
    expect(elements(block).header).toBe(2);
    expect(elements(snappyCompress(new Uint8Array(127))).header).toBe(1);
  });

  it('prefers 2-byte copies with a 1-byte offset for short, near matches', () => {
    // "abcdefgh" then the same 8 bytes again: literal of 8, copy-1 of length 8 from offset 8.
    const data = new TextEncoder().encode('abcdefghabcdefgh');
    const block = roundTrip(data);
    expect(block.subarray(10)).toEqual(Uint8Array.of(1 | ((8 - 4) << 2), 8));

    // The same 8 bytes after a run of zeros: offset 2047 is the farthest a 1-byte-offset copy reaches.
    for (const [offset, copy] of [
      [2047, Uint8Array.of(1 | ((8 - 4) << 2) | (7 << 5), 0xff)],
      [2048, Uint8Array.of(2 | ((8 - 1) << 2), 0x00, 0x08)],
    ] as const) {
      const far = new Uint8Array(offset + 8);
      far.set(data.subarray(0, 8));
      far.set(data.subarray(0, 8), offset);
      expect(roundTrip(far).subarray(-copy.length)).toEqual(copy);
    }
  });

  it('writes into a buffer the caller passes when it holds snappyMaxLength bytes, else allocates', () => {
    const data = randomBytes(5000, 7);
    const into = new Uint8Array(snappyMaxLength(data.length));
    const block = snappyCompress(data, into);
    expect(block.buffer).toBe(into.buffer);
    expect(block.byteOffset).toBe(0);
    expect(snappyDecompress(block, data.length)).toEqual(data);
    const small = new Uint8Array(snappyMaxLength(data.length) - 1);
    const own = snappyCompress(data, small);
    expect(own.buffer).not.toBe(small.buffer);
    expect(own).toEqual(block);
  });
});
