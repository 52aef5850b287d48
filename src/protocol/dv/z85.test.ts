import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDeltaError } from '../../errors.js';
import { z85Decode, z85DecodeUuid, z85Encode, z85EncodeUuid } from './z85.js';

function expectCorrupt(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(isDeltaError(err, 'CorruptDeletionVector')).toBe(true);
    expect((err as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a CorruptDeletionVector error');
}

describe('z85', () => {
  it('matches the reference vector of the Z85 specification', () => {
    const bytes = Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    expect(z85Encode(bytes)).toBe('HelloWorld');
    expect([...z85Decode('HelloWorld')]).toEqual([...bytes]);
  });

  it('encodes the extreme words', () => {
    expect(z85Encode(new Uint8Array(4))).toBe('00000');
    expect(z85Encode(Uint8Array.from([255, 255, 255, 255]))).toBe('%nSc0');
    expect([...z85Decode('%nSc0')]).toEqual([255, 255, 255, 255]);
  });

  it('round-trips arbitrary bytes, padding to whole words and cutting back to the length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = z85Encode(bytes);
        expect(text.length).toBe(Math.ceil(bytes.length / 4) * 5);
        expect([...z85Decode(text, bytes.length)]).toEqual([...bytes]);
      }),
    );
  });

  it('names the offset of an invalid character', () => {
    expectCorrupt(() => z85Decode('Hello Worl'), /invalid Z85 character " " at offset 5/);
    expectCorrupt(() => z85Decode('HelloWor\u00e9d'), /at offset 8/);
    expectCorrupt(() => z85Decode('Hello"orld'), /at offset 5/);
  });

  it('refuses a length that is not a multiple of 5, naming where the incomplete group starts', () => {
    expectCorrupt(() => z85Decode('HelloWor'), /not a multiple of 5 \(offset 5/);
  });

  it('refuses a group above 2^32 - 1', () => {
    expectCorrupt(
      () => z85Decode('00000%nSc1'),
      /group at offset 5 encodes 4294967296, which does not fit in 32 bits/,
    );
    expectCorrupt(() => z85Decode('#0000HelloWorld'), /group at offset 0 encodes \d+, which does not fit/);
  });

  it('reads a final group in the #-prefixed short-tail convention', () => {
    // Two '#' = two bytes missing; "093" = 0*85^2 + 9*85 + 3 = 768 = 0x0300, big endian.
    expect([...z85Decode('00000##093')]).toEqual([0, 0, 0, 0, 3, 0]);
    expect([...z85Decode('#0001')]).toEqual([0, 0, 1]);
  });

  it('refuses malformed short tails', () => {
    expectCorrupt(() => z85Decode('####0'), /starts with 4 '#'/);
    expectCorrupt(() => z85Decode('###%%'), /tail group at offset 0 encodes \d+, more than 1 bytes hold/);
    expectCorrupt(() => z85Decode('00000##093', 8), /expected 8 bytes .* holds 6/);
  });

  it('refuses an expected length the text cannot hold', () => {
    expectCorrupt(() => z85Decode('HelloWorld', 9), /expected 9 bytes/);
    expectCorrupt(() => z85Decode('HelloWorld', 3), /expected 3 bytes/);
  });

  it('round-trips UUIDs in 20 characters', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        const text = z85EncodeUuid(uuid);
        expect(text).toHaveLength(20);
        expect(z85DecodeUuid(text)).toBe(uuid.toLowerCase());
      }),
    );
  });

  it('decodes a UUID written by Delta to the name of its file', () => {
    // From delta-kernel/basic-dv-no-checkpoint: the table holds deletion_vector_<this uuid>.bin.
    expect(z85DecodeUuid('IjB3V2d3#qUP%s94R0WF')).toBe('899cef78-06b3-4c14-b024-03860e62cd40');
    expect(z85EncodeUuid('899cef78-06b3-4c14-b024-03860e62cd40')).toBe('IjB3V2d3#qUP%s94R0WF');
  });

  it('refuses UUID text of the wrong length and non-UUID input', () => {
    expectCorrupt(() => z85DecodeUuid('abc'), /20 characters, got 3/);
    expect(() => z85EncodeUuid('not-a-uuid')).toThrow(/not a UUID/);
  });
});
