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

/** A reference Snappy encoder over explicit operations: literals, and copies of earlier output. */
type SnappyOp = { literal: number[] } | { copyLen: number; offsetSeed: number };

function encodeOps(ops: readonly SnappyOp[]): { block: Uint8Array; expected: Uint8Array } {
  const body: number[] = [];
  const expected: number[] = [];
  for (const op of ops) {
    if ('literal' in op) {
      const n = op.literal.length - 1;
      if (n < 60) body.push(n << 2);
      else if (n < 256) body.push(60 << 2, n);
      else body.push(61 << 2, n & 0xff, n >> 8);
      body.push(...op.literal);
      expected.push(...op.literal);
      continue;
    }
    if (expected.length === 0) continue;
    const offset = 1 + (op.offsetSeed % Math.min(expected.length, 65535));
    const len = op.copyLen;
    if (len >= 4 && len <= 11 && offset < 2048)
      body.push(1 | ((len - 4) << 2) | ((offset >> 8) << 5), offset & 0xff);
    else if (op.offsetSeed % 2 === 0) body.push(2 | ((len - 1) << 2), offset & 0xff, offset >> 8);
    else body.push(3 | ((len - 1) << 2), offset & 0xff, offset >> 8, 0, 0);
    for (let k = 0; k < len; k++) expected.push(expected[expected.length - offset] ?? 0);
  }
  const header: number[] = [];
  let n = expected.length;
  do {
    header.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return { block: Uint8Array.from([...header, ...body]), expected: Uint8Array.from(expected) };
}

describe('snappyDecompress on every kind of element', () => {
  const op: fc.Arbitrary<SnappyOp> = fc.oneof(
    fc.record({ literal: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 300 }) }),
    fc.record({ copyLen: fc.integer({ min: 1, max: 64 }), offsetSeed: fc.nat() }),
  );

  it('decodes literals and short, long and overlapping copies, up to the very last byte', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
        const { block, expected } = encodeOps(ops);
        expect(snappyDecompress(block, expected.length)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a copy reaching before the start of the output', () => {
    // length 6; literal "ab"; copy-2 of length 4 from offset 3 (only 2 bytes exist)
    expect(() => snappyDecompress(Uint8Array.from([6, 1 << 2, 97, 98, 2 | (3 << 2), 3, 0]))).toThrow(
      SnappyError,
    );
  });
});
