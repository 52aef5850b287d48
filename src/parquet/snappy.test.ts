import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SnappyError, snappyDecompress } from './snappy.js';

/** A valid Snappy block of `data` using only literals (each at most 60 bytes, 1-byte tags). */
function literalsOnly(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let n = data.length;
  do {
    out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  for (let at = 0; at < data.length; at += 60) {
    const chunk = data.subarray(at, at + 60);
    out.push((chunk.length - 1) << 2, ...chunk);
  }
  return Uint8Array.from(out);
}

describe('snappyDecompress', () => {
  it('round-trips literal-only blocks of any content', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), (data) => {
        expect(snappyDecompress(literalsOnly(data))).toEqual(data);
      }),
    );
  });

  it('expands an overlapping copy (run-length style)', () => {
    // length 10; literal "ab"; copy-1 of length 8 from offset 2 → "ababababab"
    const block = Uint8Array.of(10, (2 - 1) << 2, 0x61, 0x62, 0b001 | ((8 - 4) << 2), 2);
    expect(new TextDecoder().decode(snappyDecompress(block))).toBe('ababababab');
  });

  it('reads 2-byte-offset copies and long literals', () => {
    const lit = new Uint8Array(70).map((_, i) => i);
    // literal of 70 bytes needs the 1-byte extended length (tag 60 << 2)
    const block = Uint8Array.of(75, 60 << 2, 69, ...lit, 0b10 | ((5 - 1) << 2), 70, 0);
    const out = snappyDecompress(block);
    expect(out.subarray(0, 70)).toEqual(lit);
    expect(out.subarray(70)).toEqual(lit.subarray(0, 5));
  });

  it('rejects a copy before the start and a length mismatch', () => {
    expect(() => snappyDecompress(Uint8Array.of(4, 0b001 | (0 << 2), 1))).toThrow(SnappyError);
    expect(() => snappyDecompress(Uint8Array.of(2, 0, 0x61), 2)).toThrow(SnappyError);
    expect(() => snappyDecompress(Uint8Array.of(1, 0, 0x61), 5)).toThrow(/where 5 were expected/);
  });
});
